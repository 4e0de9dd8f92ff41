"""The entrustment procedure (委托, 行政处罚法 第20–21条) end to end through the Python API."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import select

from models import AuditEvent, Delegation, DelegationStatus, Document, HumanTask
from tests.support.procedure_world import County, build_county, fingerprint, in_transaction
from workflows.calendar.legal_calendar import LegalCalendar
from workflows.core.clock import start_of_legal_day
from workflows.core.errors import Conflict, LegalRuleViolation, PermissionDenied, ValidationFailed
from workflows.deadlines.rules import load_rule_specs
from workflows.procedures import build_engine
from workflows.procedures.entrustment.steps import revoke_entrustment, start_entrustment
from workflows.registry import powers as registry
from workflows.tasks import processes

LETTER = {"authority": "对违法建设行为立案、调查取证、作出行政处罚决定",
          "responsibilities": "受委托乡镇以委托机关名义实施，不得再委托。",
          "supervision": "委托机关每季度评查案卷。"}
ZK = "zk"


@pytest.fixture
def c(session, clock, tmp_path) -> County:
    """The test county with a synced engine."""
    return build_county(session, clock, tmp_path)


def _start(session, c: County, codes=("CGJ-01",), town=ZK, user="cgj_officer", term=("2026-04-01", "2026-12-31"),
           **kw) -> int:
    inst = in_transaction(session, start_entrustment, session, c.engine, c.users[user], c.orgs["cgj"],
                          c.orgs[town], list(codes), term_start=term[0], term_end=term[1], **LETTER, **kw)
    return inst.id


def _sign_and_publish(session, c: County, iid: int) -> None:
    c.act(session, iid, "sign_department", "cgj_officer",
          {"department_signed_on": "2026-03-05", "department_signatory": "王局长"})
    c.act(session, iid, "sign_township", "zk_leader",
          {"township_signed_on": "2026-03-05", "township_signatory": "刘镇长"})
    c.act(session, iid, "publish_department", "cgj_officer",
          {"department_published_on": "2026-03-06", "department_publication_channel": "县城管局网站"})
    c.act(session, iid, "publish_township", "zk_leader",
          {"township_published_on": "2026-03-06", "township_publication_channel": "郑口镇政务公开栏"})


def _in_force(session, c: County, county_approval: bool = True) -> int:
    iid = _start(session, c, requires_county_approval=county_approval)
    c.act(session, iid, "township_opinion", "zk_leader", {"agrees": True})
    c.act(session, iid, "legal_review", "reviewer", {"review_decision": "approve", "review_opinion": "合法"})
    if county_approval:
        c.act(session, iid, "county_approval", "approver", {"county_decision": "approve"})
    _sign_and_publish(session, c, iid)
    _wake(session, c, datetime(2026, 4, 1, 1, 0, tzinfo=UTC))
    return iid


def _wake(session, c: County, instant: datetime) -> None:
    c.clock.set(instant)
    in_transaction(session, processes.wake_due_instances, session, c.engine, c.clock.now())


def _who(session, c: County, day: date, code: str = "CGJ-01"):
    return registry.who(session, code, c.orgs[ZK].id, day)


def test_entrustment_runs_to_the_registry_for_its_term_articles_20_21(session, c):
    """第20条: letter → opinion → review with return → county → both sign → both publish → in force."""
    iid = _start(session, c)
    c.act(session, iid, "township_opinion", "zk_leader", {"agrees": True, "township_opinion_text": "同意"})
    c.act(session, iid, "legal_review", "reviewer", {"review_decision": "return", "review_opinion": "期限过长"})
    c.act(session, iid, "revise_letter", "cgj_officer", {"term_end": "2026-10-31", "revision_note": "缩短期限"})
    c.act(session, iid, "legal_review", "reviewer", {"review_decision": "approve", "review_opinion": "合法"})
    c.act(session, iid, "county_approval", "approver", {"county_decision": "approve"})
    _sign_and_publish(session, c, iid)
    assert c.instance(session, iid).next_wake_at == datetime(2026, 3, 31, 16, 0, tzinfo=UTC)
    assert _who(session, c, date(2026, 4, 1)).mode == "assist"  # not before the term starts

    _wake(session, c, datetime(2026, 4, 1, 1, 0, tzinfo=UTC))
    answer = _who(session, c, date(2026, 4, 1))
    assert answer.mode == "entrust"
    assert answer.enforcement_subject.id == c.orgs["cgj"].id  # 以委托机关名义实施 (第20条)
    assert answer.acting_org.id == c.orgs[ZK].id
    assert answer.document_no == "故城管委〔2026〕1号" and answer.effective_to == date(2026, 10, 31)
    assert _who(session, c, date(2026, 11, 1)).mode == "assist"
    docs = session.scalars(select(Document).where(Document.instance_id == iid)).all()
    assert [d.kind for d in docs] == ["entrustment_letter", "entrustment_letter"]


def test_both_parties_publish_the_letter_article_20(session, c):
    """第20条: 委托机关和受委托组织应当将委托书向社会公布 — two publication records."""
    iid = _in_force(session, c)
    rows = session.scalars(select(HumanTask).where(
        HumanTask.instance_id == iid, HumanTask.task_spec_name.in_(("publish_department", "publish_township")))
        .order_by(HumanTask.id)).all()
    assert [r.organization_id for r in rows] == [c.orgs["cgj"].id, c.orgs[ZK].id]
    assert rows[0].submitted["department_publication_channel"] == "县城管局网站"
    assert rows[1].submitted["township_publication_channel"] == "郑口镇政务公开栏"
    audited = session.scalars(select(AuditEvent.task_name).where(
        AuditEvent.instance_id == iid, AuditEvent.action == "task.completed")).all()
    assert {"publish_department", "publish_township"} <= set(audited)


def test_without_county_approval_the_letter_goes_straight_to_signature(session, c):
    """Where the county does not require it, there is no county government step."""
    iid = _start(session, c, requires_county_approval=False)
    c.act(session, iid, "township_opinion", "zk_leader", {"agrees": True})
    c.act(session, iid, "legal_review", "reviewer", {"review_decision": "approve", "review_opinion": "合法"})
    assert c.open_tasks(session, iid) == ["sign_department"]


def test_a_township_that_declines_ends_the_entrustment(session, c):
    """山东省乡镇人民政府工作条例 第8条 征求乡镇意见: the township may refuse."""
    iid = _start(session, c)
    c.act(session, iid, "township_opinion", "zk_leader", {"agrees": False, "township_opinion_text": "无力承接"})
    assert c.instance(session, iid).status == "completed"
    assert session.scalars(select(Delegation)).all() == []


def test_the_county_refusing_ends_the_entrustment(session, c):
    """县政府审核批准: a refusal ends the procedure with nothing issued."""
    iid = _start(session, c)
    c.act(session, iid, "township_opinion", "zk_leader", {"agrees": True})
    c.act(session, iid, "legal_review", "reviewer", {"review_decision": "approve", "review_opinion": "合法"})
    c.act(session, iid, "county_approval", "approver", {"county_decision": "reject"})
    assert c.instance(session, iid).status == "completed"
    assert session.scalars(select(Document)).all() == []


def test_a_term_that_is_not_renewed_lapses_article_20(session, c):
    """第20条 期限: reminder → no renewal → the term ends and the registry rows expire."""
    iid = _in_force(session, c)
    _wake(session, c, datetime(2026, 12, 1, 0, 0, tzinfo=UTC))  # 30 days before 31 December
    assert c.open_tasks(session, iid) == ["renewal_decision"]
    c.act(session, iid, "renewal_decision", "cgj_officer", {"renew": False, "renewal_note": "不再委托"})
    assert c.instance(session, iid).next_wake_at == datetime(2026, 12, 31, 16, 0, tzinfo=UTC)
    _wake(session, c, datetime(2026, 12, 31, 16, 0, tzinfo=UTC))
    assert c.instance(session, iid).status == "completed"
    assert session.scalars(select(Delegation.status)).all() == [DelegationStatus.EXPIRED]
    assert _who(session, c, date(2026, 12, 31)).mode == "entrust"
    assert _who(session, c, date(2027, 1, 1)).mode == "assist"


def test_the_renewal_reminder_is_counted_back_by_its_rule_article_20(session, c):
    """The reminder fires the rule's period (entrust_renewal_reminder, 倒算) before the term end."""
    iid = _in_force(session, c)
    rule = next(r for r in load_rule_specs() if r["key"] == "entrust_renewal_reminder")
    assert (rule["direction"], rule["unit"]) == ("before", "calendar_days")
    assert "reminder_days" not in c.instance(session, iid).state  # no period in the data any more
    assert c.instance(session, iid).next_wake_at == start_of_legal_day(
        date(2026, 12, 31) - timedelta(days=rule["amount"]))


