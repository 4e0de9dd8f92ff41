"""The scheduler: next-wake computation, catch-up after a restart, BPMN timers, the CLI."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
from click.testing import CliRunner
from sqlalchemy import func, select

from models import Base, Deadline, DeadlineStatus, ProcessInstance
from models.db import make_engine, make_session_factory
from scheduler.runner import DeadlineScheduler, wake_time
from tests.support.deadline_world import build_world
from tests.support.engine_support import build_world as build_engine_world
from web.cli import _register, cli
from workflows.calendar.legal_calendar import LegalCalendar
from workflows.core.clock import FixedClock
from workflows.deadlines.records import start_deadline
from workflows.engine.folder import PACKAGED_BPMN_DIR, NoBpmnFolder
from workflows.jobs.due_work import next_wake_at, run_due_work
from workflows.tasks import processes


@pytest.fixture(scope="module")
def calendar():
    return LegalCalendar()


def _deadlines(session_factory, clock, calendar, n=5, key="o310_handover"):
    with session_factory() as session:
        world = build_world(session, clock)
        return [start_deadline(session, clock, calendar, key, case_ref=f"S{i}", org=world.township,
                               assignee=world.officer).id for i in range(n)]


def _statuses(session_factory):
    with session_factory() as s:
        return dict(s.execute(select(Deadline.status, func.count()).group_by(Deadline.status)).all())


def test_wake_time_maps_the_clock_onto_wall_time():
    wall = datetime(2026, 11, 21, 12, 0, tzinfo=UTC)
    clock_now = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)
    assert wake_time(clock_now + timedelta(seconds=90), clock_now, wall) == wall + timedelta(seconds=90)
    assert wake_time(clock_now - timedelta(days=3), clock_now, wall) == wall  # overdue: at once


def test_next_wake_is_the_earliest_warning_due_or_instance_timer(session_factory, clock, calendar):
    ids = _deadlines(session_factory, clock, calendar, n=2)
    with session_factory() as s:
        warn_at = s.get(Deadline, ids[0]).warn_at
        assert next_wake_at(s) == warn_at == clock.now() + timedelta(hours=20)
    runner = DeadlineScheduler(session_factory, clock)
    clock.set(warn_at)
    report = runner.tick()
    assert report.warned == 2 and report.next_wake_at == clock.now() + timedelta(hours=4)


def test_started_scheduler_arms_its_wake_at_the_next_due_instant(session_factory, clock, calendar):
    _deadlines(session_factory, clock, calendar, n=1)
    runner = DeadlineScheduler(session_factory, clock).start(paused=True)
    try:
        before = datetime.now(UTC)
        report = runner.tick()
        armed = runner.scheduled_wake()
        delay = report.next_wake_at - clock.now()
        assert before + delay <= armed <= datetime.now(UTC) + delay
        clock.advance(timedelta(hours=30))
        runner.tick()
        assert runner.scheduled_wake() is None  # nothing left to wait for
    finally:
        runner.shutdown()


def test_restart_catches_up_everything_that_fell_due_while_down(session_factory, clock, calendar):
    _deadlines(session_factory, clock, calendar, n=30)
    clock.advance(timedelta(days=3))  # the scheduler was down; warnings and expiries both passed
    report = DeadlineScheduler(session_factory, clock, batch=8).tick()
    assert (report.expired, report.warned) == (30, 0)
    assert _statuses(session_factory) == {DeadlineStatus.OVERDUE: 30}
    assert DeadlineScheduler(session_factory, clock).tick().expired == 0  # a second start: nothing


def test_due_work_wakes_bpmn_timers_through_the_engine(session, clock, tmp_path):
    """The engine demo's 5-working-day timer (行政处罚法 第85条) lapses through the scheduler pass."""
    world = build_engine_world(session, clock, tmp_path)
    inst = processes.start(session, world.engine, "engine_demo", world.start_data(), world.officer)
    task = processes.list_tasks(session, world.officer)[0]
    processes.complete(session, world.engine, task.id, world.officer,
                       {"title": "委托书草稿", "item_codes": ["330217001000"], "term_end": "2027-03-01"})
    assert next_wake_at(session) == inst.next_wake_at
    clock.set(inst.next_wake_at + timedelta(seconds=1))
    report = run_due_work(session, clock, engine=world.engine)
    assert report.instances_woken == 1 and report.next_wake_at is None
    session.expire_all()
    assert session.get(ProcessInstance, inst.id).status == "completed"


