"""事先告知, 陈述申辩 and 听证 of a case (行政处罚法 第44–45、63–65条): forms, service tasks, decision checks."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import select

from models import CaseOfficer, Membership, Organization, User
from workflows.cases.documents import issue_case_document
from workflows.cases.records import get_case
from workflows.core.clock import legal_date, start_of_legal_day
from workflows.core.errors import LegalRuleViolation, ValidationFailed
from workflows.core.forms import Field, Form
from workflows.core.pickers import PickContext, Picker, person_option
from workflows.core.services import ServiceContext, service_task
from workflows.deadlines.records import get_deadline
from workflows.documents.render import chinese_date
from workflows.procedures import case_clock
from workflows.procedures.periods import service_calendar
from workflows.procedures.rules import as_iso_date

PROCESS_ID = "case_handling"
REQUEST_RULE = "apl64_hearing_request"  # 第64条第1项: request within 5 working days of the notice
NOTICE_RULE = "apl64_hearing_notice"  # 第64条第2项: noticed 7 working days before the hearing (第85条), counted back
ART_44 = "行政处罚法 第44条"
ART_45 = "行政处罚法 第45条"
ART_63 = "行政处罚法 第63条"
ART_64 = "行政处罚法 第64条"
HEARING_PAUSE = "听证期间不计入办案期限（行政处罚法 第60条；市场监督管理行政处罚程序规定）/ hearing time not counted"


def _text(name: str, zh: str, en: str, required: bool = False) -> Field:
    return Field(name, "text", required=required, max_length=4000, label_zh=zh, label_en=en)


FORMS = {
    "notify": Form([
        _text("notice_facts", "拟认定的违法事实", "Facts found", required=True),
        _text("notice_evidence", "证据", "Evidence", required=True),
        _text("notice_basis", "处罚依据", "Legal basis of the penalty", required=True),
        Field("notified_penalty", "str", required=True, max_length=200, label_zh="拟作出的行政处罚",
              label_en="Penalty proposed"),
        Field("hearing_right", "bool", label_zh="是否告知听证权利（第63条）", label_en="Hearing right (Art. 63)"),
    ]),
    "defend": Form([
        _text("defence_statement", "当事人陈述、申辩", "The party's statement and defence"),
        _text("defence_answer", "复核意见（采纳与否及理由）", "Answer: accepted or not, and why"),
        Field("defence_waived", "bool", label_zh="当事人书面放弃陈述申辩", label_en="Defence waived in writing"),
        Field("hearing_requested", "bool", required=True, label_zh="当事人要求听证", label_en="Hearing requested"),
        Field("hearing_on", "date", label_zh="听证日期", label_en="Hearing date"),
        Field("hearing_place", "str", max_length=200, label_zh="听证地点", label_en="Hearing place"),
        Field("hearing_chair_id", "person", source="hearing_chairs", label_zh="听证主持人（非本案调查人员）",
              label_en="Chair (not an investigator)"),
    ]),
    "hold_hearing": Form([
        Field("hearing_held_on", "date", required=True, label_zh="听证举行日期", label_en="Held on"),
        _text("hearing_investigator_statement", "调查人员提出的事实、证据和处罚建议",
              "Investigators' facts, evidence and proposal", required=True),
        _text("hearing_party_statement", "当事人申辩和质证", "The party's defence and cross-examination", required=True),
    ]),
}


def _investigator_refusal(session, case_id: int, chair: User) -> LegalRuleViolation | None:
    """第64条第四项: 听证由行政机关指定的非本案调查人员主持 — an investigator may not chair."""
    if session.scalar(select(CaseOfficer.id).where(CaseOfficer.case_id == case_id, CaseOfficer.user_id == chair.id)):
        return LegalRuleViolation(
            f"{chair.display_name} 是本案调查人员，不得主持听证 / {chair.display_name} investigated the case and may "
            f"not chair its hearing", article=f"{ART_64}第四项", chair_id=chair.id)
    return None


def _chairs(ctx: PickContext) -> list:
    """Who may chair: active people of the organ the task belongs to (the handling organ), investigators left out."""
    organ = ctx.session.get(Organization, ctx.organization_id)
    investigators = set(ctx.session.scalars(select(CaseOfficer.user_id).where(CaseOfficer.case_id == ctx.data["case_id"])))
    members = ctx.session.scalars(select(User).join(Membership, Membership.user_id == User.id).where(
        Membership.organization_id == ctx.organization_id, User.is_active.is_(True)).distinct().order_by(User.id))
    return [person_option(u, organ) for u in members if u.id not in investigators]


def _chair_refused(ctx: PickContext, user_id: int) -> LegalRuleViolation | None:
    chair = ctx.session.get(User, user_id)
    return _investigator_refusal(ctx.session, ctx.data["case_id"], chair) if chair is not None else None


HEARING_CHAIRS = Picker("hearing_chairs", _chairs, _chair_refused)


def _zh(day: date) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


@service_task("cases.record_notice")
def record_notice(ctx: ServiceContext, case_id: int, proposed_fine, notice_facts: str, notice_evidence: str,
                  notice_basis: str, notified_penalty: str, hearing_right) -> dict:
    """第44条: facts, reasons, basis and rights notified; the 5 working days for defence and hearing run."""
    case = get_case(ctx.session, case_id)
    clock = case_clock.start(ctx, REQUEST_RULE, case.handling_org_id, "defend", case.case_number)
    until = legal_date(datetime.fromisoformat(clock["due_at"]))
    doc = issue_case_document(ctx.session, ctx.clock, case.id, "prior_notice", {
        "facts": notice_facts, "evidence": notice_evidence, "basis": notice_basis,
        "proposed_penalty": notified_penalty, "defence_until": _zh(until), "hearing_right": bool(hearing_right)})
    fine = None if proposed_fine in (None, "") else str(Decimal(str(proposed_fine)))
    return {"served_on": ctx.clock.today().isoformat(), "defence_until": clock["due_at"],
            "defence_until_date": until.isoformat(), "fine": fine, "penalty": notified_penalty,
            "clock": clock, "document": doc}


def _check_hearing(ctx: ServiceContext, case, hearing_on, hearing_place, hearing_chair_id) -> tuple[date, User, dict]:
    """第64条: a date at least 7 working days after the notice, a place, a chair who did not investigate."""
    missing = {k: ["要求听证时必填 / required when a hearing is requested"]
               for k, v in (("hearing_on", hearing_on), ("hearing_place", hearing_place),
                            ("hearing_chair_id", hearing_chair_id)) if v in (None, "")}
    if missing:
        raise ValidationFailed(missing)
    on = as_iso_date(hearing_on, "hearing_on")
    notice = case_clock.start(ctx, NOTICE_RULE, case.handling_org_id, "defend", case.case_number,
                              at=start_of_legal_day(on))
    if ctx.now > datetime.fromisoformat(notice["due_at"]):  # the step rolls back: nothing is written
        days = get_deadline(ctx.session, notice["id"]).amount
        earliest = service_calendar(ctx).add_working_days(ctx.clock.today(), days).due_date
        raise LegalRuleViolation(
            f"听证日期 {on} 距通知不足七个工作日，最早为 {earliest} / the hearing on {on} is noticed less than 7 "
            f"working days ahead; the earliest date is {earliest}", article=f"{ART_64}第二项",
            hearing_on=on.isoformat(), earliest=earliest.isoformat())
    chair = ctx.session.get(User, hearing_chair_id) if isinstance(hearing_chair_id, int) else None
    if chair is None:
        raise ValidationFailed({"hearing_chair_id": [f"未知人员：{hearing_chair_id} / unknown user"]})
    refusal = _investigator_refusal(ctx.session, case.id, chair)
    if refusal is not None:
        raise refusal
    return on, chair, notice


@service_task("cases.record_defence")
def record_defence(ctx: ServiceContext, case_id: int, notice: dict, defence_statement, defence_answer,
                   defence_waived, hearing_requested, hearing_on, hearing_place, hearing_chair_id,
                   decide_clock=None) -> dict:
    """第45条: the defence is heard and answered; the period is not cut short; a hearing is noticed (第64条)."""
    case = get_case(ctx.session, case_id)
    statement, answer = (defence_statement or "").strip(), (defence_answer or "").strip()
    if statement and not answer:
        raise ValidationFailed({"defence_answer": [f"须对陈述申辩进行复核并答复（{ART_45}）/ the defence must be answered"]})
    until = datetime.fromisoformat(notice["defence_until"])
    if hearing_requested and ctx.now > until:
        raise LegalRuleViolation(
            f"听证申请须在告知后五个工作日内（{notice['defence_until_date']} 前）提出 / the hearing must be requested "
            f"within 5 working days of the notice", article=f"{ART_64}第一项")
    if not (statement or defence_waived or hearing_requested) and ctx.now < until:
        raise LegalRuleViolation(
            f"陈述、申辩期间至 {notice['defence_until_date']} 届满；当事人未陈述申辩也未书面放弃的，期满前不得进入决定 / "
            f"the period for statement and defence runs until {notice['defence_until_date']}",
            article=f"{ART_44}、{ART_45}", defence_until=notice["defence_until_date"])
    result = {"statement": statement or None, "answer": answer or None, "waived": bool(defence_waived),
              "hearing_requested": bool(hearing_requested)}
    if hearing_requested:
        on, chair, notice_clock = _check_hearing(ctx, case, hearing_on, hearing_place, hearing_chair_id)
        result |= {"hearing_on": on.isoformat(), "hearing_place": hearing_place.strip(), "chair": chair.display_name,
                   "chair_id": chair.id, "document": issue_case_document(ctx.session, ctx.clock, case.id, "hearing_notice", {
                       "hearing_at": chinese_date(on), "hearing_place": hearing_place.strip(),
                       "chair": chair.display_name, "requested_on": _zh(ctx.clock.today()), "public": True})}
        case_clock.meet(ctx, notice_clock)  # the 听证通知书 above is the notice
        result["decide_paused"] = case_clock.pause_if_running(ctx, decide_clock, HEARING_PAUSE)
    case_clock.meet(ctx, notice.get("clock"))
    return result


@service_task("cases.record_hearing")
def record_hearing(ctx: ServiceContext, case_id: int, defence: dict, hearing_held_on: str,
                   hearing_party_statement: str, hearing_investigator_statement: str, decide_clock=None) -> dict:
    """第64条第八项: the hearing is held on or after the noticed date and recorded (听证笔录)."""
    case = get_case(ctx.session, case_id)
    held = as_iso_date(hearing_held_on, "hearing_held_on")
    noticed = date.fromisoformat(defence["hearing_on"])
    if held < noticed or held > ctx.clock.today():
        raise LegalRuleViolation(
            f"听证举行日期 {held} 须在通知的 {noticed} 之后且不晚于今天 / the hearing is held on or after the noticed "
            f"{noticed} and not in the future", article=f"{ART_64}第二项", held_on=held.isoformat())
    investigators = "、".join(ctx.session.get(User, o.user_id).display_name for o in case.officers)
    doc = issue_case_document(ctx.session, ctx.clock, case.id, "hearing_record", {
        "hearing_at": chinese_date(held), "hearing_place": defence["hearing_place"], "chair": defence["chair"],
        "investigators": investigators, "party_statement": hearing_party_statement,
        "investigator_statement": hearing_investigator_statement})
    # 第60条 with the sector rule: the days from the request to the hearing are not counted; the 90 days run on.
    resumed = case_clock.resume(ctx, decide_clock) if defence.get("decide_paused") else decide_clock
    return {"held_on": held.isoformat(), "document": doc, "decide_due": (resumed or {}).get("due_at")}


def check_after_defence(case, kind: str, fine: Decimal | None, notice, defence, hearing) -> None:
    """Before a penalty: notice given (第44条), defence closed, a requested hearing held (第63条), no heavier penalty (第45条)."""
    if kind != "penalty":
        return
    if not notice:
        raise LegalRuleViolation(
            f"案件 {case.case_number} 未经事先告知，不得作出行政处罚决定 / no penalty without prior notice",
            article=ART_44, case_number=case.case_number)
    if not defence:
        raise LegalRuleViolation("陈述、申辩尚未结束，不得作出决定 / the defence is not closed", article=ART_45)
    if defence.get("hearing_requested") and not hearing:
        raise LegalRuleViolation("当事人要求听证而未举行，不得作出决定 / a requested hearing has not been held",
                                 article=ART_63)
    notified = notice.get("fine")
    if fine is not None and notified is not None and fine > Decimal(notified):
        defended = bool(defence.get("statement") or hearing)
        raise LegalRuleViolation(
            f"罚款 {fine} 元高于告知的 {notified} 元；" + ("不得因当事人陈述、申辩而给予更重的处罚" if defended else
                                                        "加重处罚须重新事先告知") + " / the fine exceeds the notified one",
            article=ART_45 if defended else ART_44, notified=notified, fine=str(fine))
