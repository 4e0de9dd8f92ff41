"""Per-request database session and clock access for views and API handlers."""

from __future__ import annotations

from datetime import date, datetime

from flask import Flask, current_app, g, request
from sqlalchemy.orm import Session


def db() -> Session:
    """The request's session, opened on first use and closed at teardown."""
    if "db" not in g:
        g.db = current_app.extensions["quanze"].session_factory()
    return g.db


def end_reads() -> None:
    """Close the read transaction opened while loading the user, so use cases commit their own."""
    session = g.get("db")
    if session is not None and session.in_transaction() and not (session.new or session.dirty or session.deleted):
        session.commit()


def now() -> datetime:
    """The injected clock's instant (UTC)."""
    return current_app.extensions["quanze"].clock.now()


def today() -> date:
    """The legal date (Asia/Shanghai) of the injected clock."""
    return current_app.extensions["quanze"].clock.today()


def forms():
    """The user-task forms of every procedure (derived from workflows.procedures.ALL)."""
    return current_app.extensions["quanze"].forms()


def clock():
    """The injected clock itself."""
    return current_app.extensions["quanze"].clock


def evidence_store():
    """The store evidence files are kept in (put/get/exists by sha256)."""
    return current_app.extensions["quanze"].evidence_store


# Endpoints that take evidence files: their body may exceed MAX_CONTENT_LENGTH, up to EVIDENCE_MAX_BYTES.
UPLOAD_ENDPOINTS = {"evidence.upload", "api_evidence.CaseEvidence"}


def _upload_limit() -> None:
    # Before the CSRF check reads the form, so the larger limit applies to the parse.
    if request.endpoint in UPLOAD_ENDPOINTS:
        request.max_content_length = current_app.config["EVIDENCE_MAX_BYTES"]


def _close(_exc) -> None:
    session = g.pop("db", None)
    if session is not None:
        session.close()  # rolls back anything a use case did not commit


def init_app(app: Flask) -> None:
    """Register the teardown that closes the session and the upload limit of evidence endpoints."""
    app.before_request(_upload_limit)
    app.teardown_appcontext(_close)