def test_cli_scheduler_once_catches_up(tmp_path, calendar, monkeypatch):
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    engine = make_engine(url)
    Base.metadata.create_all(engine)
    past = FixedClock(datetime(2026, 3, 2, 1, 0, tzinfo=UTC))  # long before the real now
    _deadlines(make_session_factory(engine), past, calendar, n=3)
    engine.dispose()
    _register()
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)  # found from the package, not the working directory
    monkeypatch.delenv("QUANZE_BPMN_DIR", raising=False)
    result = CliRunner().invoke(cli, ["--database-url", url, "scheduler", "--once"])
    assert result.exit_code == 0, result.output
    summary = json.loads(result.output)
    assert summary["expired"] == 3 and summary["next_wake_at"] is None


def test_start_in_process_returns_a_handle_that_shuts_down(session_factory, clock, monkeypatch, tmp_path):
    from scheduler import start_in_process

    monkeypatch.setenv("QUANZE_WEBHOOK_URL", "http://127.0.0.1:9/hook")
    handle = start_in_process(session_factory, clock, LegalCalendar())
    try:
        assert handle.webhook_url == "http://127.0.0.1:9/hook"
        assert handle.engine.bpmn_dir == PACKAGED_BPMN_DIR
    finally:
        handle.shutdown()
    assert handle.scheduled_wake() is None


def test_scheduler_refuses_to_start_without_a_bpmn_folder(session_factory, clock, monkeypatch, tmp_path):
    """A configured folder that holds no BPMN is refused, by the function and by the command."""
    from scheduler import start_in_process

    with pytest.raises(NoBpmnFolder, match="QUANZE_BPMN_DIR"):
        start_in_process(session_factory, clock, LegalCalendar(), bpmn_dir=tmp_path / "absent")
    monkeypatch.setenv("QUANZE_BPMN_DIR", str(tmp_path))
    with pytest.raises(NoBpmnFolder):
        start_in_process(session_factory, clock, LegalCalendar())
    _register()
    result = CliRunner().invoke(cli, ["--database-url", f"sqlite:///{tmp_path / 'x.db'}",
                                      "scheduler", "--once"])
    assert result.exit_code == 2 and "QUANZE_BPMN_DIR" in result.output


def test_sweep_steps_aside_while_a_pass_runs(session_factory, clock, calendar):
    _deadlines(session_factory, clock, calendar, n=2)
    clock.advance(timedelta(hours=30))
    runner = DeadlineScheduler(session_factory, clock)
    with runner._lock:  # a wake pass is running in this process
        assert runner.sweep() is None
    assert _statuses(session_factory) == {DeadlineStatus.PENDING: 2}
    assert runner.sweep().expired == 2


def test_due_work_nobody_can_take_is_retried_later_not_spun_on(session_factory, clock):
    """An instance timer this process cannot advance (no engine here) must not busy-loop the tick."""
    from models import ProcessDefinition

    with session_factory() as s, s.begin():
        definition = ProcessDefinition(process_id="p", file_name="p.bpmn", content_sha256="0" * 64,
                                       bpmn_xml="<x/>", created_at=clock.now())
        s.add(definition)
        s.flush()
        s.add(ProcessInstance(definition_id=definition.id, process_id="p", status="waiting", state="{}",
                              next_wake_at=clock.now() - timedelta(minutes=5), started_at=clock.now(),
                              updated_at=clock.now()))
    report = DeadlineScheduler(session_factory, clock).tick()
    assert report.instances_woken == 0 and report.next_wake_at < clock.now()
