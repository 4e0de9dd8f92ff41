"""Firing due deadlines: warning, expiry, escalation, interruption, catch-up, never twice."""

from __future__ import annotations

import threading
from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from models import AuditEvent, Deadline, DeadlineStatus, Notification
from tests.support.deadline_world import build_world
from workflows.calendar.legal_calendar import LegalCalendar
from workflows.deadlines.notifications import list_notifications, mark_read
from workflows.deadlines.records import mark_met, pause, resume, start_deadline
from workflows.jobs.firing import fire_all_due, fire_due, next_deadline_event


@pytest.fixture(scope="module")
def calendar():
    return LegalCalendar()


@pytest.fixture
def world(session, clock):
    return build_world(session, clock)


def _start(session, clock, calendar, world, key, *, org=None, assignee="officer", **kw):
    kw.setdefault("case_ref", "故郑执罚〔2026〕7号")
    return start_deadline(session, clock, calendar, key, org=org or world.township,
                          assignee=getattr(world, assignee) if assignee else None, **kw)


def _notes(session, deadline_id=None):
    query = select(Notification.kind, Notification.user_id, Notification.org_id)
    if deadline_id is not None:
        query = query.where(Notification.deadline_id == deadline_id)
    return sorted(session.execute(query).all(), key=str)


def test_warning_then_expiry_notify_assignee_and_township_leader(session, clock, calendar, world):
    """行政处罚法 第61条: warned two working days before, overdue after Wed 11 March, each once."""
    d = _start(session, clock, calendar, world, "apl61_service")
    assert fire_due(session, clock).count == 0
    clock.set(datetime(2026, 3, 9, 16, 0, tzinfo=UTC))  # after the end of Mon 9 March in Shanghai
    result = fire_due(session, clock)
    assert result.warned == [d.id] and result.expired == []
    session.refresh(d)
    assert d.status == DeadlineStatus.WARNED and d.warned_at == clock.now()
    assert {(k, u) for k, u, _ in _notes(session, d.id)} == {
        ("deadline_warning", world.officer.id), ("deadline_warning", world.leader.id)}
    assert fire_due(session, clock).count == 0  # never twice
    clock.set(datetime(2026, 3, 11, 16, 0, tzinfo=UTC))
    assert fire_due(session, clock).expired == [d.id]
    session.refresh(d)
    assert d.status == DeadlineStatus.OVERDUE
    kinds = Counter(k for k, _, _ in _notes(session, d.id))
    # 第61条 escalates to the county approver when the decision is not served in time.
    assert kinds == {"deadline_warning": 2, "deadline_overdue": 2, "deadline_escalated": 1}
    assert fire_due(session, clock).count == 0


def test_escalation_reaches_the_named_role(session, clock, calendar, world):
    """国务院令第310号 第5条/第16条: a late transfer escalates to the county approver."""
    d = _start(session, clock, calendar, world, "o310_handover")
    clock.advance(timedelta(hours=25))
    fire_due(session, clock)
    escalated = [u for k, u, _ in _notes(session, d.id) if k == "deadline_escalated"]
    assert escalated == [world.approver.id]
    text = session.scalar(select(Notification.text).where(Notification.kind == "deadline_escalated"))
    assert text.startswith("逾期升级") and " / Escalation" in text


def test_interrupt_rule_records_an_interrupt_notification(session, clock, calendar, world):
    """行政处罚法 第64条: no hearing request within 5 working days — the waiting step ends."""
    d = _start(session, clock, calendar, world, "apl64_hearing_request")
    clock.set(datetime(2026, 3, 9, 16, 0, tzinfo=UTC))
    fire_due(session, clock)
    assert {k for k, _, _ in _notes(session, d.id)} == {"deadline_interrupted"}


