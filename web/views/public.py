"""Public disclosure (公示) without sign-in: delegations, letters, power lists per township."""

from __future__ import annotations

import os
from pathlib import Path
from urllib.parse import quote

from flask import Blueprint, Response, current_app, render_template

from models import DelegationMode
from web.requests import db, today
from workflows.core.audit_verify import ANCHOR_FILE_ENV, latest_anchor
from workflows.procedures import ALL as PROCEDURES
from workflows.procedures.case_handling.disclosure import published_decisions
from workflows.registry.browse import (
    public_delegations,
    public_document,
    public_documents,
    public_township,
    published_letters,
    townships,
)
from workflows.registry.powers import power_list

bp = Blueprint("public", __name__, url_prefix="/public")


def _publications() -> dict[str, tuple[str, ...]]:
    """Each procedure's publication tasks, from the declarations (workflows/procedures ALL)."""
    return {p.id: p.publications for p in PROCEDURES if p.publications}


def _anchor_file() -> Path:
    """Where `quanze audit anchor` writes (config AUDIT_ANCHOR_FILE, env, instance folder)."""
    return Path(current_app.config.get("AUDIT_ANCHOR_FILE") or os.environ.get(ANCHOR_FILE_ENV)
                or Path(current_app.instance_path) / "audit-anchors.jsonl")


@bp.get("/")
def index():
    """Every township, with links to its disclosures, and the audit chain's anchored head."""
    return render_template("public/index.html", townships=townships(db()),
                           anchor=latest_anchor(_anchor_file()))


@bp.get("/townships/<int:township_id>")
def township(township_id: int):
    """Effective grants, entrustments with their letters, and the power list of one township."""
    town = public_township(db(), township_id)
    on = today()
    rows = public_delegations(db(), town.id, on)
    powers = [c for c in power_list(db(), town.id, on) if c.mode != DelegationMode.ASSIST.value]
    return render_template(
        "public/township.html", town=town, on=on, powers=powers,
        grants=[d for d in rows if d.mode == DelegationMode.GRANT],
        entrustments=[d for d in rows if d.mode == DelegationMode.ENTRUST],
        documents=_letters(town.id, on), decisions=published_decisions(db(), town.id, on))


def _letters(township_id: int, on) -> list:
    """Letters behind delegations in force, and those published whose term has not begun."""
    seen, letters = set(), []
    for doc in public_documents(db(), township_id, on) + published_letters(db(), township_id,
                                                                           _publications()):
        if doc.id not in seen:
            seen.add(doc.id)
            letters.append(doc)
    return letters


@bp.get("/documents/<int:document_id>")
def document(document_id: int):
    """A published letter or decision, byte-for-byte as issued (.docx or HTML)."""
    doc = public_document(db(), document_id, _publications())
    disposition = "inline" if doc.mime.startswith("text/html") else "attachment"
    return Response(doc.content, mimetype=doc.mime.split(";")[0], headers={
        "Content-Disposition": f"{disposition}; filename*=UTF-8''{quote(doc.filename)}",
        "X-Content-SHA256": doc.sha256})