def test_an_undecided_renewal_lapses_and_the_task_is_then_stale(session, c):
    """The term ends even if nobody decides; completing the stale task is a conflict."""
    iid = _in_force(session, c)
    _wake(session, c, datetime(2026, 12, 1, 0, 0, tzinfo=UTC))
    task_id = c.task(session, iid, "renewal_decision").id
    _wake(session, c, datetime(2027, 1, 1, 0, 0, tzinfo=UTC))
    assert c.instance(session, iid).status == "completed"
    before = fingerprint(session)
    with pytest.raises(Conflict):
        in_transaction(session, processes.complete, session, c.engine, task_id, c.users["cgj_officer"],
                       {"renew": True, "new_term_end": "2027-12-31"})
    assert fingerprint(session) == before


def test_renewal_gives_a_new_term_and_a_new_letter(session, c):
    """A renewal is a new 委托书 with its own number and term (第20条)."""
    iid = _in_force(session, c)
    _wake(session, c, datetime(2026, 12, 1, 0, 0, tzinfo=UTC))
    c.act(session, iid, "renewal_decision", "cgj_officer", {"renew": True, "new_term_end": "2027-12-31"})
    inst = c.instance(session, iid)
    assert inst.status == "waiting" and inst.next_wake_at == datetime(2027, 11, 30, 16, 0, tzinfo=UTC)
    assert _who(session, c, date(2026, 12, 31)).document_no == "故城管委〔2026〕1号"
    renewed = _who(session, c, date(2027, 1, 1))
    assert renewed.mode == "entrust" and renewed.document_no == "故城管委〔2026〕2号"
    assert renewed.effective_to == date(2027, 12, 31)


