"""Evidence pages of a case: upload from the case page, fetch one file (证据, 第46–47条)."""

from __future__ import annotations

from urllib.parse import quote

from flask import Blueprint, Response, current_app, redirect, request, url_for

from web.auth import login_required, principal
from web.requests import clock, db, end_reads, evidence_store
from web.schemas.common import load
from web.schemas.evidence import EvidenceFacts
from web.views.cases import render_case
from web.views.tasks import acting_user
from workflows.cases.browse import visible_case
from workflows.cases.evidence import EvidenceUpload, add_evidence, evidence_content
from workflows.core.errors import QuanzeError, ValidationFailed

bp = Blueprint("evidence", __name__, url_prefix="/cases")
FILE_MISSING = {"file": ["请选择文件 / choose a file"]}


def read_upload() -> tuple[EvidenceUpload | None, dict]:
    """The request's file and facts as the service's upload, or every field error at once."""
    facts, errors = load(EvidenceFacts(), request.form.to_dict())
    storage = request.files.get("file")
    if storage is None or not storage.filename:
        errors = (errors or {}) | FILE_MISSING
    if errors:
        return None, errors
    return EvidenceUpload(filename=storage.filename, content=storage.read(), **facts), {}


def evidence_response(row, content: bytes) -> Response:
    """The bytes as a download with the sniffed type; the browser must not guess another."""
    response = Response(content, mimetype=row.mime)
    response.headers["Content-Disposition"] = f"attachment; filename*=UTF-8''{_quote(row.filename)}"
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["ETag"] = row.sha256
    return response


def _quote(name: str) -> str:
    return quote(name, safe="")


@bp.post("/<int:case_id>/evidence")
@login_required
def upload(case_id: int):
    """Add one item from the case page; every error shown at once and nothing written."""
    case = visible_case(db(), principal(), case_id)
    upload, errors = read_upload()
    if errors:
        return render_case(case.id, errors=errors, values=request.form, status=422)
    user = acting_user()
    end_reads()
    try:
        add_evidence(db(), clock(), evidence_store(), user, case.id, upload,
                     current_app.config["EVIDENCE_LIMITS"])
    except ValidationFailed as exc:
        return render_case(case.id, errors=exc.errors, values=request.form, status=422)
    except QuanzeError as exc:
        if exc.status in (403, 404):
            raise
        return render_case(case.id, errors={"file": [exc.message]}, values=request.form, status=exc.status)
    return redirect(url_for("cases.detail", case_id=case.id) + "#evidence")


@bp.get("/<int:case_id>/evidence/<int:evidence_id>")
@login_required
def download(case_id: int, evidence_id: int):
    """One file of a case within the user's scope (others 404 like missing)."""
    case = visible_case(db(), principal(), case_id)
    return evidence_response(*evidence_content(db(), evidence_store(), case.id, evidence_id))
