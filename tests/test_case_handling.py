"""Case handling (立案 → 调查 → 法制审核 → 决定 → 公示) end to end through the Python API."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from models import Case, Deadline
from tests.case_world import build_case_county, file


@pytest.fixture
def c(session, clock, tmp_path):
    """The test county with case delegations, reviewers and the deadline rules."""
    return build_case_county(session, clock, tmp_path)


def _deadlines(session, case) -> dict[str, Deadline]:
    session.expire_all()
    rows = session.scalars(select(Deadline).where(Deadline.case_ref == case.case_number).order_by(Deadline.id))
    return {r.rule_key: r for r in rows}


def test_minor_case_runs_to_publication_without_review(session, c):
    """第60条 clock, 第57条 decision, 国办发〔2018〕118号 publication within 7 working days."""
    case = file(session, c)
    iid = case.instance_id
    assert c.open_tasks(session, iid) == ["investigate"]
    c.act(session, iid, "investigate", "zk_officer1", {"investigation_report": "查明占道", "proposed_decision": "penalty",
                                                       "proposed_fine": "3000"})
    assert c.open_tasks(session, iid) == ["decide"]
    c.act(session, iid, "decide", "zk_leader", {"decision_kind": "penalty", "fine_amount": "3000",
                                                 "within_benchmark": True})
    c.act(session, iid, "publish", "zk_officer1", {"published_on": "2026-03-03", "publication_channel": "郑口镇网站"})
    session.expire_all()
    row = session.get(Case, case.id)
    assert row.status == "published" and str(row.fine_amount) == "3000.00"
    d = _deadlines(session, case)
    assert d["apl60_decide"].status == "met" and d["gb118_publish_penalty"].status == "met"
    assert c.instance(session, iid).status == "waiting"


def _investigate(session, c, iid, fine="30000", **facts):
    c.act(session, iid, "investigate", "zk_officer1", {"investigation_report": "查明事实", "proposed_decision": "penalty",
                                                       "proposed_fine": fine, **facts})


def test_major_decision_goes_through_legal_review_with_return_article_58(session, c):
    """第58条: a fine at the item's threshold needs legal review; returned, supplemented, passed."""
    case = file(session, c)
    iid = case.instance_id
    _investigate(session, c, iid, hearing_held=True)
    review = c.task(session, iid, "review")
    assert review.organization_id == c.orgs["legal"].id  # 县乡联合法制审核 panel (granted item)
    c.act(session, iid, "review", "reviewer", {"review_result": "return", "review_opinion": "缺现场照片"})
    assert _deadlines(session, case)["samr_legal_review"].status == "paused"
    c.act(session, iid, "supplement", "zk_officer2", {"supplement_note": "补充照片"})
    c.act(session, iid, "review", "reviewer", {"review_result": "pass", "review_opinion": "事实清楚，同意"})
    c.act(session, iid, "decide", "zk_leader", {"decision_kind": "penalty", "fine_amount": "18000",
                                                 "within_benchmark": True})
    session.expire_all()
    row = session.get(Case, case.id)
    assert [(r.result, r.opinion) for r in row.reviews] == [("return", "缺现场照片"), ("pass", "事实清楚，同意")]
    d = _deadlines(session, case)
    assert d["samr_legal_review"].status == "met" and d["legal_review_supplement"].status == "met"
    assert row.status == "decided"
