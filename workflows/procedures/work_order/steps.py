"""Work orders of the township command centre (综合指挥中心工单派发, 故字〔2020〕6号).

Practice model: 北京市接诉即办工作条例 — dispatch by catalogue (第11条), objection to a dispatch
(第12条), a time limit on every ticket (第13条), first-receiver responsibility (首接负责制, 第14条),
response, resolution and satisfaction rates (第32条). Hour limits are DB11/T 2021—2022 figures
used as design defaults (deadline_rules.json, marked D).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from models import Organization, OrgKind, User, WorkOrder
from workflows.core.db import unit_of_work
from workflows.core.directory import find_item
from workflows.core.errors import LegalRuleViolation, ValidationFailed
from workflows.core.forms import Field, Form
from workflows.core.numbering import next_number
from workflows.core.pickers import PickContext, Picker, org_option
from workflows.core.services import ServiceContext, service_task
from workflows.deadlines.records import cancel as cancel_deadline
from workflows.procedures.periods import meet_period, org_or_404, require_member, start_period
from workflows.procedures.rules import single_org
from workflows.registry.powers import who
from workflows.tasks import processes

PROCESS_ID = "work_order"
SOURCES = ("complaint", "hazard")
URGENCIES = ("general", "emergency")
SATISFACTION = ("satisfied", "basically_satisfied", "unsatisfied")
ART_DISPATCH = "北京市接诉即办工作条例 第11–12条（按派单目录派单；不属于本级的报上级平台）"
DISPATCH_RULE = {"general": "wo_dispatch_general", "emergency": "wo_dispatch_emergency"}
FEEDBACK_RULE = {"general": "wo_feedback_general", "emergency": "wo_feedback_emergency"}

_DISPATCH = Form([
    Field("assigned_org_id", "organization", required=True, source="dispatch_organs", label_zh="承办机构",
          label_en="Handling organ"),
    Field("dispatch_note", "text", max_length=2000, label_zh="派单说明", label_en="Dispatch note"),
])
_HANDLE = Form([
    Field("outcome", "choice", required=True, choices=("done", "object"), label_zh="办理结果",
          label_en="Outcome"),
    Field("feedback", "text", max_length=4000, label_zh="办理反馈", label_en="Feedback"),
    Field("resolved", "bool", label_zh="是否解决", label_en="Resolved"),
    Field("objection_reason", "text", max_length=2000, label_zh="异议理由", label_en="Objection reason"),
])
FORMS = {
    "dispatch": _DISPATCH, "handle_township": _HANDLE, "handle_county": _HANDLE,
    "callback": Form([
        Field("satisfaction", "choice", required=True, choices=SATISFACTION, label_zh="回访满意度",
              label_en="Satisfaction"),
    ]),
}


def receive_work_order(session: Session, engine, actor: User, township_id: int, source: str,
                       urgency: str, description: str, *, item_code: str | None = None) -> WorkOrder:
    """Intake at the command centre: the township becomes the first receiver (首接负责制)."""
    with unit_of_work(session):
        township = org_or_404(session, township_id, "乡镇 / township")
        errors: dict[str, list[str]] = {}
        if township.kind != OrgKind.TOWNSHIP:
            errors["township_id"] = [f"{township.name} 不是乡镇 / is not a township"]
        if source not in SOURCES:
            errors["source"] = [f"应为 {'/'.join(SOURCES)}：{source!r} / must be one of {SOURCES}"]
        if urgency not in URGENCIES:
            errors["urgency"] = [f"应为 {'/'.join(URGENCIES)}：{urgency!r} / must be one of {URGENCIES}"]
        if not description.strip():
            errors["description"] = ["须填写诉求内容 / a description is required"]
        if errors:
            raise ValidationFailed(errors, "工单受理信息不完整 / the ticket is incomplete")
        require_member(session, actor, township, "受理工单 / take in a ticket")
        if item_code is not None:
            find_item(session, item_code)
        now, today = engine.clock.now(), engine.clock.today()
        # A sequence row per township and year (never count+1: two intakes would share a number);
        # it starts above the orders numbered before it existed.
        seq = next_number(session, f"work_order:{township.id}", today.year, floor=lambda: session.scalar(
            select(func.count(WorkOrder.id)).where(WorkOrder.township_id == township.id)))
        order = WorkOrder(number=f"GD-{township.id}-{today:%Y%m%d}-{seq:05d}", township_id=township.id,
                          first_receiver_org_id=township.id, source=source, urgency=urgency,
                          item_code=item_code, description=description.strip(), received_at=now)
        session.add(order)
        session.flush()
        data = {"work_order_id": order.id, "township_id": township.id, "urgency": urgency,
                "dispatch_hours": 1 if urgency == "emergency" else 24, "objection_reason": "",
                "feedback": "", "resolved": False}
        order.instance_id = processes.start(session, engine, PROCESS_ID, data=data, actor=actor,
                                            business_key=order.number).id
        return order


def suggest_dispatch(session: Session, township: Organization, item_code: str | None, on) -> dict:
    """Dispatch catalogue (派单目录): the township's own organs when it holds the item, else the county."""
    organs = list(session.scalars(select(Organization.id).where(
        Organization.kind == OrgKind.TOWNSHIP_ORGAN, Organization.township_id == township.id,
        Organization.is_active.is_(True)).order_by(Organization.id)))
    if item_code is None:
        return {"level": "township", "org_ids": organs, "basis": "未指明事项，由指挥中心研判 / no item: the centre decides"}
    answer = who(session, item_code, township.id, on)
    if answer.acting_org.id == township.id:
        return {"level": "township", "org_ids": organs, "basis": answer.basis}
    # 北京接诉即办条例 第12条 as practice: what the township cannot handle goes up a level.
    county = single_org(session, OrgKind.COUNTY_GOVERNMENT)
    return {"level": "county", "org_ids": [county.id], "competent_org": answer.acting_org.name,
            "basis": answer.basis}


