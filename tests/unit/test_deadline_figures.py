"""Dashboard figures: 按时办结率, overdue count and time to act per township and department."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import event, select

from models import Organization
from tests.support.deadline_world import build_world
from workflows.calendar.legal_calendar import LegalCalendar
from workflows.core.errors import ValidationFailed
from workflows.deadlines.figures import deadline_figures
from workflows.deadlines.records import cancel, mark_met, pause, resume, start_deadline
from workflows.jobs.firing import fire_due

PERIOD = {"start": datetime(2026, 3, 1, tzinfo=UTC), "end": datetime(2026, 4, 1, tzinfo=UTC)}


@pytest.fixture
def scene(session, clock):
    """郑口镇: on time, late, overdue, open, cancelled; 青罕镇: on time; the department: overdue."""
    cal = LegalCalendar()
    world = build_world(session, clock)
    other = session.scalars(select(Organization).where(Organization.short_name == "青罕镇")).one()

    def start(org, ref):
        return start_deadline(session, clock, cal, "apl61_service", case_ref=ref, org=org)

    on_time, late, overdue, _open, dropped = (start(world.township, f"Z{i}") for i in range(5))
    qh = start(other, "Q1")
    start(world.department, "D1")
    clock.advance(timedelta(hours=24))
    pause(session, clock, on_time.id, "检测鉴定")
    clock.advance(timedelta(hours=24))
    resume(session, clock, cal, on_time.id)
    mark_met(session, clock, on_time.id)  # 48 h after start, 24 h of them paused
    mark_met(session, clock, qh.id)
    cancel(session, clock, dropped.id, "移送")
    clock.set(datetime(2026, 3, 12, 1, 0, tzinfo=UTC))
    fire_due(session, clock)
    mark_met(session, clock, late.id)
    _open_id = _open.id
    return world, other, overdue, _open_id


def test_township_figures(session, scene):
    world, other, *_ = scene
    figures = {f["name"]: f for f in deadline_figures(session, **PERIOD, group_by="township")}
    zk = figures["郑口镇"]
    # 'open' was fired overdue too (same period), so 郑口镇 has on-time 1, late 1, overdue 2.
    assert (zk["due"], zk["met_on_time"], zk["met_late"], zk["overdue_open"]) == (4, 1, 1, 2)
    assert zk["overdue"] == 3 and zk["on_time_rate"] == 0.25
    qh = figures["青罕镇"]
    assert qh["on_time_rate"] == 1.0 and qh["average_hours_to_act"] == 48.0
    assert "故城县城市管理综合行政执法局" not in figures


def test_department_figures_and_time_to_act_excludes_pauses(session, scene):
    figures = deadline_figures(session, **PERIOD, group_by="department")
    assert [(f["name"], f["overdue"], f["on_time_rate"]) for f in figures] == [
        ("故城县城市管理综合行政执法局", 1, 0.0)]
    zk = next(f for f in deadline_figures(session, **PERIOD) if f["name"] == "郑口镇")
    late_hours = (datetime(2026, 3, 12, 1, 0, tzinfo=UTC) - datetime(2026, 3, 2, 1, 0, tzinfo=UTC)).days * 24
    assert zk["average_hours_to_act"] == round((24 + late_hours) / 2, 2)


def test_figures_outside_the_period_are_empty(session, scene):
    assert deadline_figures(session, start=datetime(2026, 5, 1, tzinfo=UTC),
                            end=datetime(2026, 6, 1, tzinfo=UTC)) == []


def test_figures_refuse_bad_grouping_and_period(session):
    with pytest.raises(ValidationFailed):
        deadline_figures(session, **PERIOD, group_by="village")
    with pytest.raises(ValidationFailed):
        deadline_figures(session, start=PERIOD["end"], end=PERIOD["start"])


def test_organizations_are_read_once_per_transaction_and_fresh_in_the_next(session, scene):
    """The figures of one page share one read of the organizations; a later transaction sees renames."""
    world, *_ = scene
    session.commit()
    statements = []
    event.listen(session.get_bind(), "before_cursor_execute", lambda *a: statements.append(a[2]))
    deadline_figures(session, **PERIOD, group_by="township")
    deadline_figures(session, **PERIOD, group_by="department")
    assert sum("FROM organizations" in s for s in statements) == 1
    world.township.short_name = "郑口"
    session.commit()
    assert "郑口" in {f["name"] for f in deadline_figures(session, **PERIOD, group_by="township")}
