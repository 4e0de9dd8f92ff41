"""待办 is found, not typed: a count in the header and on the home page; after a task, what comes next."""

from __future__ import annotations

import re
from datetime import timedelta

from sqlalchemy import select

from models import HumanTask, Membership, Organization, Role, User
from tests.support.webapp import csrf_of, login
from tests.web.test_procedures_web import IN_FORCE_STEPS, _open_task, _start
from workflows.sample.gucheng import DEMO_USERS

COUNT_RE = re.compile(r'class="todo">[^<]*<span class="count[^"]*">(\d+)</span>')


def _header_count(client) -> int:
    match = COUNT_RE.search(client.get("/").get_data(as_text=True))
    assert match, "no 待办 count in the header"
    return int(match.group(1))


def _open_for(session_factory, username: str) -> set[int]:
    with session_factory() as s:
        pairs = s.execute(select(Membership.organization_id, Membership.role).join(User)
                          .where(User.username == username)).all()
        tasks = s.scalars(select(HumanTask).where(HumanTask.state.in_(("ready", "claimed")))).all()
    return {t.id for t in tasks if (t.organization_id, t.role) in {(o, r.value) for o, r in pairs}}


def test_every_demo_role_sees_the_inbox_link_and_its_count_on_every_page(client, session_factory):
    _start(client, session_factory)  # one open task for 郑口镇's leader
    for username, *_ in DEMO_USERS:
        login(client, username)
        expected = _open_for(session_factory, username)
        home = client.get("/").get_data(as_text=True)
        assert 'href="/tasks"' in home and "我的待办" in home, username
        assert _header_count(client) == len(expected), username
        catalogue = client.get("/catalogue/").get_data(as_text=True)
        assert 'href="/tasks"' in catalogue, f"{username}: 待办 missing from the header of other pages"
        inbox = client.get("/tasks").get_data(as_text=True)
        assert {int(i) for i in re.findall(r'href="/tasks/(\d+)"', inbox)} == expected, username
        # The unfiltered inbox's total is the badge; a filtered one still shows every open task in the badge.
        for page in (inbox, client.get("/tasks?due=overdue").get_data(as_text=True)):
            assert int(COUNT_RE.search(page).group(1)) == len(expected), username
    login(client, "zk_leader")
    assert _header_count(client) == 1


def test_after_a_task_a_success_message_and_the_next_task_when_it_is_the_users(client, session_factory):
    # nyj_officer also holds 郑口镇's leader role here, so after signing for the department the
    # township's signature is theirs too and is offered as the next task.
    with session_factory() as s:
        user = s.scalars(select(User).where(User.username == "nyj_officer")).one()
        zk = s.scalars(select(Organization.id).where(Organization.short_name == "郑口镇")).one()
        s.add(Membership(user_id=user.id, organization_id=zk, role=Role.TOWNSHIP_LEADER))
        s.commit()
    started = _start(client, session_factory)
    iid = int(started.headers["Location"].rsplit("/", 1)[1])
    shown = 0
    for name, username, data in IN_FORCE_STEPS:
        login(client, username)
        task_id = _open_task(session_factory, iid, name)
        done = client.post(f"/tasks/{task_id}/complete", follow_redirects=True,
                           data={"csrf_token": csrf_of(client, f"/tasks/{task_id}"), **data})
        page = done.get_data(as_text=True)
        assert done.status_code == 200 and 'class="flash success">已提交：' in page, name
        mine = sorted(_open_for(session_factory, username) & _instance_tasks(session_factory, iid))
        if mine:
            assert f'class="flash next"><a href="/tasks/{mine[0]}">下一项任务：' in page, name
            shown += 1
        else:
            assert 'class="flash next"' not in page, name
    assert shown, "the walk passes a step after which the same user acts again (sign → publish)"


def _instance_tasks(session_factory, iid: int) -> set[int]:
    with session_factory() as s:
        return set(s.scalars(select(HumanTask.id).where(HumanTask.instance_id == iid)))


def test_every_open_task_with_a_due_date_is_on_its_organizations_deadline_page(client, session_factory, clock):
    """期限提醒 lists the organization's open tasks with due dates (the township's opinion here), overdue marked."""
    started = _start(client, session_factory)
    iid = int(started.headers["Location"].rsplit("/", 1)[1])
    with session_factory() as s:
        task = s.scalars(select(HumanTask).where(HumanTask.instance_id == iid,
                                                 HumanTask.state.in_(("ready", "claimed")))).one()
    assert task.due_at is not None
    login(client, "zk_leader")
    section = client.get("/deadlines").get_data(as_text=True).split('id="task-deadlines"')[1].split("</section>")[0]
    assert f'/instances/{iid}"' in section and task.title.split(" / ")[0] in section
    assert 'class="badge overdue"' not in section
    clock.advance(task.due_at - clock.now() + timedelta(days=1))
    late = client.get("/deadlines").get_data(as_text=True).split('id="task-deadlines"')[1].split("</section>")[0]
    assert 'class="badge overdue"' in late
    login(client, "qh_leader")  # another township's page does not list it
    other = client.get("/deadlines").get_data(as_text=True).split('id="task-deadlines"')[1].split("</section>")[0]
    assert f'/instances/{iid}"' not in other
