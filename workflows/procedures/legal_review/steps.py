"""Legal review (法制审核, 行政处罚法 第58条): the reusable `legal_review` call activity's tasks."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from models import CaseReview, CaseStatus, ReviewResult
from workflows.cases.records import get_case
from workflows.core.forms import Field, Form
from workflows.core.services import ServiceContext, service_task
from workflows.procedures import case_clock

PROCESS_ID = "legal_review"
REVIEW_RULE = "samr_legal_review"  # 10 working days (SAMR practice, domain.md §1a)
SUPPLEMENT_RULE = "legal_review_supplement"  # 3 working days to complete the materials

FORMS = {
    "review": Form([
        Field("review_result", "choice", required=True, choices=tuple(r.value for r in ReviewResult),
              label_zh="审核结论（同意/退回补充/不同意）", label_en="Result (pass / return / fail)"),
        Field("review_opinion", "text", required=True, max_length=4000, label_zh="审核意见",
              label_en="Opinion"),
    ]),
    "supplement": Form([
        Field("supplement_note", "text", required=True, max_length=4000, label_zh="补充材料说明",
              label_en="What was supplemented"),
    ]),
}


@service_task("legal_review.open")
def open_review(ctx: ServiceContext, case_id: int, reviewer_org_id: int, reasons: list) -> dict:
    """The case goes to review; the reviewer organ's 10-working-day period starts."""
    case = get_case(ctx.session, case_id)
    case.status = CaseStatus.REVIEWING
    return case_clock.start(ctx, REVIEW_RULE, reviewer_org_id, "review", case.case_number)


@service_task("legal_review.record")
def record_review(ctx: ServiceContext, case_id: int, reviewer_org_id: int, review_clock: dict,
                  review_result: str, review_opinion: str) -> dict:
    """Record the opinion (case_reviews); a return pauses review and starts the supplement period."""
    case = get_case(ctx.session, case_id)
    ctx.session.add(CaseReview(case_id=case.id, reviewer_org_id=reviewer_org_id,
                               reviewer_user_id=ctx.actor_user_id, opinion=review_opinion,
                               result=ReviewResult(review_result), reviewed_at=ctx.clock.now()))
    if review_result == ReviewResult.RETURN:
        case_clock.pause(ctx, review_clock, "退回补充材料 / returned for supplement")
        supplement = case_clock.start(ctx, SUPPLEMENT_RULE, case.handling_org_id, "supplement",
                                      case.case_number)
        return {"result": review_result, "supplement_clock": supplement,
                "supplement_due": supplement["due_at"]}
    case_clock.meet(ctx, review_clock)
    if review_result == ReviewResult.FAIL:
        case.status = CaseStatus.INVESTIGATING  # 第58条: no decision; the organ investigates again
    return {"result": review_result}


@service_task("legal_review.resume")
def resume_review(ctx: ServiceContext, case_id: int, review_clock: dict, review_record: dict,
                  supplement_note: str) -> dict:
    """The handler supplemented the file: the supplement period is met, review time runs again."""
    get_case(ctx.session, case_id)
    case_clock.meet(ctx, review_record.get("supplement_clock"))
    return case_clock.resume(ctx, review_clock)


def passed_review(session: Session, case_id: int) -> CaseReview | None:
    """The latest review opinion of a case when it passed, else None."""
    latest = session.scalars(select(CaseReview).where(CaseReview.case_id == case_id)
                             .order_by(CaseReview.id.desc()).limit(1)).first()
    return latest if latest is not None and latest.result == ReviewResult.PASS else None
