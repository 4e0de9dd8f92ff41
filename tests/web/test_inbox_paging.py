"""The inbox is paged in SQL (a county department can have thousands of open tasks); order and filters hold."""

from __future__ import annotations

import re
import uuid
from datetime import timedelta

import pytest
from sqlalchemy import event, insert, select

from models import HumanTask, Membership, Organization, ProcessInstance, User
from tests.support.webapp import audit_count, login
from tests.web.test_procedures_web import _start
from workflows.accounts.access import principal_for
from workflows.accounts.signin import issue_token

# Ordering, paging and PostgreSQL's refusals of odd input can differ by backend (tests/web/conftest.py).
pytestmark = pytest.mark.both_backends

ROW = re.compile(r'<a href="/tasks/(\d+)">')


def _more_tasks(session_factory, clock, count: int) -> list[int]:
    """Copies of the started instance's open task, due one day apart (the first already overdue)."""
    with session_factory() as s:
        seed = s.execute(select(HumanTask.__table__)).mappings().one()
        s.execute(insert(HumanTask), [{**{k: v for k, v in seed.items() if k != "id"},
                                       "spiff_task_id": str(uuid.uuid4()),
                                       "due_at": clock.now() + timedelta(days=n - 1)} for n in range(count)])
        s.commit()
        return list(s.scalars(select(HumanTask.id).order_by(HumanTask.due_at, HumanTask.id)))


def test_pages_follow_due_order_overdue_first(client, session_factory, clock, monkeypatch):
    monkeypatch.setattr("web.views.tasks.INBOX_PAGE", 2)
    _start(client, session_factory)
    in_order = _more_tasks(session_factory, clock, 4)  # five open tasks in all
    login(client, "zk_leader")
    first = client.get("/tasks").get_data(as_text=True)
    assert [int(i) for i in ROW.findall(first)] == in_order[:2]
    assert "1 / 3" in first and 'href="/tasks?page=2"' in first
    third = client.get("/tasks?page=3").get_data(as_text=True)
    assert [int(i) for i in ROW.findall(third)] == in_order[4:]
    # The township filter offers only the townships the open tasks concern (here 郑口镇), not all of them.
    towns = re.search(r'<select name="township_id">(.*?)</select>', first, re.S).group(1)
    assert re.findall(r'<option value="\d+"[^>]*>([^<]+)</option>', towns) == ["郑口镇"]
    overdue = client.get("/tasks?due=overdue").get_data(as_text=True)
    assert [int(i) for i in ROW.findall(overdue)] == in_order[:1]


def test_a_bad_page_number_is_a_clear_error_and_writes_nothing(client, session_factory):
    login(client, "zk_leader")
    before = audit_count(session_factory)
    for bad in ("0", "-1", "abc"):
        response = client.get(f"/tasks?page={bad}")
        assert response.status_code == 422, bad
        body = response.get_data(as_text=True)
        assert 'class="errors"' in body and "页码" in body and not ROW.search(body)  # its label, not its key
    assert audit_count(session_factory) == before


def test_api_inbox_is_paged_in_due_order_with_its_facts(client, session_factory, clock):
    _start(client, session_factory)
    in_order = _more_tasks(session_factory, clock, 4)
    with session_factory() as s:
        user = s.scalars(select(User).where(User.username == "zk_leader")).one()
        _, secret = issue_token(s, principal_for(s, user), user.id, "paging", clock.now())
    auth = {"Authorization": f"Bearer {secret}"}
    first = client.get("/api/v1/tasks?page_size=2", headers=auth).json
    assert first["meta"] == {"page": 1, "page_size": 2, "total": 5, "pages": 3}
    assert [r["task"]["id"] for r in first["items"]] == in_order[:2] and first["items"][0]["overdue"]
    third = client.get("/api/v1/tasks?page_size=2&page=3", headers=auth).json
    assert [r["task"]["id"] for r in third["items"]] == in_order[4:]
    for bad in ("page=0", "page_size=0", "page_size=100000", "page=x"):
        response = client.get(f"/api/v1/tasks?{bad}", headers=auth)
        assert response.status_code == 422 and bad.split("=")[0] in response.json["errors"], bad


