"""Start every procedure beyond grant and entrustment over the API, and read cases within scope."""

from __future__ import annotations

from functools import wraps

from flask import abort, current_app
from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import Schema, fields

from models import User
from web.api.common import BEARER, QUERY, caller, may_start, paged, require_token
from web.requests import db, end_reads
from web.schemas import starts as schemas
from web.schemas.common import PageArgs, PageMeta
from web.schemas.evidence import EvidenceOut
from web.starting import CASE_RUNNERS, MENU_RUNNERS
from workflows.cases.browse import case_deadlines, list_cases, visible_case
from workflows.cases.evidence import case_evidence
from workflows.procedures import CASE, MENU, start_grants, starts

blp = Blueprint("api_starts", __name__, url_prefix="/api/v1", description="发起流程与案件 / starts and cases")
blp.before_request(require_token)


class CaseOut(Schema):
    """A case as listed."""

    id = fields.Integer()
    case_number = fields.String()
    item_code = fields.Function(lambda c: c.item.code)
    township_id = fields.Integer()
    handling_org_id = fields.Integer()
    enforcement_subject_org_id = fields.Integer()
    party_kind = fields.String()
    status = fields.String()
    filed_on = fields.Date()
    instance_id = fields.Integer(allow_none=True)


class DeadlineOut(Schema):
    """A period of the case."""

    id = fields.Integer()
    rule_key = fields.String()
    started_at = fields.DateTime()
    due_at = fields.DateTime()
    status = fields.String()


class CaseOfficerOut(Schema):
    """A certified officer on the case (第42条)."""

    user_id = fields.Integer()
    certificate_number = fields.String()


class CaseDetailOut(CaseOut):
    """A case with its party, facts, officers, evidence, decision and fine, deadlines and legal reviews."""

    party_name = fields.String()
    facts_summary = fields.String()
    violation_on = fields.Date()
    officers = fields.List(fields.Nested(CaseOfficerOut))
    evidence = fields.List(fields.Nested(EvidenceOut))
    decision_kind = fields.Function(lambda c: c.decision_kind.value if c.decision_kind else None,
                                    metadata={"type": "string", "nullable": True})
    fine_amount = fields.Decimal(as_string=True, allow_none=True, metadata={"description": "yuan"})
    decided_on = fields.Date(allow_none=True)
    published_on = fields.Date(allow_none=True)
    deadlines = fields.List(fields.Nested(DeadlineOut))
    reviews = fields.Function(lambda c: [{"result": str(r.result), "reviewer_org_id": r.reviewer_org_id,
                                          "opinion": r.opinion} for r in c.reviews],
                              metadata={"type": "array", "items": {"type": "object", "properties": {
                                  "result": {"type": "string"}, "reviewer_org_id": {"type": "integer"},
                                  "opinion": {"type": "string", "nullable": True}}}})


class CasePageOut(Schema):
    """One page of cases."""

    items = fields.List(fields.Nested(CaseOut))
    meta = fields.Nested(PageMeta)


def _run(runner, data, case=None):
    user = db().get(User, caller().user_id)
    engine = current_app.extensions["quanze"].workflow_engine()
    end_reads()
    args = (db(), engine, user, caller(), data) + ((case,) if case is not None else ())
    return runner(*args)


def _menu_route(kind: str, schema, summary: str) -> None:
    def post(self, data):
        return _run(MENU_RUNNERS[kind], data)
    post.__doc__ = summary
    decorated = blp.doc(security=BEARER)(may_start(kind)(
        blp.arguments(schema)(blp.response(201, schemas.StartedOut)(post))))
    view = type(f"Start_{kind}", (MethodView,), {"__doc__": summary, "post": decorated})
    blp.route(f"/procedures/{kind}")(view)


for _key, _start in starts(MENU).items():  # one endpoint per menu start of workflows.procedures.ALL
    _menu_route(_key, schemas.schema_for(_key), _start.summary)


def _case_route(kind: str, schema, summary: str) -> None:
    def post(self, data, case_id: int):
        case = visible_case(db(), caller(), case_id)
        return _run(CASE_RUNNERS[kind], data, case)
    post.__doc__ = summary
    decorated = blp.doc(security=BEARER)(_case_in_scope(kind)(
        blp.arguments(schema)(blp.response(201, schemas.StartedOut)(post))))
    view = type(f"Start_{kind}", (MethodView,), {"__doc__": summary, "post": decorated})
    blp.route(f"/cases/<int:case_id>/{kind}")(view)


def _case_in_scope(kind: str):
    """404 for a case outside the caller's scope, 403 unless the caller's organ handles it; before parsing."""
    def wrap(handler):
        @wraps(handler)
        def checked(*args, case_id: int, **kwargs):
            case = visible_case(db(), caller(), case_id)
            if case.handling_org_id not in {g.org_id for g in start_grants(caller(), kind)}:
                abort(403, description=f"无权对该案件发起此流程：{kind} / you may not start {kind} for this case")
            return handler(*args, case_id=case_id, **kwargs)
        return checked
    return wrap


for _key, _start in starts(CASE).items():
    _case_route(_key, schemas.schema_for(_key), _start.summary)


@blp.route("/cases")
class Cases(MethodView):
    """Cases within the caller's scope."""

    @blp.doc(security=BEARER)
    @blp.arguments(PageArgs, **QUERY)
    @blp.response(200, CasePageOut)
    def get(self, args):
        """Cases the caller may open, newest first."""
        return paged(list_cases(db(), caller(), args["page"], args["page_size"]))


@blp.route("/cases/<int:case_id>")
class CaseDetail(MethodView):
    """One case (404 outside scope)."""

    @blp.doc(security=BEARER)
    @blp.response(200, CaseDetailOut)
    def get(self, case_id: int):
        """The case with its deadlines and reviews."""
        case = visible_case(db(), caller(), case_id)
        case.deadlines = case_deadlines(db(), case)
        case.evidence = case_evidence(db(), case.id)
        return case

