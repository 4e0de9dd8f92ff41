"""事先告知, 陈述申辩 and 听证 before a penalty (行政处罚法 第44–45、63–65条), with their documents."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from models import Case, Deadline, Document
from tests.support.case_world import (
    NOTICE,
    PAYABLE,
    at,
    build_case_county,
    file,
    notify_and_defend,
    reload,
)
from tests.support.procedure_world import fingerprint
from workflows.core.clock import legal_date
from workflows.core.errors import LegalRuleViolation
from workflows.procedures.case_handling.defence import check_after_defence

DECIDE = {**PAYABLE, "decision_kind": "penalty", "fine_amount": "3000", "within_benchmark": True}


@pytest.fixture
def c(session, clock, tmp_path):
    """The test county with case delegations, reviewers and the deadline rules."""
    return build_case_county(session, clock, tmp_path)


def _investigate(session, c, iid, fine="3000"):
    c.act(session, iid, "investigate", "zk_officer1", {"investigation_report": "查明占道", "proposed_decision": "penalty",
                                                       "proposed_fine": fine})


def _written(session) -> tuple:
    return fingerprint(session), session.scalar(select(func.count()).select_from(Document))


def _docs(session, case) -> dict[str, str]:
    rows = session.scalars(select(Document).where(Document.instance_id == case.instance_id,
                                                  Document.mime.like("text/html%")))
    return {d.kind: d.content.decode() for d in rows}


def _notified(session, c) -> Case:
    """A case investigated with a proposed fine and its prior notice served today (2026-03-02)."""
    case = file(session, c)
    _investigate(session, c, case.instance_id)
    c.act(session, case.instance_id, "notify", "zk_officer1", NOTICE)
    return case


HEARING = {"defence_statement": "", "hearing_requested": True, "hearing_on": "2026-03-12",
           "hearing_place": "郑口镇政府会议室"}


def test_ordinary_path_with_hearing_and_review_saved_at_every_wait_state(session, c):
    """第44条 notice → 第63–64条 hearing (chair not an investigator, 7 working days' notice) → 第58条 review → decision."""
    case = file(session, c)
    iid = case.instance_id
    _investigate(session, c, iid, fine="3000")
    reload(session, c)
    c.act(session, iid, "notify", "zk_officer1", NOTICE | {"notified_penalty": "罚款3000元"})
    reload(session, c)
    c.act(session, iid, "defend", "zk_officer2", HEARING | {"hearing_chair_id": c.users["zk_leader"].id})
    assert c.open_tasks(session, iid) == ["hold_hearing"]  # no decision before the requested hearing (第63条)
    at(c, 2026, 3, 12, 2)
    reload(session, c)
    c.act(session, iid, "hold_hearing", "zk_officer1", {
        "hearing_held_on": "2026-03-12", "hearing_investigator_statement": "建议罚款3000元",
        "hearing_party_statement": "初次违法，请求从轻"})
    assert c.open_tasks(session, iid) == ["review"]  # 第58条第2项: went through a hearing
    reload(session, c)
    c.act(session, iid, "review", "reviewer", {"review_result": "pass", "review_opinion": "同意"})
    reload(session, c)
    c.act(session, iid, "decide", "zk_leader", DECIDE)
    session.expire_all()
    assert session.get(Case, case.id).status == "decided"
    docs = _docs(session, case)
    assert {"prior_notice", "hearing_notice", "hearing_record"} <= set(docs)
    assert "2026年3月9日" in docs["prior_notice"] and "五个工作日内" in docs["prior_notice"]
    assert "二〇二六年三月十二日" in docs["hearing_notice"] and c.users["zk_leader"].display_name in docs["hearing_notice"]
    assert "初次违法，请求从轻" in docs["hearing_record"] and "建议罚款3000元" in docs["hearing_record"]


def test_ordinary_path_without_hearing_defence_answered(session, c):
    """第45条: the defence is recorded and answered, then the decision follows (no review for a minor fine)."""
    case = file(session, c)
    _investigate(session, c, case.instance_id)
    notify_and_defend(session, c, case.instance_id)
    assert c.open_tasks(session, case.instance_id) == ["decide"]
    c.act(session, case.instance_id, "decide", "zk_leader", DECIDE)
    session.expire_all()
    assert session.get(Case, case.id).status == "decided"


def test_hearing_noticed_less_than_7_working_days_ahead_is_refused_article_64(session, c):
    """第64条第二项 with 第85条: 2026-03-10 is only 6 working days after the notice on 03-02; nothing written."""
    case = _notified(session, c)
    before = _written(session)
    with pytest.raises(LegalRuleViolation) as err:
        c.act(session, case.instance_id, "defend", "zk_officer1",
              HEARING | {"hearing_on": "2026-03-10", "hearing_chair_id": c.users["zk_leader"].id})
    assert err.value.article == "行政处罚法 第64条第二项" and err.value.details["earliest"] == "2026-03-11"
    assert _written(session) == before and c.open_tasks(session, case.instance_id) == ["defend"]


def test_investigator_may_not_chair_the_hearing_article_64(session, c):
    """第64条第四项: the chair is someone who did not investigate the case; nothing written."""
    case = _notified(session, c)
    before = _written(session)
    with pytest.raises(LegalRuleViolation) as err:
        c.act(session, case.instance_id, "defend", "zk_officer1", HEARING | {"hearing_chair_id": c.users["zk_officer2"].id})
    assert err.value.article == "行政处罚法 第64条第四项" and _written(session) == before


def test_no_decision_before_the_defence_period_ends_articles_44_45(session, c):
    """第44–45条: without a statement or a written waiver the case waits until the 5 working days have run."""
    case = _notified(session, c)
    before = _written(session)
    with pytest.raises(LegalRuleViolation) as err:
        c.act(session, case.instance_id, "defend", "zk_officer1", {"hearing_requested": False})
    assert err.value.article == "行政处罚法 第44条、行政处罚法 第45条" and _written(session) == before
    at(c, 2026, 3, 10, 1)  # the period ended with 2026-03-09
    c.act(session, case.instance_id, "defend", "zk_officer1", {"hearing_requested": False})
    assert c.open_tasks(session, case.instance_id) == ["decide"]


def test_a_late_hearing_request_is_refused_article_64(session, c):
    """第64条第一项: the hearing is asked for within 5 working days of the notice."""
    case = _notified(session, c)
    at(c, 2026, 3, 10, 1)
    before = _written(session)
    with pytest.raises(LegalRuleViolation) as err:
        c.act(session, case.instance_id, "defend", "zk_officer1", HEARING | {"hearing_on": "2026-03-25",
                                                                             "hearing_chair_id": c.users["zk_leader"].id})
    assert err.value.article == "行政处罚法 第64条第一项" and _written(session) == before


def test_a_raised_penalty_after_defence_is_refused_article_45(session, c):
    """第45条: 不得因当事人陈述、申辩而给予更重的处罚 — notified 3,000, decided 5,000: refused, nothing written."""
    case = file(session, c)
    _investigate(session, c, case.instance_id)
    notify_and_defend(session, c, case.instance_id)
    before = _written(session)
    with pytest.raises(LegalRuleViolation) as err:
        c.act(session, case.instance_id, "decide", "zk_leader", DECIDE | {"fine_amount": "5000"})
    assert err.value.article == "行政处罚法 第45条" and _written(session) == before
    c.act(session, case.instance_id, "decide", "zk_leader", DECIDE | {"fine_amount": "2500"})  # lighter is fine


def test_a_penalty_without_prior_notice_is_refused_article_44(session, c):
    """第44条: proposed as no penalty (no notice), a penalty decision is refused; nothing written."""
    case = file(session, c)
    c.act(session, case.instance_id, "investigate", "zk_officer1",
          {"investigation_report": "情节轻微", "proposed_decision": "no_penalty"})
    before = _written(session)
    with pytest.raises(LegalRuleViolation) as err:
        c.act(session, case.instance_id, "decide", "zk_leader", DECIDE)
    assert err.value.article == "行政处罚法 第44条" and _written(session) == before


def test_a_decision_before_a_requested_hearing_is_refused_article_63(session, c):
    """第63条: with a hearing requested and not held, the decision check refuses (the flow never offers it)."""
    case = file(session, c)
    with pytest.raises(LegalRuleViolation) as err:
        check_after_defence(case, "penalty", None, {"fine": "3000"}, {"hearing_requested": True}, None)
    assert err.value.article == "行政处罚法 第63条"


def test_hearing_held_before_the_noticed_date_is_refused(session, c):
    """第64条第二项: the hearing takes place on the noticed date or later."""
    case = _notified(session, c)
    c.act(session, case.instance_id, "defend", "zk_officer1", HEARING | {"hearing_chair_id": c.users["zk_leader"].id})
    at(c, 2026, 3, 11, 2)
    before = _written(session)
    with pytest.raises(LegalRuleViolation):
        c.act(session, case.instance_id, "hold_hearing", "zk_officer1", {
            "hearing_held_on": "2026-03-11", "hearing_investigator_statement": "x", "hearing_party_statement": "y"})
    assert _written(session) == before


def test_the_decision_clock_pauses_from_the_hearing_request_to_the_hearing_article_60(session, c):
    """第60条 with the sector rule: hearing time is not counted; the 90 days run on from the hearing."""
    case = file(session, c)
    iid = case.instance_id
    _investigate(session, c, iid)
    clock_row = session.scalars(select(Deadline).where(Deadline.case_ref == case.case_number,
                                                       Deadline.rule_key == "apl60_decide")).one()
    due_before = clock_row.due_at
    c.act(session, iid, "notify", "zk_officer1", NOTICE)
    c.act(session, iid, "defend", "zk_officer2", HEARING | {"hearing_chair_id": c.users["zk_leader"].id})
    session.expire_all()
    assert session.get(Deadline, clock_row.id).status == "paused"
    # 第64条第二项: apl64_hearing_notice counts back 7 working days from the hearing on 03-12; met by the notice
    notice = session.scalars(select(Deadline).where(Deadline.case_ref == case.case_number,
                                                    Deadline.rule_key == "apl64_hearing_notice")).one()
    assert (notice.status, legal_date(notice.due_at)) == ("met", date(2026, 3, 3))
    at(c, 2026, 3, 12, 2)
    reload(session, c)
    c.act(session, iid, "hold_hearing", "zk_officer1", {
        "hearing_held_on": "2026-03-12", "hearing_investigator_statement": "建议罚款3000元",
        "hearing_party_statement": "初次违法"})
    session.expire_all()
    resumed = session.get(Deadline, clock_row.id)
    assert resumed.status == "pending" and resumed.due_at - due_before == timedelta(days=10)
    c.act(session, iid, "review", "reviewer", {"review_result": "pass", "review_opinion": "同意"})
    assert c.task(session, iid, "decide").due_at == resumed.due_at
