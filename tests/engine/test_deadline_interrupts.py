"""Expiry action "interrupt the task": the instance takes a deadline_interrupt message, once."""

from __future__ import annotations

import json
import shutil
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import select

from models import AuditEvent, HumanTask, ProcessInstance
from tests.support.deadline_world import build_world
from tests.support.engine_support import demo_lanes
from workflows.calendar.legal_calendar import LegalCalendar
from workflows.core.services import ServiceRegistry
from workflows.deadlines.records import start_deadline
from workflows.engine import Engine
from workflows.jobs.due_work import run_due_work
from workflows.jobs.firing import fire_due
from workflows.tasks import processes

BPMN = Path(__file__).resolve().parents[1] / "support" / "bpmn" / "deadline_interrupt_demo.bpmn"
AFTER_PERIOD = datetime(2026, 3, 12, 16, 0, tzinfo=UTC)  # past 5 working days from Mon 2 March


@pytest.fixture
def calendar():
    return LegalCalendar()


@pytest.fixture
def world(session, clock):
    return build_world(session, clock)


@pytest.fixture
def wf_engine(session, clock, calendar, tmp_path):
    folder = tmp_path / "bpmn"
    folder.mkdir()
    shutil.copy(BPMN, folder)
    engine = Engine(folder, clock, calendar, ServiceRegistry(), lanes=demo_lanes())
    engine.sync_definitions(session)
    return engine


def _instance_with_period(session, clock, calendar, wf_engine, world, rule_key="apl64_hearing_request"):
    inst = processes.start(session, wf_engine, "deadline_interrupt_demo",
                           data={"township_id": world.township.id}, actor=world.leader)
    d = start_deadline(session, clock, calendar, rule_key, instance_id=inst.id,
                       task_id="hearing_request", org=world.township, assignee=world.leader)
    return inst, d


def _open_tasks(session, instance_id):
    return session.scalars(select(HumanTask.task_spec_name).where(
        HumanTask.instance_id == instance_id, HumanTask.state == "ready")).all()


def test_expired_hearing_request_period_interrupts_the_waiting_task(session, clock, calendar, wf_engine, world):
    """行政处罚法 第64条: no hearing request within 5 working days ends the waiting step, once."""
    inst, d = _instance_with_period(session, clock, calendar, wf_engine, world)
    assert _open_tasks(session, inst.id) == ["hearing_request"]
    clock.set(AFTER_PERIOD)
    result = fire_due(session, clock, engine=wf_engine)
    assert result.expired == [d.id] and result.interrupted == [d.id]
    session.expire_all()
    assert _open_tasks(session, inst.id) == ["decide_without_hearing"]
    cancelled = session.scalar(select(HumanTask.state).where(
        HumanTask.instance_id == inst.id, HumanTask.task_spec_name == "hearing_request"))
    assert cancelled == "cancelled"
    delivered = session.scalars(select(AuditEvent).where(
        AuditEvent.instance_id == inst.id, AuditEvent.action == "message.delivered")).all()
    assert [e.details["message"] for e in delivered] == ["deadline_interrupt"]
    # never twice: a second pass claims nothing and delivers nothing
    assert fire_due(session, clock, engine=wf_engine).count == 0
    assert len(session.scalars(select(AuditEvent.id).where(
        AuditEvent.action == "message.delivered")).all()) == 1


def _values_named(node, name):
    """Every value stored under `name` anywhere in a JSON document."""
    if isinstance(node, dict):
        found = [node[name]] if name in node else []
        return found + [v for child in node.values() for v in _values_named(child, name)]
    if isinstance(node, list):
        return [v for child in node for v in _values_named(child, name)]
    return []


def test_payload_is_only_the_deadline_and_rule(session, clock, calendar, wf_engine, world):
    """design.md §3: the interrupted instance receives the explicit payload, nothing else."""
    inst, d = _instance_with_period(session, clock, calendar, wf_engine, world)
    clock.set(AFTER_PERIOD)
    fire_due(session, clock, engine=wf_engine)
    session.refresh(inst)
    received = _values_named(json.loads(inst.state), "interrupt")
    assert received and all(v == {"deadline_id": d.id, "rule_key": "apl64_hearing_request"}
                            for v in received)


def test_notify_rule_on_an_instance_does_not_interrupt(session, clock, calendar, wf_engine, world):
    """A notify-only rule (行政处罚法 第61条 service) leaves the task running."""
    inst, d = _instance_with_period(session, clock, calendar, wf_engine, world, rule_key="apl61_service")
    clock.set(datetime(2026, 3, 30, 16, 0, tzinfo=UTC))
    result = fire_due(session, clock, engine=wf_engine)
    assert d.id in result.expired and result.interrupted == []
    assert _open_tasks(session, inst.id) == ["hearing_request"]


def test_instance_not_waiting_is_recorded_not_interrupted(session, clock, calendar, wf_engine, world):
    """A finished step cannot be interrupted: the deadline is overdue and an audit row says why."""
    inst, d = _instance_with_period(session, clock, calendar, wf_engine, world)
    task_id = session.scalar(select(HumanTask.id).where(HumanTask.instance_id == inst.id))
    processes.complete(session, wf_engine, task_id, world.leader, data={})
    clock.set(AFTER_PERIOD)
    result = fire_due(session, clock, engine=wf_engine)
    assert result.expired == [d.id] and result.interrupted == []
    assert session.get(ProcessInstance, inst.id).status == "completed"
    audit = session.scalar(select(AuditEvent).where(AuditEvent.action == "deadline.interrupt_not_waiting"))
    assert audit.subject_id == str(d.id) and audit.details["rule_key"] == "apl64_hearing_request"


def test_without_an_engine_the_firing_only_notifies(session, clock, calendar, wf_engine, world):
    """The firing pass without an engine (web process) claims and notifies; nothing is delivered."""
    inst, d = _instance_with_period(session, clock, calendar, wf_engine, world)
    clock.set(AFTER_PERIOD)
    assert fire_due(session, clock).interrupted == []
    assert _open_tasks(session, inst.id) == ["hearing_request"]


def test_scheduler_work_interrupts_through_run_due_work(session, clock, calendar, wf_engine, world):
    """The scheduler's job passes its engine, so the interrupt happens at the firing."""
    inst, d = _instance_with_period(session, clock, calendar, wf_engine, world)
    clock.set(AFTER_PERIOD)
    report = run_due_work(session, clock, engine=wf_engine)
    assert report.expired == 1
    assert _open_tasks(session, inst.id) == ["decide_without_hearing"]
