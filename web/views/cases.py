"""Cases within the user's scope: list, and one case with its deadlines, reviews and audit trail."""

from __future__ import annotations

from flask import Blueprint, render_template, request

from models import Role
from web.auth import login_required, principal
from web.requests import db, forms
from web.schemas.common import PageArgs, load
from workflows.cases.browse import (
    case_deadlines,
    case_transfers,
    cases_by_stage,
    list_cases,
    visible_case,
)
from workflows.cases.documents import case_documents
from workflows.cases.evidence import case_evidence
from workflows.core.errors import NotFound
from workflows.procedures import CASE, start_grants, starts
from workflows.tasks.inbox import instance_view

bp = Blueprint("cases", __name__, url_prefix="/cases")
OFFICER_ROLES = (Role.TOWNSHIP_OFFICER, Role.COUNTY_OFFICER)


@bp.get("/")
@login_required
def index():
    """Cases the user may open, newest first."""
    args, _errors = load(PageArgs(), dict(request.args))
    args = args or {"page": 1, "page_size": 50}
    return render_template("cases/list.html", page=list_cases(db(), principal(), args["page"], args["page_size"]),
                           stages=cases_by_stage(db(), principal()))


@bp.get("/<int:case_id>")
@login_required
def detail(case_id: int):
    """The case, its deadlines, legal reviews, transfers, evidence and the audit trail of its procedure."""
    return render_case(case_id)


def render_case(case_id: int, errors: dict | None = None, values=None, status: int = 200):
    """The case page, with the evidence form's errors and values when an upload was refused."""
    me = principal()
    case = visible_case(db(), me, case_id)
    view = None
    if case.instance_id is not None:
        try:
            view = instance_view(db(), me, case.instance_id, forms())
        except NotFound:
            view = None
    may = {kind: case.handling_org_id in {g.org_id for g in start_grants(me, kind)}
           for kind in starts(CASE)}
    may["evidence"] = any(me.has_role(role, case.handling_org_id) for role in OFFICER_ROLES)
    return render_template("cases/detail.html", case=case, deadlines=case_deadlines(db(), case),
                           transfers=case_transfers(db(), case.id), view=view, may=may,
                           evidence=case_evidence(db(), case.id), documents=case_documents(db(), case), errors=errors or {}, values=values or {},
                           officers=case.officers), status
