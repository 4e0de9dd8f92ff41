"""集体讨论 (行政处罚法 第57条第二款): a complex or major case is decided by the organ's responsible persons together."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from models import Case, Document
from tests.support.case_world import PAYABLE, at, build_case_county, file, notify_and_defend
from tests.support.procedure_world import fingerprint
from workflows.core.errors import LegalRuleViolation
from workflows.procedures.case_handling.discussion import check_discussed

DECIDE = {**PAYABLE, "decision_kind": "penalty", "fine_amount": "3000", "within_benchmark": True}
DISCUSSION = {"discussed_on": "2026-03-03", "discussion_participants": "郑口镇长、郑口副镇长、综合执法队长",
              "discussion_record": "执法队汇报案情；副镇长认为情节复杂但证据充分。", "discussion_conclusion": "penalty",
              "discussion_opinion": "违法事实清楚，证据确实充分。"}
ART_57 = "行政处罚法 第57条第二款"


@pytest.fixture
def c(session, clock, tmp_path):
    """The test county with case delegations, reviewers and the deadline rules."""
    return build_case_county(session, clock, tmp_path)


def _written(session) -> tuple:
    return fingerprint(session), session.scalar(select(func.count()).select_from(Document))


def _complex_case_reviewed(session, c) -> Case:
    """A complex case (第58条第3项: legal review; 第57条: collective discussion), reviewed and passed on 03-03."""
    case = file(session, c)
    c.act(session, case.instance_id, "investigate", "zk_officer1", {
        "investigation_report": "查明占道，涉及多方", "proposed_decision": "penalty", "proposed_fine": "3000",
        "complex_case": True})
    notify_and_defend(session, c, case.instance_id)
    at(c, 2026, 3, 3, 2)
    c.act(session, case.instance_id, "review", "reviewer", {"review_result": "pass", "review_opinion": "同意"})
    return case


def test_complex_case_goes_through_collective_discussion_before_the_decision(session, c):
    """第57条第二款: after legal review the head's next task is the discussion, not the decision; its record is issued."""
    case = _complex_case_reviewed(session, c)
    assert c.open_tasks(session, case.instance_id) == ["discuss"]
    c.act(session, case.instance_id, "discuss", "zk_leader", DISCUSSION)
    assert c.open_tasks(session, case.instance_id) == ["decide"]
    c.act(session, case.instance_id, "decide", "zk_leader", DECIDE)
    session.expire_all()
    assert session.get(Case, case.id).status == "decided"
    record = session.scalars(select(Document).where(Document.instance_id == case.instance_id,
                                                    Document.kind == "collective_discussion",
                                                    Document.mime.like("text/html%"))).one().content.decode()
    for needle in ("集体讨论记录", "郑口镇长、郑口副镇长、综合执法队长", "证据确实充分", "给予行政处罚", "第五十七条第二款",
                   "二〇二六年三月三日"):
        assert needle in record, needle


def test_a_simple_case_is_decided_without_discussion(session, c):
    """第57条第二款 applies to complex or major cases only: an ordinary one goes straight to the decision."""
    case = file(session, c)
    c.act(session, case.instance_id, "investigate", "zk_officer1",
          {"investigation_report": "查明", "proposed_decision": "penalty", "proposed_fine": "3000"})
    notify_and_defend(session, c, case.instance_id)
    assert c.open_tasks(session, case.instance_id) == ["decide"]


def test_discussion_by_fewer_than_three_is_refused_and_nothing_written(session, c):
    """第57条第二款: two persons are not a collective; the task stays open and no record is issued."""
    case = _complex_case_reviewed(session, c)
    before = _written(session)
    with pytest.raises(LegalRuleViolation) as err:
        c.act(session, case.instance_id, "discuss", "zk_leader", DISCUSSION | {"discussion_participants": "镇长、副镇长"})
    assert err.value.article == ART_57
    assert _written(session) == before and c.open_tasks(session, case.instance_id) == ["discuss"]


def test_discussion_concluding_further_investigation_returns_the_case(session, c):
    """The discussion may send the case back to investigation instead of deciding."""
    case = _complex_case_reviewed(session, c)
    c.act(session, case.instance_id, "discuss", "zk_leader", DISCUSSION | {"discussion_conclusion": "investigate_further"})
    assert c.open_tasks(session, case.instance_id) == ["investigate"]


def test_no_penalty_on_a_complex_case_without_or_against_the_discussion(session, c):
    """第57条第二款: the decision gate refuses a penalty with no discussion, or one the discussion did not conclude."""
    case = file(session, c)
    with pytest.raises(LegalRuleViolation) as err:
        check_discussed(case, "penalty", {"complex_case": True}, None)
    assert err.value.article == ART_57
    with pytest.raises(LegalRuleViolation):
        check_discussed(case, "penalty", {"major_public_interest": True}, {"conclusion": "no_penalty"})
    check_discussed(case, "penalty", {"complex_case": True}, {"conclusion": "penalty"})
    check_discussed(case, "penalty", {"complex_case": False}, None)
