"""Crashes (issue 13): worker and scheduler processes killed mid-step, PostgreSQL cut off.

A real worker process runs the engine on the test's SQLite file or PostgreSQL schema and stops
at a chosen point of a step — inside its service task (nothing written yet) or after every
write just before COMMIT — says so on stdout and waits; the test kills it with SIGKILL (or
terminates its PostgreSQL backend). Then a fresh engine in this process loads the instance:
nothing of the half step is visible, no task is completed twice, the audit chain verifies, and
the step can be redone.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from models import AuditEvent, HumanTask, ProcessInstance
from tests.support.crash import (
    CRASH_BPMN,
    CRASH_PROCESS,
    Worker,
    done_count,
    terminate_backend,
    worker_config,
)
from tests.support.engine_support import World, audit_count, build_world, demo_lanes
from workflows.calendar.legal_calendar import LegalCalendar
from workflows.core.audit_verify import verify_chain
from workflows.core.forms import FormRegistry
from workflows.core.services import ServiceRegistry
from workflows.engine import Engine
from workflows.tasks import processes

INSTANCES = 6


@pytest.fixture
def world(session, clock, tmp_path) -> World:
    w = build_world(session, clock, tmp_path)
    folder = tmp_path / "crash_bpmn"
    folder.mkdir()
    (folder / f"{CRASH_PROCESS}.bpmn").write_text(CRASH_BPMN, encoding="utf-8")
    w.crash_dir = folder
    return w


def _fresh_engine(session_factory, world, clock) -> tuple[Engine, list]:
    """A new Engine (nothing cached) whose crash point only records its calls."""
    calls: list = []
    services = ServiceRegistry()
    services.register("tests.crash_point", lambda ctx: calls.append(ctx.instance_id) or {})
    engine = Engine(world.crash_dir, clock, LegalCalendar(), services, FormRegistry(), demo_lanes())
    with session_factory() as s:
        engine.sync_definitions(s)
    return engine, calls


def _started(session_factory, world, clock) -> tuple[int, int]:
    """A crash_demo instance at its first user task: (instance id, task id)."""
    engine, _ = _fresh_engine(session_factory, world, clock)
    with session_factory() as s:
        inst = processes.start(s, engine, CRASH_PROCESS, world.start_data(), world.officer)
        task = s.scalar(select(HumanTask.id).where(HumanTask.instance_id == inst.id))
    return inst.id, task


def _snapshot(session_factory, instance_id: int) -> tuple:
    """Everything a step could change: the instance row, its task rows, the audit trail."""
    with session_factory() as s:
        inst = s.get(ProcessInstance, instance_id)
        tasks = s.execute(select(HumanTask.id, HumanTask.task_spec_name, HumanTask.state,
                                 HumanTask.claimed_by, HumanTask.completed_by)
                          .where(HumanTask.instance_id == instance_id)
                          .order_by(HumanTask.id)).all()
        audit = s.execute(select(AuditEvent.seq, AuditEvent.hash).order_by(AuditEvent.seq)).all()
        return (inst.version, inst.status, inst.state, inst.next_wake_at), tasks, audit


def _chain_intact(session_factory) -> None:
    with session_factory() as s:
        report = verify_chain(s)
    assert report.ok, report.reason


@pytest.mark.parametrize("where", ["service", "commit"])
def test_worker_killed_mid_step_leaves_no_half_step_and_the_step_can_be_redone(
        engine, session_factory, world, clock, where):
    """SIGKILL inside a completion (before or after its writes): the instance is as before."""
    inst_id, task_id = _started(session_factory, world, clock)
    before = _snapshot(session_factory, inst_id)
    worker = Worker(worker_config(engine, world.crash_dir, clock.now(), action="complete",
                                  task_id=task_id, user_id=world.officer.id, block_at=1,
                                  block_where=where)).go()
    worker.blocked()
    # Inside the service task nothing is written yet; before COMMIT the step's audit row is.
    assert worker.audit_rows - len(before[2]) == (1 if where == "commit" else 0)
    worker.kill()

    assert _snapshot(session_factory, inst_id) == before  # no half step, no instance lost
    _chain_intact(session_factory)
    fresh, calls = _fresh_engine(session_factory, world, clock)
    with session_factory() as s:
        processes.complete(s, fresh, task_id, world.officer, {})  # the step is redone
    assert calls == [inst_id]
    with session_factory() as s:
        inst = s.get(ProcessInstance, inst_id)
        assert (inst.version, inst.status) == (2, "waiting")
        row = s.get(HumanTask, task_id)
        assert (row.state, row.completed_by) == ("completed", world.officer.id)
    assert audit_count(session_factory, "task.completed", inst_id) == 1  # never completed twice
    _chain_intact(session_factory)


def _waiting_instances(session_factory, world, clock, n: int) -> list[int]:
    """n instances past their first task, each waiting on its one-hour timer."""
    engine, _ = _fresh_engine(session_factory, world, clock)
    ids = []
    with session_factory() as s:
        for _ in range(n):
            inst = processes.start(s, engine, CRASH_PROCESS, world.start_data(), world.officer)
            task = s.scalar(select(HumanTask.id).where(HumanTask.instance_id == inst.id))
            processes.complete(s, engine, task, world.officer, {})
            ids.append(inst.id)
    return ids


def test_schedulers_killed_and_restarted_wake_each_instance_exactly_once(
        engine, session_factory, world, clock):
    """Two schedulers die mid-wake (one before, one after its writes); two fresh ones finish."""
    ids = _waiting_instances(session_factory, world, clock, INSTANCES)
    later = clock.now() + timedelta(hours=2)
    config = worker_config(engine, world.crash_dir, later, action="scheduler")
    first = Worker({**config, "block_at": 3, "block_where": "service"})  # 2 wakes committed
    second = Worker({**config, "block_at": 2, "block_where": "commit"})  # 1 wake committed
    restarted = [Worker({**config, "block_at": None}) for _ in range(2)]  # act after the kill
    pids = [first.go().blocked()]
    pids.append(second.go().blocked())
    first.kill()
    second.kill()
    if engine.dialect.name == "postgresql":
        for pid in pids:  # their backends are gone (and their row locks with them)
            terminate_backend(engine, pid)
    assert audit_count(session_factory, "instance.woken") == 3
    _chain_intact(session_factory)

    woken = sum(done_count(w.finish()) for w in [w.go() for w in restarted])
    assert woken == INSTANCES - 3
    with session_factory() as s:
        for inst_id in ids:
            inst = s.get(ProcessInstance, inst_id)
            assert (inst.version, inst.status) == (3, "running"), inst_id
            ready = s.scalars(select(HumanTask.task_spec_name).where(
                HumanTask.instance_id == inst_id, HumanTask.state == "ready")).all()
            assert ready == ["confirm"]
            assert audit_count(session_factory, "instance.woken", inst_id) == 1
    _chain_intact(session_factory)


@pytest.mark.parametrize("where", ["service", "commit"])
def test_postgresql_cut_off_mid_step_rolls_back_and_a_retry_succeeds(
        engine, session_factory, world, clock, where):
    """pg_terminate_backend on the worker's connection mid-step: nothing lands, the retry does."""
    if engine.dialect.name != "postgresql":
        pytest.skip("PostgreSQL only: SQLite has no server connection to cut")
    inst_id, task_id = _started(session_factory, world, clock)
    before = _snapshot(session_factory, inst_id)
    worker = Worker(worker_config(engine, world.crash_dir, clock.now(), action="complete",
                                  task_id=task_id, user_id=world.officer.id, block_at=1,
                                  block_where=where, retry=True)).go()
    pid = worker.blocked()
    assert terminate_backend(engine, pid)
    assert _snapshot(session_factory, inst_id) == before  # the cut step left nothing
    worker.resume()
    lines = worker.finish()
    # The cut connection is reported as such (not as someone else's change) and dropped.
    assert lines[:3] == ["failed", "OperationalError", "True"], lines
    assert done_count(lines) == 1  # the worker's own retry, on a new connection, succeeded
    with session_factory() as s:
        assert s.get(ProcessInstance, inst_id).version == 2
        row = s.get(HumanTask, task_id)
        assert (row.state, row.completed_by) == ("completed", world.officer.id)
    assert audit_count(session_factory, "task.completed", inst_id) == 1
    _chain_intact(session_factory)
