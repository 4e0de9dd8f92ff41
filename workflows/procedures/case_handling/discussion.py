"""集体讨论 of a complex or major case before its penalty (行政处罚法 第57条第二款): form, record, gate."""

from __future__ import annotations

from models import DecisionKind
from workflows.cases.documents import issue_case_document
from workflows.cases.records import get_case
from workflows.core.errors import LegalRuleViolation, ValidationFailed
from workflows.core.forms import Field, Form
from workflows.core.services import ServiceContext, service_task
from workflows.documents.render import chinese_date
from workflows.procedures.rules import as_iso_date

ART_57 = "行政处罚法 第57条第二款"
MIN_PARTICIPANTS = 3  # a "collective" of the organ's responsible persons: at least three (集体 ≠ one or two)
CONCLUSIONS = ("penalty", "no_penalty", "transfer", "investigate_further")

FORMS = {
    "discuss": Form([
        Field("discussed_on", "date", required=True, label_zh="讨论日期", label_en="Discussed on"),
        Field("discussion_participants", "text", required=True, max_length=1000,
              label_zh="参加人员（负责人，以顿号分隔）", label_en="Participants (responsible persons, separated by 、)"),
        Field("discussion_record", "text", required=True, max_length=8000, label_zh="讨论记录",
              label_en="Record of the discussion"),
        Field("discussion_conclusion", "choice", required=True, choices=CONCLUSIONS,
              label_zh="讨论结论", label_en="Conclusion"),
        Field("discussion_opinion", "text", required=True, max_length=4000, label_zh="结论性意见",
              label_en="Conclusive opinion"),
    ]),
}
CONCLUSION_ZH = {"penalty": "给予行政处罚", "no_penalty": "不予行政处罚", "transfer": "移送司法机关",
                 "investigate_further": "补充调查"}


def discussion_required(facts: dict) -> bool:
    """第57条第二款: 情节复杂或者重大违法行为 — the investigation flagged the case complex or major."""
    return bool(facts.get("complex_case") or facts.get("major_public_interest"))


def _participants(text: str) -> list[str]:
    names = [n.strip() for n in text.replace(",", "、").replace("，", "、").split("、")]
    return [n for n in names if n]


@service_task("cases.record_discussion")
def record_discussion(ctx: ServiceContext, case_id: int, discussed_on: str, discussion_participants: str,
                      discussion_record: str, discussion_conclusion: str, discussion_opinion: str) -> dict:
    """第57条第二款: the responsible persons discussed the case together; the record (集体讨论记录) is issued."""
    case = get_case(ctx.session, case_id)
    on = as_iso_date(discussed_on, "discussed_on")
    if on > ctx.clock.today() or on < case.filed_on:
        raise ValidationFailed({"discussed_on": [f"讨论日期须在立案 {case.filed_on} 之后且不晚于今天 / "
                                                 f"between filing and today"]})
    names = _participants(discussion_participants)
    if len(set(names)) < MIN_PARTICIPANTS:
        raise LegalRuleViolation(
            f"集体讨论须由行政机关负责人集体作出，参加人员不少于{MIN_PARTICIPANTS}人（现 {len(set(names))} 人）/ a "
            f"collective discussion needs at least {MIN_PARTICIPANTS} responsible persons", article=ART_57,
            participants=names)
    doc = issue_case_document(ctx.session, ctx.clock, case.id, "collective_discussion", {
        "discussed_at": chinese_date(on), "participants": "、".join(names), "record": discussion_record.strip(),
        "conclusion": CONCLUSION_ZH[discussion_conclusion], "opinion": discussion_opinion.strip()})
    return {"discussed_on": on.isoformat(), "participants": names, "conclusion": discussion_conclusion,
            "document": doc}


def check_discussed(case, kind: str, facts: dict, discussion: dict | None) -> None:
    """第57条第二款: no penalty on a complex or major case before the collective discussion, nor against it."""
    if discussion and discussion.get("conclusion") != kind:
        raise LegalRuleViolation(
            f"集体讨论结论为「{CONCLUSION_ZH.get(discussion.get('conclusion'), '—')}」，决定须与之一致 / the decision "
            f"must follow the collective discussion's conclusion", article=ART_57,
            conclusion=discussion.get("conclusion"), kind=kind)
    if kind == DecisionKind.PENALTY and discussion_required(facts) and not discussion:
        raise LegalRuleViolation(
            f"案件 {case.case_number} 情节复杂或属重大违法行为，须经行政机关负责人集体讨论决定 / a complex or major "
            f"case is decided by the organ's responsible persons collectively", article=ART_57,
            case_number=case.case_number)