def _dispatch_target(session: Session, order: WorkOrder, target_org_id: int) -> tuple[Organization, str]:
    """A township organ of the same township, or the county platform one level up."""
    target = org_or_404(session, target_org_id, "承办机构 / handling organ")
    if target.kind == OrgKind.TOWNSHIP_ORGAN and target.township_id == order.township_id:
        return target, "township"
    if target.kind == OrgKind.COUNTY_GOVERNMENT:
        return target, "county"
    raise LegalRuleViolation(
        f"{target.name} 不是本乡镇的内设机构，也不是县级平台，不能派单 / {target.name} is neither an "
        f"organ of this township nor the county platform", article=ART_DISPATCH,
        work_order=order.number, target_org_id=target.id)


def _dispatchable(ctx: PickContext) -> list:
    """派单目录: the township's own active organs, then the county platform one level up (第11–12条)."""
    organs = ctx.session.scalars(select(Organization).where(
        Organization.kind == OrgKind.TOWNSHIP_ORGAN, Organization.township_id == ctx.data["township_id"],
        Organization.is_active.is_(True)).order_by(Organization.position, Organization.id))
    return [org_option(o) for o in (*organs, single_org(ctx.session, OrgKind.COUNTY_GOVERNMENT))]


def _dispatch_refused(ctx: PickContext, org_id: int) -> LegalRuleViolation | None:
    """Another township's organ (or a department) breaks the dispatch rule; say so with its article."""
    if ctx.session.get(Organization, org_id) is None:
        return None
    try:
        _dispatch_target(ctx.session, ctx.session.get(WorkOrder, ctx.data["work_order_id"]), org_id)
    except LegalRuleViolation as refusal:
        return refusal
    return None


DISPATCH_ORGANS = Picker("dispatch_organs", _dispatchable, _dispatch_refused)


@service_task("work_order.open")
def open_order(ctx: ServiceContext, work_order_id: int) -> dict:
    """Service task: the dispatch limit runs from intake (≤24 h general, ≤1 h emergency)."""
    order = ctx.session.get(WorkOrder, work_order_id)
    order.dispatch_deadline_id = start_period(ctx, DISPATCH_RULE[order.urgency],
                                              instance_id=ctx.instance_id, org_id=order.township_id,
                                              case_ref=order.number)
    township = ctx.session.get(Organization, order.township_id)
    return {"number": order.number,
            "suggestion": suggest_dispatch(ctx.session, township, order.item_code, ctx.clock.today())}


