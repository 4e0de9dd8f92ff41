"""Start pages of every procedure beyond grant and entrustment: validate → one service call → render."""

from __future__ import annotations

from contextlib import suppress
from dataclasses import dataclass

from flask import Blueprint, abort, redirect, render_template, request, url_for

from models import OrgKind
from web.auth import login_required, principal
from web.requests import db, end_reads, today
from web.schemas import starts as schemas
from web.schemas.common import form_dict, load
from web.starting import CASE_RUNNERS, MENU_RUNNERS, Started
from web.views.tasks import acting_user, workflow_engine
from workflows.cases.browse import certified_officers, orgs_of_kind, visible_case
from workflows.core.errors import QuanzeError
from workflows.procedures import start_grants
from workflows.procedures.case_transfer.steps import competent_receiver
from workflows.procedures.mutual_notification.steps import KINDS
from workflows.procedures.work_order.steps import SOURCES, URGENCIES
from workflows.registry.browse import departments, townships
from workflows.registry.powers import who

bp = Blueprint("starts", __name__)
SCHEMAS = {"evaluation": schemas.EvaluationStart, "case_filing": schemas.CaseFilingStart,
           "joint_enforcement": schemas.JointEnforcementStart,
           "mutual_notification": schemas.MutualNotificationStart, "work_order": schemas.WorkOrderStart,
           "duty_access": schemas.DutyAccessStart, "crime_transfer": schemas.CrimeTransferStart,
           "case_transfer": schemas.CaseTransferStart}
MULTI = ("officers", "participant_ids", "township_ids")
YES_NO = (("false", "否"), ("true", "是"))


@dataclass(frozen=True)
class FormField:
    """One input of a start form: name, label, widget and its choices."""

    name: str
    label: str
    widget: str = "text"  # text, textarea, date, number, select, multi
    options: tuple = ()
    required: bool = True


def _orgs(orgs) -> tuple:
    return tuple((str(o.id), o.name) for o in orgs)


def _own(kind: str) -> tuple:
    return tuple((str(g.org_id), g.org_name) for g in start_grants(principal(), kind))


def _officer_options(org_ids) -> tuple:
    return tuple((f"{u.id}:{number}", f"{u.display_name}（{number}）")
                 for org_id in org_ids for u, number in certified_officers(db(), org_id, today()))


def _parties() -> tuple:
    return _orgs(orgs_of_kind(db(), OrgKind.TOWNSHIP, OrgKind.COUNTY_DEPARTMENT))


def _menu_fields(kind: str) -> list[FormField]:
    towns = _orgs(townships(db()))
    F = FormField
    if kind == "evaluation":
        return [F("township_id", "乡镇", "select", towns), F("department_id", "县直部门", "select", _orgs(departments(db()))),
                F("period_start", "评估期间起", "date"), F("period_end", "评估期间止", "date")]
    if kind == "case_filing":
        own = _own(kind)
        return [F("handling_org_id", "办案机关", "select", own), F("township_id", "违法行为发生地乡镇", "select", towns),
                F("item_code", "事项编码"), F("case_number", "案号"), F("party_name", "当事人"),
                F("party_kind", "当事人类型", "select", (("citizen", "公民"), ("organization", "法人或其他组织"))),
                F("facts_summary", "案情摘要", "textarea"), F("violation_on", "违法行为发生日", "date"),
                F("act_ended_on", "连续或继续状态的违法行为终了日（第36条）", "date", required=False),
                F("discovered_on", "发现违法行为之日（第36条，默认立案日）", "date", required=False),
                F("harm", "涉及公民生命健康安全、金融安全且有危害后果（追责期限五年，第36条）", "select", YES_NO, False),
                F("officers", "执法人员（至少两名持有效执法证，第42条）", "multi", _officer_options(int(v) for v, _ in own))]
    if kind == "joint_enforcement":
        return [F("initiator_org_id", "发起机关", "select", _own(kind)), F("title", "行动名称"),
                F("plan", "执法方案", "textarea"), F("planned_on", "实施日期", "date"),
                F("participant_ids", "参与机关", "multi", _parties()),
                F("township_id", "实施地乡镇（县直部门发起时必填）", "select", towns, False)]
    if kind == "mutual_notification":
        return [F("sender_org_id", "告知机关", "select", _own(kind)), F("recipient_org_id", "被告知机关", "select", _parties()),
                F("kind", "告知类别", "select", tuple((k, k) for k in KINDS)), F("subject", "告知事由"),
                F("summary", "告知内容", "textarea"), F("major", "重大执法决定", "select", YES_NO, False),
                F("case_id", "关联案件编号", "number", required=False)]
    if kind == "work_order":
        return [F("township_id", "首接乡镇", "select", _own(kind)), F("source", "来源", "select", tuple((s, s) for s in SOURCES)),
                F("urgency", "紧急程度", "select", tuple((u, u) for u in URGENCIES)),
                F("description", "诉求内容", "textarea"), F("item_code", "事项编码", required=False)]
    return [F("department_id", "县直部门", "select", _own(kind)), F("title", "事项名称"),
            F("description", "职责内容", "textarea"), F("legal_basis", "法律依据", "textarea"),
            F("township_ids", "承接乡镇", "multi", towns), F("staff", "随事转移人员", "number"),
            F("funding_yuan", "随事转移经费（元）", "number"),
            F("resources_required", "须人随事转、费随事转", "select", (("true", "是"), ("false", "否")), False)]


