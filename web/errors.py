"""Errors become 4xx: JSON bodies for the API, a page for people; never a bare 500 for bad input."""

from __future__ import annotations

from flask import Flask, jsonify, render_template
from werkzeug.exceptions import HTTPException

from web.auth import is_api_request
from workflows.core.errors import QuanzeError

STATUS_CODES = {400: "bad_request", 401: "unauthorized", 403: "forbidden", 404: "not_found",
                405: "method_not_allowed", 409: "conflict", 413: "payload_too_large",
                415: "unsupported_media_type", 422: "validation_failed", 429: "too_many_requests"}


def _respond(status: int, body: dict):
    if is_api_request():
        return jsonify(body), status
    return render_template("error.html", status=status, error=body), status


def handle_quanze_error(exc: QuanzeError):
    """A service-layer refusal: its status and message, with field errors and the article."""
    body = {"status": exc.status, **exc.to_dict()}
    return _respond(exc.status, body)


def handle_http_error(exc: HTTPException):
    """Werkzeug and webargs errors, with field messages when the body did not validate."""
    body = {"status": exc.code, "error": STATUS_CODES.get(exc.code, "error"),
            "message": exc.description or exc.name}
    messages = getattr(exc, "data", {}).get("messages") if hasattr(exc, "data") else None
    if messages:
        body["errors"] = _flatten_locations(messages)
        body["message"] = "输入有误 / invalid input"
    return _respond(exc.code or 500, body)


def _flatten_locations(messages: dict) -> dict:
    """webargs nests errors by location ('json', 'query'); one level is clearer for callers."""
    flat: dict = {}
    for location, fields in messages.items():
        if isinstance(fields, dict):
            flat.update(fields)
        else:
            flat[location] = fields
    return flat


def init_app(app: Flask) -> None:
    """Register the handlers."""
    app.register_error_handler(QuanzeError, handle_quanze_error)
    app.register_error_handler(HTTPException, handle_http_error)
