"""Deadlines, notifications and dashboards through the pages, within scope."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from models import Organization
from tests.support.webapp import login
from workflows.calendar.legal_calendar import LegalCalendar
from workflows.deadlines.records import start_deadline
from workflows.deadlines.rules import seed_deadline_rules


def _deadline_for(session_factory, clock, township: str) -> int:
    with session_factory() as s:
        seed_deadline_rules(s, clock)
        org = s.scalars(select(Organization).where(Organization.short_name == township)).one()
        s.commit()
        row = start_deadline(s, clock, LegalCalendar(), "apl61_service", org=org.id, case_ref=f"CASE-{township}")
        return row.id


def test_deadline_page_lists_own_organizations_deadlines_only(client, session_factory, clock):
    _deadline_for(session_factory, clock, "郑口镇")
    _deadline_for(session_factory, clock, "青罕镇")
    login(client, "zk_leader")
    page = client.get("/deadlines").get_data(as_text=True)
    assert "CASE-郑口镇" in page and "CASE-青罕镇" not in page
    assert client.get("/deadlines?status=nonsense").status_code == 422


def test_dashboard_draws_svg_charts_and_validates_dates(client, session_factory, clock):
    _deadline_for(session_factory, clock, "郑口镇")
    clock.advance(timedelta(days=30))
    login(client, "approver")
    page = client.get("/dashboard")
    body = page.get_data(as_text=True)
    assert page.status_code == 200 and body.count('<svg class="chart"') >= 2 and "郑口镇" in body
    assert client.get("/dashboard?start=2026-05-01&end=2026-04-01").status_code == 422
    assert client.get("/dashboard?start=yesterday").status_code == 422


def test_township_dashboard_shows_only_its_own_township(client, session_factory, clock):
    _deadline_for(session_factory, clock, "郑口镇")
    _deadline_for(session_factory, clock, "青罕镇")
    clock.advance(timedelta(days=30))
    login(client, "qh_officer1")
    body = client.get("/dashboard").get_data(as_text=True)
    assert "青罕镇" in body and "郑口镇" not in body