def test_the_department_revokes_with_reasons_from_a_date(session, c):
    """第20条: the entrusting department supervises and may end the entrustment at any time."""
    iid = _in_force(session, c)
    c.clock.set(datetime(2026, 6, 1, 1, 0, tzinfo=UTC))
    in_transaction(session, revoke_entrustment, session, c.engine, iid, c.users["cgj_officer"],
                   reason="案卷评查发现严重违法", revoke_on=date(2026, 6, 10))
    assert c.instance(session, iid).status == "completed"
    assert _who(session, c, date(2026, 6, 9)).mode == "entrust"
    assert _who(session, c, date(2026, 6, 10)).mode == "assist"
    row = session.scalars(select(Delegation)).one()
    assert row.status == DelegationStatus.REVOKED and row.revoked_reason == "案卷评查发现严重违法"


def test_revocation_during_the_renewal_decision_cancels_that_task(session, c):
    """Revocation wins over a pending renewal; the renewal task no longer applies."""
    iid = _in_force(session, c)
    _wake(session, c, datetime(2026, 12, 1, 0, 0, tzinfo=UTC))
    task_id = c.task(session, iid, "renewal_decision").id
    in_transaction(session, revoke_entrustment, session, c.engine, iid, c.users["cgj_officer"],
                   reason="机构调整", revoke_on=date(2026, 12, 2))
    assert session.get(HumanTask, task_id).state == "cancelled"
    assert _who(session, c, date(2026, 12, 2)).mode == "assist"


def test_save_and_reload_at_every_wait_state(session_factory, c):
    """Each step on a fresh session and a fresh engine: the stored state alone carries the case."""
    with session_factory() as s:
        iid = _start(s, c)

    def fresh(s):
        c.engine = build_engine(c.engine.bpmn_dir, c.clock, LegalCalendar())
        c.engine.sync_definitions(s)
        s.commit()

    steps = [("township_opinion", "zk_leader", {"agrees": True}),
             ("legal_review", "reviewer", {"review_decision": "return", "review_opinion": "补正"}),
             ("revise_letter", "cgj_officer", {"supervision": "每月检查", "revision_note": "补正"}),
             ("legal_review", "reviewer", {"review_decision": "approve", "review_opinion": "合法"}),
             ("county_approval", "approver", {"county_decision": "approve"}),
             ("sign_department", "cgj_officer", {"department_signed_on": "2026-03-05", "department_signatory": "王"}),
             ("sign_township", "zk_leader", {"township_signed_on": "2026-03-05", "township_signatory": "刘"}),
             ("publish_department", "cgj_officer",
              {"department_published_on": "2026-03-06", "department_publication_channel": "网站"}),
             ("publish_township", "zk_leader",
              {"township_published_on": "2026-03-06", "township_publication_channel": "公开栏"})]
    for name, user, data in steps:
        with session_factory() as s:
            fresh(s)
            c.act(s, iid, name, user, data)
    for instant in (datetime(2026, 4, 1, 1, 0, tzinfo=UTC), datetime(2026, 12, 1, 1, 0, tzinfo=UTC)):
        with session_factory() as s:
            fresh(s)
            _wake(s, c, instant)
    with session_factory() as s:
        fresh(s)
        c.act(s, iid, "renewal_decision", "cgj_officer", {"renew": False})
    with session_factory() as s:
        fresh(s)
        _wake(s, c, datetime(2027, 1, 1, 1, 0, tzinfo=UTC))
        assert c.instance(s, iid).status == "completed"
        assert s.scalars(select(Delegation.status)).all() == [DelegationStatus.EXPIRED]


