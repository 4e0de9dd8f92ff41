"""The engine end to end on SQLite and PostgreSQL: steps, reloads, locks, pinning, timers."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from models import AuditEvent, HumanTask, ProcessDefinition, ProcessInstance
from tests.support.engine_support import World, build_world
from workflows.calendar.legal_calendar import LegalCalendar
from workflows.core.audit_verify import verify_chain
from workflows.core.clock import SHANGHAI
from workflows.core.errors import Conflict, NotFound, ValidationFailed
from workflows.engine import Engine
from workflows.engine.lanes import AssignmentError
from workflows.engine.scripting import StepContext
from workflows.tasks import processes


@pytest.fixture
def world(session, clock, tmp_path) -> World:
    """A synced engine over tests/support/bpmn with the users of each lane."""
    return build_world(session, clock, tmp_path)


DRAFT = {"title": "委托书草稿", "item_codes": ["330217001000"], "term_end": "2027-03-01"}


def _only_task(session, user) -> HumanTask:
    tasks = processes.list_tasks(session, user)
    assert len(tasks) == 1, tasks
    return tasks[0]


def _count(session_factory, model) -> int:
    """Rows as another connection sees them (what was really committed)."""
    with session_factory() as other:
        return other.scalar(select(func.count()).select_from(model))


def _reload_matches(session, world: World, instance: ProcessInstance) -> None:
    """A fresh engine (no live workflows) restores the same state from the database."""
    session.expire_all()
    stored = session.get(ProcessInstance, instance.id)
    fresh = Engine(world.engine.bpmn_dir, world.engine.clock, LegalCalendar(), world.services, world.engine.forms, world.engine.lanes)
    workflow = fresh.load(session, stored, StepContext())
    assert fresh.serializer.dumps(workflow) == stored.state
    ready = {str(t.id) for t in workflow.get_tasks() if t.task_spec.manual and t.state == 16}
    open_rows = {t.spiff_task_id for t in session.scalars(select(HumanTask).where(
        HumanTask.instance_id == stored.id, HumanTask.state.in_(("ready", "claimed"))))}
    assert ready == open_rows


def test_full_run_with_return_loop_reloads_at_every_wait_state(session, world):
    """Draft → opinion → review returns → draft → opinion → approve → service → message → end."""
    inst = processes.start(session, world.engine, "engine_demo", world.start_data(),
                           world.officer, business_key="ENT-1")
    assert inst.status == "running" and inst.version == 1
    blob = json.loads(inst.state)
    assert "spec" not in blob and "subprocess_specs" not in blob  # state only, no spec copy
    _reload_matches(session, world, inst)
    for round_no in (1, 2):
        processes.complete(session, world.engine, _only_task(session, world.officer).id,
                           world.officer, DRAFT)
        _reload_matches(session, world, inst)
        opinion = _only_task(session, world.leader)
        assert opinion.due_at == datetime(2026, 3, 9, 23, 59, 59, 999999, tzinfo=SHANGHAI)
        processes.complete(session, world.engine, opinion.id, world.leader,
                           {"agrees": True, "team_size": 12})
        _reload_matches(session, world, inst)
        decision = "return" if round_no == 1 else "approve"
        processes.complete(session, world.engine, _only_task(session, world.reviewer).id,
                           world.reviewer, {"decision": decision})
        _reload_matches(session, world, inst)
    assert world.calls == [(inst.id, "agrees", world.engine.clock.now())]
    assert inst.status == "waiting" and inst.next_wake_at is None
    processes.send_message(session, world.engine, inst.id, "ack", {"ok": True}, world.officer)
    assert inst.status == "completed" and inst.completed_at is not None
    shown = processes.show_instance(session, inst.id)
    assert [t["task"] for t in shown["tasks"]] == ["draft", "opinion", "review"] * 2


def test_every_transition_writes_one_chained_audit_row(session, world):
    """执法全过程记录 (行政处罚法 第47条): start, claim, release, complete each leave one row."""
    inst = processes.start(session, world.engine, "engine_demo", world.start_data(),
                           world.officer)
    task = _only_task(session, world.officer)
    processes.claim(session, world.engine, task.id, world.officer)
    processes.release(session, world.engine, task.id, world.officer)
    processes.complete(session, world.engine, task.id, world.officer, DRAFT)
    history = processes.show_instance(session, inst.id)["history"]
    assert [h["action"] for h in history] == [
        "instance.started", "task.claimed", "task.released", "task.completed"]
    completed = history[-1]
    assert completed["actor_user_id"] == world.officer.id
    assert completed["actor_org_id"] == world.dept.id and completed["task"] == "draft"
    assert len(completed["data_digest"]) == 64
    assert verify_chain(session).ok


def test_lost_race_is_a_conflict_and_changes_nothing(session_factory, world):
    """Two sessions act on one instance version: the second save fails, the first stands."""
    with session_factory() as setup:
        inst = processes.start(setup, world.engine, "engine_demo", world.start_data(),
                               world.officer)
        task_id = _only_task(setup, world.officer).id
    with session_factory() as late, session_factory() as early:
        late.get(ProcessInstance, inst.id)  # loads version 1 into the late session
        late.get(HumanTask, task_id)
        processes.complete(early, world.engine, task_id, world.officer, DRAFT)
        with pytest.raises(Conflict):
            processes.complete(late, world.engine, task_id, world.officer, DRAFT)
        late.rollback()
    with session_factory() as check:
        stored = check.get(ProcessInstance, inst.id)
        assert stored.version == 2
        assert check.scalar(select(func.count()).select_from(AuditEvent).where(
            AuditEvent.action == "task.completed")) == 1


def test_completing_twice_is_a_conflict(session, session_factory, world):
    """The second submission of a finished task is refused and writes nothing."""
    processes.start(session, world.engine, "engine_demo", world.start_data(), world.officer)
    task = _only_task(session, world.officer)
    inst = processes.complete(session, world.engine, task.id, world.officer, DRAFT)
    version, audits = inst.version, _count(session_factory, AuditEvent)
    with pytest.raises(Conflict, match="已办结"):
        processes.complete(session, world.engine, task.id, world.officer, DRAFT)
    assert inst.version == version and _count(session_factory, AuditEvent) == audits


def test_definition_pinning_when_the_file_changes(session, world, clock, tmp_path):
    """A changed file starts new instances only; running ones stay on their hash."""
    old = processes.start(session, world.engine, "engine_demo", world.start_data(),
                          world.officer)
    path = world.engine.bpmn_dir / "engine_demo.bpmn"
    path.write_text(path.read_text("utf-8").replace("起草委托书 / draft", "起草 v2 / draft v2"),
                    "utf-8")
    engine2 = Engine(world.engine.bpmn_dir, clock, LegalCalendar(), world.services, world.engine.forms, world.engine.lanes)
    engine2.sync_definitions(session)
    engine2.sync_definitions(session)  # idempotent: one row per hash
    rows = session.scalars(select(ProcessDefinition).where(
        ProcessDefinition.process_id == "engine_demo")).all()
    assert len(rows) == 2
    new = processes.start(session, engine2, "engine_demo", world.start_data(), world.officer)
    assert new.definition_id != old.definition_id
    titles = {t.instance_id: t.title for t in processes.list_tasks(session, world.officer)}
    assert titles == {old.id: "起草委托书 / draft", new.id: "起草 v2 / draft v2"}
    # The old instance keeps running on its own (cached or re-parsed) definition.
    old_task = next(t for t in processes.list_tasks(session, world.officer)
                    if t.instance_id == old.id)
    processes.complete(session, engine2, old_task.id, world.officer, DRAFT)
    assert session.get(ProcessInstance, old.id).definition_id == old.definition_id


def test_timer_lapses_through_wake_due_instances(session, world, clock):
    """5 working days (行政处罚法 第85条) from Mon 2 March end on Mon 9 March, Shanghai time."""
    inst = processes.start(session, world.engine, "engine_demo", world.start_data(),
                           world.officer)
    processes.complete(session, world.engine, _only_task(session, world.officer).id,
                       world.officer, DRAFT)
    assert inst.next_wake_at == datetime(2026, 3, 9, 23, 59, 59, 999999, tzinfo=SHANGHAI)
    clock.set(datetime(2026, 3, 9, 23, 0, tzinfo=SHANGHAI))
    assert processes.wake_due_instances(session, world.engine, clock.now()) == 0
    clock.set(datetime(2026, 3, 10, 0, 0, 1, tzinfo=SHANGHAI))
    assert processes.wake_due_instances(session, world.engine, clock.now()) == 1
    session.expire_all()
    stored = session.get(ProcessInstance, inst.id)
    assert stored.status == "completed" and stored.next_wake_at is None
    opinion = session.scalars(select(HumanTask).where(HumanTask.task_spec_name == "opinion")).one()
    assert opinion.state == "cancelled"
    woken = processes.show_instance(session, inst.id)["history"][-1]
    assert woken["action"] == "instance.woken" and woken["details"]["fired"] == ["opinion_timer"]


def test_late_submission_after_the_period_lapsed_is_refused(session, world, clock):
    """Timers are refreshed before completing: a lapsed period wins over a late opinion."""
    inst = processes.start(session, world.engine, "engine_demo", world.start_data(),
                           world.officer)
    processes.complete(session, world.engine, _only_task(session, world.officer).id,
                       world.officer, DRAFT)
    opinion = _only_task(session, world.leader)
    clock.set(datetime(2026, 3, 11, 9, 0, tzinfo=SHANGHAI))  # nobody woke the instance
    with pytest.raises(Conflict, match="已失效"):
        processes.complete(session, world.engine, opinion.id, world.leader, {"agrees": True})
    session.expire_all()
    assert session.get(ProcessInstance, inst.id).status == "completed"  # lapse recorded
    assert session.get(HumanTask, opinion.id).submitted is None


def test_form_errors_are_reported_all_at_once_and_nothing_is_written(session, session_factory,
                                                                     world):
    """Wrong types in several fields: one ValidationFailed naming every field."""
    inst = processes.start(session, world.engine, "engine_demo", world.start_data(),
                           world.officer)
    task = _only_task(session, world.officer)
    audits = _count(session_factory, AuditEvent)
    with pytest.raises(ValidationFailed) as err:
        processes.complete(session, world.engine, task.id, world.officer,
                           {"title": 12, "item_codes": "A1", "term_end": "2027-02-30",
                            "colour": "red"})
    assert set(err.value.errors) == {"title", "item_codes", "term_end", "colour"}
    assert err.value.errors["title"] == ["应为文本 / must be text"]  # keyed by field: pages print the label
    session.expire_all()
    assert session.get(HumanTask, task.id).state == "ready"
    assert session.get(ProcessInstance, inst.id).version == 1
    assert _count(session_factory, AuditEvent) == audits


def test_start_refuses_bad_input_and_writes_nothing(session, session_factory, world):
    """Non-JSON data, an unknown process, a missing organization: clear errors, no rows."""
    before = _count(session_factory, ProcessInstance)
    with pytest.raises(ValidationFailed):
        processes.start(session, world.engine, "engine_demo",
                        world.start_data(when=datetime.now(UTC)), world.officer)
    with pytest.raises(NotFound):
        processes.start(session, world.engine, "no_such_process", {}, world.officer)
    data = world.start_data()
    del data["department_id"]
    with pytest.raises(AssignmentError, match="department_id"):
        processes.start(session, world.engine, "engine_demo", data, world.officer)
    assert _count(session_factory, ProcessInstance) == before
    assert _count(session_factory, HumanTask) == 0


def test_cancel_stops_the_instance_and_its_tasks(session, world):
    """A withdrawn proposal: the department cancels; the open task is cancelled too."""
    inst = processes.start(session, world.engine, "engine_demo", world.start_data(),
                           world.officer)
    task = _only_task(session, world.officer)
    processes.cancel(session, world.engine, inst.id, world.officer, reason="撤回 / withdrawn")
    assert inst.status == "cancelled"
    assert session.get(HumanTask, task.id).state == "cancelled"
    with pytest.raises(Conflict):
        processes.complete(session, world.engine, task.id, world.officer, DRAFT)


def test_engine_steps_use_the_injected_clock(session, world, clock):
    """Task rows and audit rows carry the FixedClock's instant, not the wall clock."""
    clock.advance(timedelta(hours=3))
    processes.start(session, world.engine, "engine_demo", world.start_data(), world.officer)
    assert _only_task(session, world.officer).created_at == clock.now()
