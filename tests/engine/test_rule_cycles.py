"""timeCycle timers named by a deadline rule (issue 13 §5): each occurrence on the legal calendar.

`rule_cycle('<rule key>', start, repetitions)` in a timeCycle: the first occurrence is the
rule's period from `start`, each next one the period from the previous occurrence, counted by
the legal calendar (holidays and 调休 are data), never as ISO durations (design.md §4).
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest
from sqlalchemy import select

from models import ProcessInstance
from tests.engine.conformance.constructs_events import _guarded
from tests.engine.conformance.kit import boundary, timer
from tests.support.engine_support import World, build_world
from tests.support.procedure_world import fingerprint
from workflows.calendar.legal_calendar import LegalCalendar
from workflows.core.clock import legal_date
from workflows.core.errors import NotFound, QuanzeError
from workflows.procedures.check import rule_keys_in
from workflows.tasks import processes

START = "2026-09-29T09:00:00+08:00"  # a Tuesday; 国庆 (1–7 October 2026) follows


def _cycle_file(pid: str, expression: str) -> str:
    """A user task `wait` with a non-interrupting boundary timeCycle leading to script `alt`."""
    return _guarded(pid, boundary("guard", "wait", timer("timeCycle", expression), False))


@pytest.fixture
def world(session, clock, tmp_path) -> World:
    w = build_world(session, clock, tmp_path)
    (w.engine.bpmn_dir / "rc.bpmn").write_text(
        _cycle_file("rc", "rule_cycle('apl48_withdraw_publication', start_at, 3)"), "utf-8")
    w.engine.sync_definitions(session)
    session.commit()
    return w


def _alt_runs(session, world: World, instance_id: int) -> int:
    workflow = world.engine.load(session, session.get(ProcessInstance, instance_id), None)
    return sum(t.task_spec.name == "alt" for t in workflow.get_tasks())


def _wake_at(session, world: World, instance_id: int, instant: datetime) -> ProcessInstance:
    world.engine.clock.set(instant)
    session.commit()
    processes.wake_due_instances(session, world.engine, instant)
    session.expire_all()
    return session.get(ProcessInstance, instance_id)


def test_each_occurrence_is_the_rule_period_from_the_previous_one(session, world):
    """3 working days (行政处罚法 第48条 withdrawal period) repeated three times across 国庆."""
    calendar = LegalCalendar()
    inst = processes.start(session, world.engine, "rc", world.start_data(start_at=START), world.officer)
    first = calendar.due(datetime.fromisoformat(START), 3, "working_days").due_at
    assert inst.next_wake_at == first and legal_date(first) == date(2026, 10, 9)  # skips 1–7 October
    expected, due = [], first
    for _ in range(2):
        due = calendar.due(due, 3, "working_days").due_at
        expected.append(due)
    seen = []
    for n, at in enumerate([first, *expected], start=1):
        inst = _wake_at(session, world, inst.id, at + timedelta(minutes=1))
        assert _alt_runs(session, world, inst.id) == n
        seen.append(inst.next_wake_at)
    assert seen == [*expected, None]  # three repetitions, then no more wakes
    row = session.scalars(select(ProcessInstance).where(ProcessInstance.id == inst.id)).one()
    assert row.status == "running"  # the task itself still waits for its officer


@pytest.mark.parametrize("rule, error", [
    ("entrust_renewal_reminder", QuanzeError),  # counts back from the term end (倒算)
    ("no_such_rule", NotFound),  # missing from deadline_rules.json
])
def test_a_rule_that_cannot_drive_a_cycle_is_named_and_nothing_is_written(session, world, rule, error):
    """A backwards rule or an unknown key fails the start naming the rule; nothing is written."""
    pid = f"rc_{rule}"
    (world.engine.bpmn_dir / f"{pid}.bpmn").write_text(_cycle_file(pid, f"rule_cycle('{rule}', start_at)"), "utf-8")
    world.engine.sync_definitions(session)
    session.commit()
    before = fingerprint(session)
    with pytest.raises(error, match=rule):
        processes.start(session, world.engine, pid, world.start_data(start_at=START), world.officer)
    session.rollback()
    assert fingerprint(session) == before
    assert rule_keys_in(f"<bpmn:timeCycle>rule_cycle('{rule}', x)</bpmn:timeCycle>") == {rule}