# -- bad input: each a clear error, nothing written ------------------------------------------


@pytest.mark.parametrize("term", [(None, None), ("2026-04-01", None), (None, "2026-12-31")])
def test_an_entrustment_without_a_term_is_refused_article_20(session, c, term):
    """第20条: the 委托书 states 委托的具体事项、权限、期限."""
    before = fingerprint(session)
    with pytest.raises(LegalRuleViolation) as err:
        _start(session, c, term=term)
    assert err.value.article == "行政处罚法 第20条"
    assert fingerprint(session) == before


def test_an_item_the_department_does_not_hold_is_refused_article_20(session, c):
    """第20条: a department entrusts only within its own statutory powers (法定权限内)."""
    before = fingerprint(session)
    with pytest.raises(LegalRuleViolation) as err:
        _start(session, c, codes=("NY-01",))
    assert "NY-01" in err.value.message and err.value.article == "行政处罚法 第20条"
    assert fingerprint(session) == before


def test_a_township_without_certified_officers_is_refused_article_21(session, c):
    """第21条: the entrusted organisation has staff holding 行政执法资格 (two, 第42条)."""
    before = fingerprint(session)
    with pytest.raises(LegalRuleViolation) as err:
        _start(session, c, town="ll")
    assert err.value.article == "行政处罚法 第21条"
    assert fingerprint(session) == before


def test_an_overlapping_entrustment_is_refused(session, c):
    """One item in one township has one delegation on any day."""
    _in_force(session, c)
    before = fingerprint(session)
    with pytest.raises(ValidationFailed) as err:
        _start(session, c, term=("2026-06-01", "2026-12-31"))
    assert "重叠" in str(err.value.errors)
    assert fingerprint(session) == before


def test_revocation_by_another_department_or_without_reasons_is_refused(session, c):
    """Only the entrusting department revokes, and it gives its reasons."""
    iid = _in_force(session, c)
    before = fingerprint(session)
    with pytest.raises(PermissionDenied):
        in_transaction(session, revoke_entrustment, session, c.engine, iid, c.users["nyj_officer"],
                       reason="越权", revoke_on=date(2026, 6, 1))
    with pytest.raises(ValidationFailed):
        in_transaction(session, revoke_entrustment, session, c.engine, iid, c.users["cgj_officer"],
                       reason="  ", revoke_on=date(2026, 6, 1))
    assert fingerprint(session) == before


def test_a_renewal_that_does_not_extend_the_term_is_refused(session, c):
    """The new end must lie after the old one; the renewal task stays open."""
    iid = _in_force(session, c)
    _wake(session, c, datetime(2026, 12, 1, 0, 0, tzinfo=UTC))
    before = fingerprint(session)
    with pytest.raises(ValidationFailed) as err:
        c.act(session, iid, "renewal_decision", "cgj_officer", {"renew": True, "new_term_end": "2026-12-01"})
    assert "new_term_end" in err.value.errors
    assert fingerprint(session) == before


def test_the_legal_reviewer_cannot_sign_for_the_township(session, c):
    """Acting on a task of another role is refused and changes nothing."""
    iid = _start(session, c)
    before = fingerprint(session)
    with pytest.raises(PermissionDenied):
        c.act(session, iid, "township_opinion", "reviewer", {"agrees": True})
    assert fingerprint(session) == before


def test_wrongly_typed_dates_are_reported_per_field(session, c):
    """Form data of the wrong type: every field error at once, nothing written."""
    iid = _start(session, c)
    c.act(session, iid, "township_opinion", "zk_leader", {"agrees": True})
    c.act(session, iid, "legal_review", "reviewer", {"review_decision": "return", "review_opinion": "补正"})
    before = fingerprint(session)
    with pytest.raises(ValidationFailed) as err:
        c.act(session, iid, "revise_letter", "cgj_officer",
              {"term_start": "2026/04/01", "term_end": 20261231, "revision_note": "x"})
    assert set(err.value.errors) == {"term_start", "term_end"}
    assert fingerprint(session) == before
