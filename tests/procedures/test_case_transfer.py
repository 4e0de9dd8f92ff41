"""Case transfer between organs (案件移送): sender and receiver instances linked by messages."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import select

from models import (
    AuditEvent,
    Case,
    CaseStatus,
    CaseTransfer,
    Deadline,
    DelegationMode,
    PartyKind,
    PowerItem,
    ProcessInstance,
    User,
)
from tests.support.coordination_world import build_coordination_county, deadlines_of, snapshot
from tests.support.procedure_world import in_transaction
from workflows.calendar.legal_calendar import LegalCalendar
from workflows.core.clock import SHANGHAI
from workflows.core.errors import Conflict, LegalRuleViolation, PermissionDenied, ValidationFailed
from workflows.deadlines.figures import deadline_figures
from workflows.jobs.firing import fire_due
from workflows.procedures import build_engine
from workflows.procedures.case_transfer.steps import transfer_case, transfer_in_progress
from workflows.registry.delegations import DelegationDraft, add_delegations
from workflows.tasks import processes

MATERIALS = [{"title": "现场检查笔录", "pages": 3}, {"title": "询问笔录", "pages": 5}]


@pytest.fixture
def world(session, clock, tmp_path):
    """NY-01 granted to 郑口镇 today; a case on it still with the department (filed by mistake)."""
    county = build_coordination_county(session, clock, tmp_path)
    o = county.orgs
    add_delegations(session, clock, [DelegationDraft(
        item_code="NY-01", township=o["zk"].id, mode=DelegationMode.GRANT.value,
        effective_from=date(2026, 3, 2), document_no="故政〔2026〕1号", document_title="赋权决定")])
    session.commit()
    with session.begin():
        item = session.scalars(select(PowerItem).where(PowerItem.code == "NY-01")).one()
        case = Case(case_number="故农罚〔2026〕7号", item_id=item.id, township_id=o["zk"].id,
                    handling_org_id=o["nyj"].id, enforcement_subject_org_id=o["nyj"].id,
                    responsible_org_id=o["nyj"].id, filed_on=date(2026, 3, 2), party_name="张某",
                    party_kind=PartyKind.CITIZEN, facts_summary="占用耕地建房", violation_on=date(2026, 2, 20),
                    created_at=clock.now())
        session.add(case)
    county.case_id = case.id
    return county


def _send(session, world, **kw):
    args = {"reason": "事项已赋权乡镇 / item granted to the township", "materials": MATERIALS, **kw}
    return in_transaction(session, transfer_case, session, world.engine, world.users["nyj_officer"],
                          world.case_id, **args)


def _receiver_instance(session, transfer) -> int:
    return session.scalars(select(ProcessInstance.id).where(
        ProcessInstance.business_key == transfer.receiver_key)).one()


def _sender_instance(session, transfer) -> ProcessInstance:
    session.expire_all()
    return session.scalars(select(ProcessInstance).where(ProcessInstance.business_key == transfer.sender_key)).one()


def test_accepted_transfer_moves_the_case_and_answers_the_sender(session, world):
    """The registry names 郑口镇 (行政处罚法 第24条); the payload carries the materials; acceptance moves the case."""
    transfer = _send(session, world)
    receiver = _receiver_instance(session, transfer)
    assert transfer.receiver_org_id == world.orgs["zk"].id
    assert world.open_tasks(session, receiver) == ["answer_township"]
    assert transfer_in_progress(session, world.case_id)
    delivered = session.scalars(select(AuditEvent).where(
        AuditEvent.instance_id == receiver, AuditEvent.action == "message.delivered")).one()
    assert delivered is not None
    world.act(session, receiver, "answer_township", "zk_officer", {"answer": "accept"})
    assert world.instance(session, receiver).status == "completed"
    assert _sender_instance(session, transfer).status == "completed"
    case = session.get(Case, world.case_id)
    assert case.handling_org_id == case.enforcement_subject_org_id == world.orgs["zk"].id
    row = session.get(CaseTransfer, transfer.id)
    assert str(row.status) == "accepted" and row.materials[0]["title"] == "现场检查笔录"
    assert deadlines_of(session, _sender_instance(session, transfer).id) == {"transfer_answer": "met"}
    assert not transfer_in_progress(session, world.case_id)


def test_receiver_data_holds_only_the_explicit_payload(session, world):
    """Messages carry an explicit payload (design.md §3): no sender data leaks into the receiver."""
    transfer = _send(session, world)
    receiver = world.instance(session, _receiver_instance(session, transfer))
    state = receiver.state
    assert "现场检查笔录" in state and "target_key" not in state and "nyj_officer" not in state


def test_objection_goes_to_the_county_to_designate_never_back(session, world):
    """行政处罚法 第25条: an objection goes to the county government, which designates the organ."""
    transfer = _send(session, world)
    receiver = _receiver_instance(session, transfer)
    world.act(session, receiver, "answer_township", "zk_officer",
              {"answer": "object", "objection_reason": "涉及专业鉴定，乡镇不具备条件"})
    assert world.open_tasks(session, receiver) == ["designate"]
    assert _sender_instance(session, transfer).status != "completed"
    world.act(session, receiver, "designate", "approver",
              {"designated_org_id": world.orgs["nyj"].id, "designation_note": "重大复杂案件由原部门办理"})
    assert _sender_instance(session, transfer).status == "completed"
    case = session.get(Case, world.case_id)
    assert case.handling_org_id == world.orgs["nyj"].id
    assert deadlines_of(session, receiver) == {"transfer_designation": "met"}


def test_second_transfer_after_an_objection_is_refused(session, world):
    """行政处罚法 第25条 / SAMR: after an objection the organs may not transfer the case again (no ping-pong)."""
    transfer = _send(session, world)
    receiver = _receiver_instance(session, transfer)
    world.act(session, receiver, "answer_township", "zk_officer", {"answer": "object", "objection_reason": "无条件"})
    world.act(session, receiver, "designate", "approver",
              {"designated_org_id": world.orgs["nyj"].id, "designation_note": "原部门办理"})
    before = snapshot(session, CaseTransfer)
    with pytest.raises(LegalRuleViolation) as err:
        _send(session, world)
    assert "第25条" in err.value.article and "不得再自行移送" in str(err.value)
    assert snapshot(session, CaseTransfer) == before


def test_transfer_to_an_organ_that_is_not_competent_is_refused(session, world):
    """行政处罚法 第22–24条: the registry names 郑口镇; sending to 青罕镇 is refused, the competent organ named."""
    before = snapshot(session, CaseTransfer)
    with pytest.raises(LegalRuleViolation) as err:
        _send(session, world, receiver_org_id=world.orgs["qh"].id)
    assert "郑口镇" in str(err.value) and "第22–24条" in err.value.article
    assert snapshot(session, CaseTransfer) == before


def test_objection_without_reasons_is_refused(session, world):
    """An objection must state its reasons; the step is rolled back and the task stays open."""
    transfer = _send(session, world)
    receiver = _receiver_instance(session, transfer)
    before = snapshot(session, CaseTransfer)
    with pytest.raises(ValidationFailed) as err:
        world.act(session, receiver, "answer_township", "zk_officer", {"answer": "object"})
    assert "objection_reason" in err.value.errors
    assert snapshot(session, CaseTransfer) == before
    assert world.open_tasks(session, receiver) == ["answer_township"]


def test_bad_transfers_write_nothing(session, world):
    """No materials, no reason, a stranger sending: each refused with nothing written."""
    before = snapshot(session, CaseTransfer)
    with pytest.raises(ValidationFailed) as err:
        _send(session, world, materials=[], reason=" ")
    assert {"materials", "reason"} <= set(err.value.errors)
    with pytest.raises(PermissionDenied):
        in_transaction(session, transfer_case, session, world.engine, world.users["zk_officer"], world.case_id,
                       reason="x", materials=MATERIALS)
    assert snapshot(session, CaseTransfer) == before


def test_both_instances_reload_at_every_wait_state(session_factory, session, world):
    """Each step on a fresh session and a fresh engine: the stored states alone carry the transfer."""
    transfer = _send(session, world)
    assert _sender_instance(session, transfer).status == "waiting"
    receiver = _receiver_instance(session, transfer)
    steps = [("answer_township", "zk_officer", {"answer": "object", "objection_reason": "需专业鉴定"}),
             ("designate", "approver", {"designated_org_id": world.orgs["nyj"].id, "designation_note": "原部门"})]
    for name, user, data in steps:
        with session_factory() as fresh:
            world.engine = build_engine(world.engine.bpmn_dir, world.clock, LegalCalendar())
            world.engine.sync_definitions(fresh)
            fresh.commit()
            task_id = world.task(fresh, receiver, name).id
            in_transaction(fresh, processes.complete, fresh, world.engine, task_id,
                           fresh.get(User, world.users[user].id), data)
    assert _sender_instance(session, transfer).status == "completed"
    assert session.get(CaseTransfer, transfer.id).designated_org_id == world.orgs["nyj"].id


def test_a_decided_case_cannot_be_transferred(session, world):
    """Only an undecided case changes organ; a decided one is refused, nothing written."""
    with session.begin():
        session.get(Case, world.case_id).status = CaseStatus.DECIDED
    before = snapshot(session, CaseTransfer)
    with pytest.raises(Conflict):
        _send(session, world)
    assert snapshot(session, CaseTransfer) == before


def test_a_late_answer_shows_as_overdue_in_the_figures(session, world):
    """The receiver's answer period (transfer_answer, 5 working days [D]) lapses: the figures count it."""
    transfer = _send(session, world)
    world.engine.clock.advance(timedelta(days=10))
    fire_due(session, world.engine.clock)
    session.commit()
    now = world.engine.clock.now()
    figures = deadline_figures(session, start=now - timedelta(days=30), end=now)
    zk = next(f for f in figures if f["group_id"] == world.orgs["zk"].id)
    assert zk["overdue_open"] == 1 and zk["on_time_rate"] == 0.0
    assert session.get(CaseTransfer, transfer.id).status == "sent"


