"""Legal review (法制审核, 行政处罚法 第58条) as the reusable `legal_review` call activity."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from models import CaseReview, Deadline, HumanTask, Membership, Role
from tests.support.case_world import at, build_case_county, file, notify_and_defend
from tests.support.procedure_world import _user, fingerprint
from workflows.core.errors import PermissionDenied, ValidationFailed


@pytest.fixture
def c(session, clock, tmp_path):
    """The case county."""
    return build_case_county(session, clock, tmp_path)


def _to_review(session, c, **kw):
    case = file(session, c, **kw)
    c.act(session, case.instance_id, "investigate", "zk_officer1",
          {"investigation_report": "查明", "proposed_decision": "penalty", "proposed_fine": "30000"})
    notify_and_defend(session, c, case.instance_id)  # 第44–45条 come before the 第58条 review
    return case


def test_entrusted_item_is_reviewed_by_the_entrusting_department_article_20(session, c):
    """domain.md §2: the decision carries the department's name (第20条), so its reviewers review."""
    case = _to_review(session, c, item="NY-01")
    task = c.task(session, case.instance_id, "review")
    assert (task.organization_id, task.role) == (c.orgs["nyj"].id, "legal_reviewer")
    with pytest.raises(PermissionDenied):
        c.act(session, case.instance_id, "review", "reviewer", {"review_result": "pass", "review_opinion": "同意"})
    c.act(session, case.instance_id, "review", "nyj_reviewer", {"review_result": "pass", "review_opinion": "同意"})
    assert session.scalars(select(CaseReview.reviewer_org_id)).all() == [c.orgs["nyj"].id]


def test_granted_item_goes_to_the_joint_panel_without_township_reviewers(session, c):
    """县乡联合法制审核: 郑口镇 has no reviewer of its own → the panel in the county legal affairs office."""
    case = _to_review(session, c)
    assert c.task(session, case.instance_id, "review").organization_id == c.orgs["legal"].id


def test_granted_item_goes_to_the_townships_own_reviewers(session, c):
    """A township with its own legal reviewers reviews its granted-item decisions itself."""
    with session.begin():
        _user(session, c.clock, "zk_reviewer", c.orgs["zk"], Role.LEGAL_REVIEWER)
    case = _to_review(session, c)
    assert c.task(session, case.instance_id, "review").organization_id == c.orgs["zk"].id


def test_review_period_is_10_working_days_and_a_return_pauses_it(session, c):
    """SAMR practice: 10 working days; 退回补充 gives 3 working days and stops the review clock."""
    case = _to_review(session, c)
    rows = session.scalars(select(Deadline).where(Deadline.rule_key == "samr_legal_review")).all()
    assert rows[0].due_at == datetime(2026, 3, 16, 15, 59, 59, 999999, tzinfo=UTC)  # Mon 2 Mar + 10 wd
    assert c.task(session, case.instance_id, "review").due_at == rows[0].due_at
    c.act(session, case.instance_id, "review", "reviewer", {"review_result": "return", "review_opinion": "补证"})
    supplement = c.task(session, case.instance_id, "supplement")
    assert supplement.due_at == datetime(2026, 3, 5, 15, 59, 59, 999999, tzinfo=UTC)
    at(c, 2026, 3, 4, 1)  # two working days later
    c.act(session, case.instance_id, "supplement", "zk_officer1", {"supplement_note": "补交询问笔录"})
    session.expire_all()
    review = session.scalars(select(Deadline).where(Deadline.rule_key == "samr_legal_review")).one()
    assert review.status == "pending" and review.excluded_amount == 2
    assert review.due_at == datetime(2026, 3, 18, 15, 59, 59, 999999, tzinfo=UTC)


def test_an_opinion_is_required_and_nothing_is_written_without_it(session, c):
    """第58条 审核意见: a review without an opinion is a form error; no case_reviews row."""
    case = _to_review(session, c)
    before = fingerprint(session)
    with pytest.raises(ValidationFailed) as err:
        c.act(session, case.instance_id, "review", "reviewer", {"review_result": "maybe"})
    assert set(err.value.errors) == {"review_result", "review_opinion"}
    assert fingerprint(session) == before and session.scalars(select(CaseReview)).all() == []


def test_reviewer_membership_decides_who_may_review(session, c):
    """Only a legal_reviewer of the routed organization sees the task in the inbox."""
    case = _to_review(session, c)
    task = c.task(session, case.instance_id, "review")
    holders = session.scalars(select(Membership.user_id).where(
        Membership.organization_id == task.organization_id, Membership.role == task.role)).all()
    assert holders == [c.users["reviewer"].id]
    assert session.scalars(select(HumanTask.task_spec_name).where(HumanTask.instance_id == case.instance_id,
                                                                  HumanTask.state == "ready")).all() == ["review"]