def _case_fields(kind: str, case) -> list[FormField]:
    officers = _officer_options([case.handling_org_id])
    if kind == "crime_transfer":
        return [FormField("report", "移送报告", "textarea"),
                FormField("police_org_id", "公安机关", "select", _orgs(orgs_of_kind(db(), OrgKind.PUBLIC_SECURITY))),
                FormField("officers", "报告的执法人员（两名以上）", "multi", officers)]
    return [FormField("reason", "移送理由", "textarea"),
            FormField("materials", "移送材料（每行一项：名称,页数）", "textarea"),
            FormField("receiver_org_id", "接收机关（依权责清单）", "select", _parties(), False)]


def to_data(form, kind: str) -> dict:
    """The HTML form as the API would send it: officers 'id:certificate', materials one per line."""
    data = form_dict(form, multi=MULTI)
    if "officers" in data:
        data["officers"] = [dict(zip(("user_id", "certificate_number"), v.split(":", 1), strict=False))
                            for v in data["officers"]]
    if kind == "case_transfer" and "materials" in data:
        lines = [line.strip() for line in data["materials"].splitlines() if line.strip()]
        data["materials"] = [dict(zip(("title", "pages"), (p.strip() for p in line.rsplit(",", 1)), strict=False))
                             if "," in line else {"title": line} for line in lines]
    return data


def flat_errors(errors: dict) -> dict:
    """Nested list errors (officers.0.user_id) as one message list per form field."""
    flat = {}
    for name, value in errors.items():
        if isinstance(value, dict):
            flat[name] = [f"第{int(i) + 1 if str(i).isdigit() else i}项 {k}: {m}" for i, sub in value.items()
                          for k, msgs in (sub.items() if isinstance(sub, dict) else [("", sub)])
                          for m in (msgs if isinstance(msgs, list) else [msgs])]
        else:
            flat[name] = value
    return flat


def service_errors(exc: QuanzeError) -> dict:
    """A refused start as form errors: field errors when given, else one message with its article."""
    if isinstance(exc.details.get("errors"), dict):
        return exc.details["errors"]
    return {"_form": [exc.message + (f"（{exc.details['article']}）" if exc.details.get("article") else "")]}


def _render(kind: str, fields: list, form: dict, errors: dict, status: int = 200, **extra):
    values = {k: (v if isinstance(v, list) else [str(v)]) for k, v in form.items()}
    return render_template("procedures/start.html", kind=kind, fields=fields, form=values,
                           errors=flat_errors(errors), **extra), status


def _redirect(started: Started):
    if started.case_id is not None and started.procedure in ("case_filing", "case_transfer"):
        return redirect(url_for("cases.detail", case_id=started.case_id))
    return redirect(url_for("tasks.instance", instance_id=started.instance_id))


def _competence(form: dict):
    """The registry's answer for the item and township entered, shown beside the filing form."""
    if not (form.get("item_code") and str(form.get("township_id", "")).isdigit()):
        return None
    try:
        return who(db(), form["item_code"], int(form["township_id"]), today())
    except QuanzeError:
        return None


@bp.route(f"/procedures/<any({', '.join(MENU_RUNNERS)}):kind>", methods=["GET", "POST"])
@login_required
def start(kind: str):
    """The start form of a menu procedure; 403 for users who may not start it."""
    if not start_grants(principal(), kind):
        abort(403)
    if request.method == "GET":
        form = {k: v for k, v in request.args.items() if v.strip()}
        return _render(kind, _menu_fields(kind), form, {}, competence=_competence(form))
    form = to_data(request.form, kind)
    data, errors = load(SCHEMAS[kind](), form)
    if not errors:
        try:
            user, engine, who_ = acting_user(), workflow_engine(), principal()
            end_reads()
            return _redirect(MENU_RUNNERS[kind](db(), engine, user, who_, data))
        except QuanzeError as exc:
            if exc.status == 403:
                raise
            errors, status = service_errors(exc), exc.status
    else:
        status = 422
    return _render(kind, _menu_fields(kind), request.form.to_dict(flat=False), errors, status,
                   competence=_competence(request.form))


@bp.route(f"/cases/<int:case_id>/<any({', '.join(CASE_RUNNERS)}):kind>", methods=["GET", "POST"])
@login_required
def start_for_case(case_id: int, kind: str):
    """Crime transfer or case transfer of a case the user's organ handles."""
    case = visible_case(db(), principal(), case_id)
    if case.handling_org_id not in {g.org_id for g in start_grants(principal(), kind)}:
        abort(403)
    fields = _case_fields(kind, case)
    if request.method == "GET":
        form = {}
        if kind == "case_transfer":
            with suppress(QuanzeError):  # the registry's competent organ, preselected (第22–24条)
                form["receiver_org_id"] = str(competent_receiver(db(), case, today())[0].id)
        return _render(kind, fields, form, {}, case=case)
    data, errors = load(SCHEMAS[kind](), to_data(request.form, kind))
    if not errors:
        try:
            user, engine, who_ = acting_user(), workflow_engine(), principal()
            end_reads()
            return _redirect(CASE_RUNNERS[kind](db(), engine, user, who_, data, case))
        except QuanzeError as exc:
            if exc.status == 403:
                raise
            errors, status = service_errors(exc), exc.status
    else:
        status = 422
    return _render(kind, fields, request.form.to_dict(flat=False), errors, status, case=case)