def _remit_period(session, world):
    session.expire_all()
    return session.scalars(select(Deadline).where(Deadline.rule_key == "transfer_out_of_remit")).one()


def test_the_senders_period_runs_from_finding_the_case_outside_its_remit(session, world):
    """行政处罚法 第22–25条 (移送; 3 working days a county design default): met when sent, late when overdue."""
    world.clock.set(datetime(2026, 3, 9, 2, tzinfo=UTC))  # Monday; found on Monday 2 March
    _send(session, world, found_on=date(2026, 3, 2))
    row = _remit_period(session, world)
    assert row.due_at.astimezone(SHANGHAI).date() == date(2026, 3, 5) and str(row.status) == "met"
    assert row.met_at > row.due_at  # counted late by the figures


def test_a_transfer_found_today_meets_its_period_on_time(session, world):
    """Default: found today, sent today — on time."""
    _send(session, world)
    row = _remit_period(session, world)
    assert str(row.status) == "met" and row.met_at <= row.due_at


def test_a_found_date_in_the_future_or_before_filing_is_refused_nothing_written(session, world):
    """Bad input: the finding cannot precede the filing nor follow today; nothing written."""
    before = snapshot(session)
    for day in (date(2026, 3, 1), date(2026, 3, 3)):
        with pytest.raises(ValidationFailed):
            _send(session, world, found_on=day)
    assert snapshot(session) == before