def test_department_without_a_leader_is_notified_as_an_organization(session, clock, calendar, world):
    d = _start(session, clock, calendar, world, "gb118_publish_penalty", org=world.department, assignee=None)
    clock.advance(timedelta(days=30))
    fire_due(session, clock)
    rows = _notes(session, d.id)
    assert ("deadline_overdue", None, world.department.id) in rows
    assert ("deadline_escalated", world.approver.id, world.department.id) in rows


def test_paused_and_met_deadlines_do_not_fire(session, clock, calendar, world):
    a = _start(session, clock, calendar, world, "apl61_service")
    b = _start(session, clock, calendar, world, "apl61_service")
    pause(session, clock, a.id, "听证")
    mark_met(session, clock, b.id)
    clock.advance(timedelta(days=30))
    assert fire_due(session, clock).count == 0
    resume(session, clock, calendar, a.id)
    assert fire_due(session, clock).count == 0  # the paused month was not counted
    clock.advance(timedelta(days=30))
    assert fire_due(session, clock).expired == [a.id]


def test_restart_catch_up_fires_everything_once_in_batches(session, clock, calendar, world):
    """A scheduler down for a month catches up: each deadline overdue once, no stale warnings."""
    ids = [_start(session, clock, calendar, world, "apl61_service", case_ref=f"C{i}").id for i in range(25)]
    clock.advance(timedelta(days=30))
    result = fire_all_due(session, clock, batch=7)
    assert sorted(result.expired) == ids and result.warned == []
    assert session.scalar(select(func.count()).select_from(Deadline)
                          .where(Deadline.status == DeadlineStatus.OVERDUE)) == 25
    per_deadline = Counter(d for (d,) in session.execute(select(Notification.deadline_id)))
    assert set(per_deadline.values()) == {3}  # assignee, leader, escalation — exactly once each
    batches = session.scalar(select(func.count()).select_from(AuditEvent)
                             .where(AuditEvent.action == "deadline.expired"))
    assert batches == 4
    assert fire_all_due(session, clock).count == 0


def test_next_deadline_event_is_the_earliest_warning_or_due(session, clock, calendar, world):
    assert next_deadline_event(session) is None
    a = _start(session, clock, calendar, world, "o310_handover")
    _start(session, clock, calendar, world, "apl60_decide")
    assert next_deadline_event(session) == a.warn_at
    clock.set(a.warn_at)
    fire_due(session, clock)
    assert next_deadline_event(session) == a.due_at


def test_notifications_are_listed_and_marked_read(session, clock, calendar, world):
    _start(session, clock, calendar, world, "o310_handover")
    clock.advance(timedelta(hours=21))
    fire_due(session, clock)
    mine = list_notifications(session, world.officer, unread_only=True)
    assert [n.kind for n in mine] == ["deadline_warning"]
    mark_read(session, clock, mine[0].id, world.officer)
    assert list_notifications(session, world.officer, unread_only=True) == []


def test_two_workers_never_fire_one_deadline_twice(engine, session_factory, clock, calendar):
    """Two firing workers on separate sessions and threads: every deadline is claimed exactly once."""
    with session_factory() as session:
        world = build_world(session, clock)
        ids = [_start(session, clock, calendar, world, "apl61_service", case_ref=f"R{i}").id for i in range(120)]
    clock.advance(timedelta(days=30))
    claimed: list[list[int]] = [[], []]
    errors: list[BaseException] = []
    barrier = threading.Barrier(2)

    def work(slot: int) -> None:
        try:
            with session_factory() as s:
                barrier.wait()
                for _ in range(40):
                    claimed[slot] += fire_due(s, clock, limit=5).expired
        except BaseException as exc:  # surfaced below
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(i,)) for i in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert not set(claimed[0]) & set(claimed[1])
    assert sorted(claimed[0] + claimed[1]) == ids
    with session_factory() as s:
        counts = Counter(d for (d,) in s.execute(select(Notification.deadline_id)
                                                 .where(Notification.kind == "deadline_overdue")))
        assert set(counts.values()) == {2} and len(counts) == 120
