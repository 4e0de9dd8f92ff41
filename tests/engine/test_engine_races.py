"""Task rows under the lock: claim, release and complete racing on two threads (issue 13).

Each race repeats many times on SQLite and PostgreSQL; a barrier lines both actors up, and
whatever the interleaving, exactly one outcome holds and the loser gets a Conflict.
"""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from models import AuditEvent, HumanTask, ProcessInstance, Role
from tests.support.engine_support import World, build_world, make_user
from tests.support.threads import run_together
from workflows.core.errors import Conflict, PermissionDenied
from workflows.tasks import processes

REPEATS = 25
DRAFT = {"title": "委托书草稿", "item_codes": ["330217001000"], "term_end": "2027-03-01"}


@pytest.fixture
def world(session, clock, tmp_path) -> World:
    w = build_world(session, clock, tmp_path)
    with session.begin():
        w.second = make_user(session, "officer2", clock, [(w.dept, Role.COUNTY_OFFICER)])
    return w


def _race(session_factory, task_id: int, *actions) -> list:
    """Run each action(session, task_id) on its own thread after a barrier; results or errors."""

    def in_session(action):
        def run():
            with session_factory() as s:
                try:
                    return action(s, task_id)
                except (Conflict, PermissionDenied):
                    s.rollback()
                    raise
        return run

    results = run_together(*(in_session(a) for a in actions))
    assert all(isinstance(r, (Conflict, PermissionDenied)) for r in results
               if isinstance(r, Exception)), results
    return results


def _fresh_task(session_factory, world) -> tuple[int, int]:
    with session_factory() as s:
        inst = processes.start(s, world.engine, "engine_demo", world.start_data(), world.officer)
        task_id = s.scalar(select(HumanTask.id).where(HumanTask.instance_id == inst.id))
        return inst.id, task_id


def _row(session_factory, task_id) -> HumanTask:
    with session_factory() as s:
        return s.get(HumanTask, task_id)


def _audits(session_factory, instance_id, action) -> int:
    with session_factory() as s:
        return s.scalar(select(func.count()).select_from(AuditEvent).where(
            AuditEvent.instance_id == instance_id, AuditEvent.action == action))


def test_release_racing_completion_never_puts_a_completed_task_back(session_factory, world):
    """A release losing to a completion is a Conflict; the task stays completed."""
    for _ in range(REPEATS):
        inst_id, task_id = _fresh_task(session_factory, world)
        with session_factory() as s:
            processes.claim(s, world.engine, task_id, world.officer)
        released, completed = _race(
            session_factory, task_id,
            lambda s, t: processes.release(s, world.engine, t, world.officer),
            lambda s, t: processes.complete(s, world.engine, t, world.officer, DRAFT))
        assert not isinstance(completed, Exception), completed  # a release leaves it ready
        row = _row(session_factory, task_id)
        assert row.state == "completed" and row.completed_by == world.officer.id
        if isinstance(released, Conflict):
            assert _audits(session_factory, inst_id, "task.released") == 0
        else:
            assert row.claimed_by is None
        assert _audits(session_factory, inst_id, "task.completed") == 1


def test_completion_racing_another_users_claim_has_one_winner(session_factory, world):
    """A completes, B claims: either B holds it (A refused) or A completed it (B refused)."""
    outcomes = set()
    for _ in range(REPEATS):
        inst_id, task_id = _fresh_task(session_factory, world)
        completed, claimed = _race(
            session_factory, task_id,
            lambda s, t: processes.complete(s, world.engine, t, world.officer, DRAFT),
            lambda s, t: processes.claim(s, world.engine, t, world.second))
        assert isinstance(completed, Exception) != isinstance(claimed, Exception)
        row = _row(session_factory, task_id)
        with session_factory() as s:
            version = s.get(ProcessInstance, inst_id).version
        if isinstance(claimed, Exception):
            outcomes.add("completed")
            assert row.state == "completed" and row.claimed_by is None and version == 2
            assert _audits(session_factory, inst_id, "task.claimed") == 0
        else:
            outcomes.add("claimed")
            assert row.state == "claimed" and row.claimed_by == world.second.id
            assert row.completed_by is None and version == 1
            assert _audits(session_factory, inst_id, "task.completed") == 0
    assert outcomes  # every repetition ended in one of the two consistent states


def test_two_claimants_one_winner(session_factory, world):
    """Two users claim one task: exactly one holds it, the other gets a Conflict."""
    for _ in range(REPEATS):
        inst_id, task_id = _fresh_task(session_factory, world)
        first, second = _race(
            session_factory, task_id,
            lambda s, t: processes.claim(s, world.engine, t, world.officer),
            lambda s, t: processes.claim(s, world.engine, t, world.second))
        winners = [r for r in (first, second) if not isinstance(r, Exception)]
        assert len(winners) == 1
        row = _row(session_factory, task_id)
        assert row.state == "claimed" and row.claimed_by == winners[0].claimed_by
        assert _audits(session_factory, inst_id, "task.claimed") == 1


def test_two_completions_one_winner(session_factory, world):
    """Two holders of the role complete one ready task: one step, one Conflict."""
    for _ in range(REPEATS):
        inst_id, task_id = _fresh_task(session_factory, world)
        results = _race(
            session_factory, task_id,
            lambda s, t: processes.complete(s, world.engine, t, world.officer, DRAFT),
            lambda s, t: processes.complete(s, world.engine, t, world.second, DRAFT))
        assert sum(not isinstance(r, Exception) for r in results) == 1
        assert all(isinstance(r, Conflict) for r in results if isinstance(r, Exception))
        with session_factory() as s:
            assert s.get(ProcessInstance, inst_id).version == 2
        assert _audits(session_factory, inst_id, "task.completed") == 1


def test_release_of_a_task_claimed_by_someone_else_is_refused(session, world):
    """Only the claimant may release; the refusal writes nothing."""
    _, task_id = _fresh_task(lambda: _Same(session), world)
    processes.claim(session, world.engine, task_id, world.officer)
    with pytest.raises(PermissionDenied):
        processes.release(session, world.engine, task_id, world.second)
    session.rollback()
    assert session.get(HumanTask, task_id, populate_existing=True).claimed_by == world.officer.id


class _Same:
    """The test's own session used as a context manager without closing it."""

    def __init__(self, session) -> None:
        self.session = session

    def __enter__(self):
        return self.session

    def __exit__(self, *exc) -> None:
        return None