@service_task("work_order.dispatch")
def dispatch(ctx: ServiceContext, work_order_id: int, target_org_id: int) -> dict:
    """Service task: check the target, meet the dispatch limit, start the feedback limit."""
    order = ctx.session.get(WorkOrder, work_order_id)
    target, level = _dispatch_target(ctx.session, order, target_org_id)
    meet_period(ctx.session, ctx.clock, order.dispatch_deadline_id, ctx.actor_user_id)
    order.assigned_org_id, order.level, order.dispatched_at = target.id, level, ctx.now
    order.feedback_deadline_id = start_period(ctx, FEEDBACK_RULE[order.urgency],
                                              instance_id=ctx.instance_id, org_id=target.id,
                                              case_ref=order.number)
    return {"assigned_org_id": target.id, "level": level}


@service_task("work_order.handle")
def handle(ctx: ServiceContext, work_order_id: int, outcome: str, feedback, resolved,
           objection_reason) -> dict:
    """Service task: an objection (with reasons) returns the ticket to the first receiver; else feedback."""
    order = ctx.session.get(WorkOrder, work_order_id)
    if outcome == "object":
        if not (objection_reason or "").strip():
            raise ValidationFailed({"objection_reason": ["对派单有异议须说明理由 / an objection needs reasons"]},
                                   "异议缺少理由 / objection without reasons")
        order.objections = [*order.objections, {"org_id": order.assigned_org_id, "reason": objection_reason.strip(),
                                                "at": ctx.now.isoformat()}]
        cancel_deadline(ctx.session, ctx.clock, order.feedback_deadline_id, "派单异议 / dispatch objected",
                        actor=ctx.actor_user_id)
        order.assigned_org_id = order.level = order.feedback_deadline_id = None
        # 首接负责制: the ticket goes back to the command centre that received it, never to the caller.
        order.dispatch_deadline_id = start_period(ctx, DISPATCH_RULE[order.urgency],
                                                  instance_id=ctx.instance_id, org_id=order.township_id,
                                                  case_ref=order.number)
        return {"objected": True}
    if not (feedback or "").strip():
        raise ValidationFailed({"feedback": ["办结须填写办理反馈 / feedback is required"]})
    order.responded_at = order.responded_at or ctx.now
    order.feedback_at, order.feedback, order.resolved = ctx.now, feedback.strip(), bool(resolved)
    meet_period(ctx.session, ctx.clock, order.feedback_deadline_id, ctx.actor_user_id)
    return {"objected": False}


@service_task("work_order.close")
def close(ctx: ServiceContext, work_order_id: int, satisfaction: str) -> dict:
    """Service task: the callback's satisfaction closes the ticket."""
    order = ctx.session.get(WorkOrder, work_order_id)
    order.satisfaction, order.closed_at = satisfaction, ctx.now
    return {"closed_at": ctx.now.isoformat()}


def _rate(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


def work_order_rates(session: Session, *, start: datetime, end: datetime,
                     township_id: int | None = None) -> dict:
    """响应率、解决率、满意率 (北京接诉即办条例 第32条) for tickets received in [start, end)."""
    if start.tzinfo is None or end.tzinfo is None or end <= start:
        raise ValidationFailed({"period": ["起止须带时区且结束晚于开始 / aware instants, end after start"]})
    query = select(WorkOrder.dispatched_at, WorkOrder.responded_at, WorkOrder.feedback_at,
                   WorkOrder.resolved, WorkOrder.satisfaction).where(
        WorkOrder.received_at >= start, WorkOrder.received_at < end)
    if township_id is not None:
        query = query.where(WorkOrder.township_id == township_id)
    rows = session.execute(query).all()
    dispatched = [r for r in rows if r.dispatched_at is not None]
    answered = [r for r in rows if r.feedback_at is not None]
    rated = [r for r in rows if r.satisfaction is not None]
    return {
        "received": len(rows), "dispatched": len(dispatched),
        "response_rate": _rate(sum(r.responded_at is not None for r in dispatched), len(dispatched)),
        "resolution_rate": _rate(sum(bool(r.resolved) for r in answered), len(answered)),
        "satisfaction_rate": _rate(sum(r.satisfaction != "unsatisfied" for r in rated), len(rated)),
    }
