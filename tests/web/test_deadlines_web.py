"""Deadlines, notifications and dashboards through the pages, within scope."""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from models import HumanTask, Organization
from tests.support.webapp import csrf_of, login
from tests.web.test_procedures_web import _act, _start
from workflows.calendar.legal_calendar import LegalCalendar
from workflows.deadlines.records import start_deadline
from workflows.deadlines.rules import seed_deadline_rules
from workflows.procedures import ALL

# Ordering, paging and PostgreSQL's refusals of odd input can differ by backend (tests/web/conftest.py).
pytestmark = pytest.mark.both_backends


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
    steps = body[body.index('id="step-kinds"'):]
    assert all(kind in steps[:steps.index("</section>")] for kind in ("送达", "决定", "公示", "按时办结率"))
    client.get("/lang/en?next=/")
    english = client.get("/dashboard").get_data(as_text=True)
    assert all(k in english for k in ("On-time rate per step", "Service", "Decision", "Public disclosure"))
    assert client.get("/dashboard?start=2026-05-01&end=2026-04-01").status_code == 422
    assert client.get("/dashboard?start=yesterday").status_code == 422


def test_township_dashboard_shows_only_its_own_township(client, session_factory, clock):
    _deadline_for(session_factory, clock, "郑口镇")
    _deadline_for(session_factory, clock, "青罕镇")
    clock.advance(timedelta(days=30))
    login(client, "qh_officer1")
    body = client.get("/dashboard").get_data(as_text=True)
    assert "青罕镇" in body and "郑口镇" not in body


def test_sign_tasks_carry_due_dates_and_count_on_deadlines_and_dashboard(client, session_factory, clock):
    """Sign and publish steps have periods (第20条 委托书签署、公布): each open one is on 期限提醒 and the dashboard."""
    started = _start(client, session_factory)
    iid = int(started.headers["Location"].rsplit("/", 1)[1])
    _act(client, session_factory, iid, "township_opinion", "zk_leader", {"agrees": "true"})
    _act(client, session_factory, iid, "legal_review", "reviewer", {"review_decision": "approve", "review_opinion": "合法"})
    _act(client, session_factory, iid, "county_approval", "approver", {"county_decision": "approve"})
    with session_factory() as s:
        sign = s.scalars(select(HumanTask).where(HumanTask.instance_id == iid,
                                                 HumanTask.task_spec_name == "sign_department")).one()
        department = s.get(Organization, sign.organization_id).short_name
    assert sign.due_at is not None and sign.due_at > clock.now()  # entrust_signing: 5 working days
    login(client, "nyj_officer")
    deadlines = client.get("/deadlines").get_data(as_text=True)
    assert f'href="/instances/{iid}"' in deadlines and sign.title.split(" / ")[0] in deadlines
    dashboard = client.get("/dashboard").get_data(as_text=True)
    section = dashboard[dashboard.index('id="dated-depts"'):]
    row = re.search(rf"<tr><td[^>]*>{re.escape(department)}</td><td[^>]*>(\d+)</td><td[^>]*>(\d+)</td>", section)
    assert row and int(row.group(1)) >= 1 and row.group(2) == "0"
    # Once overdue, the same task counts as overdue there.
    clock.advance(timedelta(days=30))
    dashboard = client.get("/dashboard").get_data(as_text=True)
    section = dashboard[dashboard.index('id="dated-depts"'):]
    row = re.search(rf"<tr><td[^>]*>{re.escape(department)}</td><td[^>]*>(\d+)</td><td[^>]*>(\d+)</td>", section)
    assert int(row.group(2)) >= 1


def test_signing_publishing_and_handover_steps_have_due_dates():
    """No signing, publication or hand-over step waits without a period (issue 10 §10; 第20、24条)."""
    bpmn = Path(__file__).resolve().parents[2] / "bpmn"
    steps = {"entrustment": ("sign_department", "sign_township", "publish_department", "publish_township",
                             "renewal_decision"),
             "grant": ("publish_decision", "provincial_approval", "handover_training")}
    for procedure in (p for p in ALL if p.id in steps):
        xml = (bpmn / procedure.bpmn).read_text(encoding="utf-8")
        tasks = dict(re.findall(r'<bpmn:userTask id="([^"]+)"[^>]*>(.*?)</bpmn:userTask>', xml, re.S))
        for task in steps[procedure.id]:
            assert 'name="due"' in tasks[task] or procedure.forms[task].due, (procedure.id, task)


def _dated_row(client, section: str, name: str) -> tuple[int, int]:
    """(open dated tasks, overdue) of one organization in a dashboard section; (0, 0) when not listed."""
    body = client.get("/dashboard").get_data(as_text=True)
    part = body[body.index(f'id="dated-{section}"'):]
    part = part[:part.index("</section>")]
    row = re.search(rf"<tr><td[^>]*>{re.escape(name)}</td><td[^>]*>(\d+)</td><td[^>]*>(\d+)</td>", part)
    return (int(row.group(1)), int(row.group(2))) if row else (0, 0)


def test_a_joint_operation_to_hold_is_on_deadlines_and_the_dashboard(client, session_factory, clock):
    """Issue 10 §10: 实施联合执法 is due at the end of the plan's day (浙江条例 第14条), listed and counted."""
    with session_factory() as s:
        qh = s.scalars(select(Organization.id).where(Organization.short_name == "青罕镇")).one()
        nyj = s.scalars(select(Organization.id).where(Organization.name == "故城县农业农村局")).one()
    login(client, "qh_officer1")
    before = _dated_row(client, "towns", "青罕镇")
    started = client.post("/procedures/joint_enforcement", data={
        "csrf_token": csrf_of(client, "/procedures/joint_enforcement"), "initiator_org_id": qh, "title": "集市整治",
        "plan": "联合检查集市", "planned_on": "2026-03-20", "participant_ids": [nyj]})
    assert started.status_code == 302, started.get_data(as_text=True)[:2000]
    with session_factory() as s:
        confirm = s.scalars(select(HumanTask).where(HumanTask.task_spec_name == "confirm_department",
                                                    HumanTask.organization_id == nyj)).one()
    _act(client, session_factory, confirm.instance_id, "confirm_department", "nyj_officer", {"joins": "true"})
    with session_factory() as s:
        hold = s.scalars(select(HumanTask).where(HumanTask.instance_id == confirm.instance_id,
                                                 HumanTask.task_spec_name == "hold_township")).one()
    assert hold.organization_id == qh and hold.due_at.date().isoformat() == "2026-03-20"  # 23:59 Shanghai = 15:59 UTC
    login(client, "qh_officer1")
    page = client.get("/deadlines").get_data(as_text=True)
    listed = page[page.index('id="task-deadlines"'):]
    assert f'href="/instances/{hold.instance_id}"' in listed and "实施联合执法" in listed
    assert "2026-03-20 23:59" in listed
    assert _dated_row(client, "towns", "青罕镇") == (before[0] + 1, before[1])
    clock.advance(timedelta(days=30))  # the planned day has passed: the same task counts as overdue
    assert _dated_row(client, "towns", "青罕镇")[1] >= before[1] + 1