def _department_tasks(session_factory, towns: list[str]) -> dict[str, list[int]]:
    """For each named township, an instance there with an open task for the department's officer."""
    with session_factory() as s:
        seed_i = dict(s.execute(select(ProcessInstance.__table__)).mappings().one())
        seed_t = dict(s.execute(select(HumanTask.__table__)).mappings().one())
        officer = s.scalars(select(User).where(User.username == "nyj_officer")).one()
        org, role = s.execute(select(Membership.organization_id, Membership.role)
                              .where(Membership.user_id == officer.id)).first()
        made: dict[str, list[int]] = {}
        for n, town in enumerate(towns):
            town_id = s.scalars(select(Organization.id).where(Organization.short_name == town)).one()
            iid = s.execute(insert(ProcessInstance).values(
                {**{k: v for k, v in seed_i.items() if k != "id"}, "township_id": town_id,
                 "business_key": f"dept-{n}"}).returning(ProcessInstance.id)).scalar_one()
            tid = s.execute(insert(HumanTask).values(
                {**{k: v for k, v in seed_t.items() if k != "id"}, "instance_id": iid, "organization_id": org,
                 "role": getattr(role, "value", role), "spiff_task_id": str(uuid.uuid4())})
                .returning(HumanTask.id)).scalar_one()
            made.setdefault(town, []).append(tid)
        s.commit()
        return made


def test_department_inbox_lists_each_township_of_its_tasks_once(client, session_factory):
    """The township filter of a department's inbox: the townships its open tasks concern, each once, in id
    order; choosing one shows only its tasks and keeps it selected."""
    _start(client, session_factory)
    made = _department_tasks(session_factory, ["青罕镇", "郑口镇", "青罕镇", "建国镇"])
    with session_factory() as s:
        ids = dict(s.execute(select(Organization.short_name, Organization.id)
                             .where(Organization.short_name.in_(made))).all())
    login(client, "nyj_officer")
    page = client.get("/tasks").get_data(as_text=True)
    towns = re.search(r'<select name="township_id">(.*?)</select>', page, re.S).group(1)
    listed = re.findall(r'<option value="(\d+)">([^<]+)</option>', towns)
    assert listed == sorted(((str(ids[t]), t) for t in made), key=lambda pair: int(pair[0]))
    assert set(made["青罕镇"]) <= {int(i) for i in ROW.findall(page)}
    chosen = client.get(f"/tasks?township_id={ids['青罕镇']}").get_data(as_text=True)
    assert sorted(int(i) for i in ROW.findall(chosen)) == sorted(made["青罕镇"])
    assert f'<option value="{ids["青罕镇"]}" selected>青罕镇</option>' in chosen


def test_department_inbox_townships_come_from_indexes_on_sqlite(client, session_factory):
    """Without statistics SQLite would read each instance's row (a page of engine state) for its township;
    the statement names the covering index and reads no task or instance row."""
    engine = session_factory.kw["bind"]
    if engine.dialect.name != "sqlite":
        pytest.skip("SQLite's planner; PostgreSQL plans from its statistics")
    _start(client, session_factory)
    _department_tasks(session_factory, ["青罕镇", "郑口镇"])
    seen = []
    listener = lambda _c, _cur, statement, params, *_: seen.append((statement, params))  # noqa: E731
    event.listen(engine, "before_cursor_execute", listener)
    try:
        login(client, "nyj_officer")
        client.get("/tasks")
    finally:
        event.remove(engine, "before_cursor_execute", listener)
    statement, params = next((st, p) for st, p in seen if "SELECT DISTINCT process_instances.township_id" in st)
    with engine.connect() as conn:
        plan = " | ".join(row[3] for row in conn.exec_driver_sql("EXPLAIN QUERY PLAN " + statement, params))
    assert "COVERING INDEX ix_process_instances_township_of" in plan, plan
    assert "COVERING INDEX ix_human_task_inbox" in plan, plan
