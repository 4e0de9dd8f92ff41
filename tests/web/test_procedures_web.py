"""Procedures through the pages: start an entrustment, inbox, task forms, instance, documents."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from models import Delegation, HumanTask, Organization, ProcessInstance
from tests.support.webapp import audit_count, csrf_of, login

ITEMS = ["ILLUS-JC-NYNC-01"]  # coercion is never entrusted (行政强制法 第17条)
LETTER = {"authority": "在本镇行政区域内实施所列行政检查",
          "responsibilities": "乡镇按委托书实施；", "supervision": "县农业农村局每季度检查案卷。"}


def _org_id(session_factory, short: str) -> int:
    with session_factory() as s:
        return s.scalars(select(Organization.id).where(Organization.short_name == short)).one()


def _start(client, session_factory, term=("2026-03-02", "2026-12-31"), items=ITEMS, sign_in=True):
    if sign_in:
        login(client, "nyj_officer")
    form = client.get("/procedures/entrustment").get_data(as_text=True)
    department_id = re.search(r'name="department_id"><option value="(\d+)"', form).group(1)
    data = {"csrf_token": csrf_of(client, "/procedures/entrustment"), "department_id": department_id,
            "township_id": _org_id(session_factory, "郑口镇"), "item_codes": items,
            "term_start": term[0], "term_end": term[1], **LETTER}
    return client.post("/procedures/entrustment", data=data)


def _open_task(session_factory, instance_id: int, name: str) -> int:
    with session_factory() as s:
        return s.scalars(select(HumanTask.id).where(
            HumanTask.instance_id == instance_id, HumanTask.task_spec_name == name,
            HumanTask.state.in_(("ready", "claimed")))).one()


def _act(client, session_factory, instance_id, name, username, data):
    client.get("/login")  # any page; then sign in as the actor
    login(client, username)
    task_id = _open_task(session_factory, instance_id, name)
    inbox = client.get("/tasks").get_data(as_text=True)
    assert f"/tasks/{task_id}" in inbox, f"{name} not in {username}'s inbox"
    response = client.post(f"/tasks/{task_id}/complete",
                           data={"csrf_token": csrf_of(client, f"/tasks/{task_id}"), **data})
    assert response.status_code == 302, response.get_data(as_text=True)[:3000]
    return response


def test_start_form_shows_every_error_at_once_and_writes_nothing(client, session_factory):
    login(client, "nyj_officer")
    before = audit_count(session_factory)
    response = client.post("/procedures/entrustment", data={
        "csrf_token": csrf_of(client, "/procedures/entrustment"), "term_start": "2026-02-30"})
    body = response.get_data(as_text=True)
    assert response.status_code == 422
    for field in ("department_id", "township_id", "item_codes", "authority", "term_start", "term_end",
                  "responsibilities", "supervision"):
        assert f'id="err-{field}"' in body, field
    assert audit_count(session_factory) == before


def test_an_entrustment_ending_before_it_starts_is_refused_article_20(client, session_factory):
    """行政处罚法 第20条: the letter states a valid 期限; nothing starts otherwise."""
    login(client, "nyj_officer")
    before = audit_count(session_factory)
    response = _start(client, session_factory, term=("2026-12-31", "2026-03-02"), sign_in=False)
    assert response.status_code == 422
    with session_factory() as s:
        assert s.scalar(select(func.count(ProcessInstance.id))) == 0
    assert audit_count(session_factory) == before


def test_entrustment_through_the_pages_return_once_then_in_force(client, session_factory, clock, app):
    started = _start(client, session_factory)
    assert started.status_code == 302, started.get_data(as_text=True)[:3000]
    iid = int(started.headers["Location"].rsplit("/", 1)[1])
    page = client.get(f"/instances/{iid}").get_data(as_text=True)
    assert f"/instances/{iid}/diagram.bpmn" in page and '<li class="step state-active"' in page

    _act(client, session_factory, iid, "township_opinion", "zk_leader", {"agrees": "true"})
    # A task form with bad values shows every error at once and changes nothing.
    login(client, "reviewer")
    review = _open_task(session_factory, iid, "legal_review")
    before = audit_count(session_factory)
    bad = client.post(f"/tasks/{review}/complete", data={"csrf_token": csrf_of(client, f"/tasks/{review}"),
                                                         "review_decision": "maybe"})
    assert bad.status_code == 422
    assert 'id="err-review_decision"' in bad.get_data(as_text=True)
    assert 'id="err-review_opinion"' in bad.get_data(as_text=True)
    assert audit_count(session_factory) == before

    _act(client, session_factory, iid, "legal_review", "reviewer",
         {"review_decision": "return", "review_opinion": "期限过长"})
    _act(client, session_factory, iid, "revise_letter", "nyj_officer",
         {"term_end": "2026-10-31", "revision_note": "缩短期限"})
    _act(client, session_factory, iid, "legal_review", "reviewer",
         {"review_decision": "approve", "review_opinion": "合法"})
    _act(client, session_factory, iid, "county_approval", "approver", {"county_decision": "approve"})
    _act(client, session_factory, iid, "sign_department", "nyj_officer",
         {"department_signed_on": "2026-03-02", "department_signatory": "李局长"})
    _act(client, session_factory, iid, "sign_township", "zk_leader",
         {"township_signed_on": "2026-03-02", "township_signatory": "刘镇长"})
    _act(client, session_factory, iid, "publish_department", "nyj_officer",
         {"department_published_on": "2026-03-02", "department_publication_channel": "县农业农村局网站"})
    _act(client, session_factory, iid, "publish_township", "zk_leader",
         {"township_published_on": "2026-03-02", "township_publication_channel": "郑口镇政务公开栏"})

    engine = app.extensions["quanze"].workflow_engine()
    with session_factory() as s:
        from workflows.tasks import processes

        clock.advance(timedelta(hours=1))
        processes.wake_due_instances(s, engine, clock.now())
        s.commit()
        rows = s.scalars(select(Delegation).where(Delegation.instance_id == iid)).all()
    assert len(rows) == len(ITEMS)

    page = client.get(f"/instances/{iid}").get_data(as_text=True)
    doc_ids = re.findall(r'/documents/(\d+)"', page)
    assert doc_ids
    docx = client.get(f"/documents/{doc_ids[0]}")
    assert docx.status_code == 200 and docx.headers["X-Content-SHA256"]

    # Another township's officer cannot open the case or its documents.
    login(client, "qh_officer1")
    assert client.get(f"/instances/{iid}").status_code == 404
    assert client.get(f"/documents/{doc_ids[0]}").status_code == 404


@pytest.mark.parametrize("username", ["qh_leader", "cgj_officer"])
def test_a_user_outside_the_case_cannot_act_on_its_tasks(client, session_factory, username):
    started = _start(client, session_factory)
    iid = int(started.headers["Location"].rsplit("/", 1)[1])
    task_id = _open_task(session_factory, iid, "township_opinion")
    login(client, username)
    token = csrf_of(client, "/")
    before = audit_count(session_factory)
    assert client.get(f"/tasks/{task_id}").status_code == 404
    assert client.post(f"/tasks/{task_id}/complete", data={"csrf_token": token, "agrees": "true"}).status_code == 404
    assert client.post(f"/tasks/{task_id}/claim", data={"csrf_token": token}).status_code == 404
    assert audit_count(session_factory) == before


def _bearer(client, username: str) -> dict:
    login(client, username)
    page = client.post("/account/tokens", data={"csrf_token": csrf_of(client, "/account/tokens"),
                                                "name": "api"})
    secret = page.get_data(as_text=True).split('id="new-token">')[1].split("<")[0]
    return {"Authorization": f"Bearer {secret}"}


def test_procedure_api_start_inbox_complete_and_scope(app, session_factory):
    client = app.test_client()
    county, town, other = _bearer(client, "nyj_officer"), _bearer(client, "zk_leader"), _bearer(client, "qh_officer1")
    with session_factory() as s:
        from models import Organization as Org

        nyj = s.scalars(select(Org.id).where(Org.name == "故城县农业农村局")).one()
    before = audit_count(session_factory)
    bad = client.post("/api/v1/procedures/entrustment", headers=county,
                      json={"department_id": "x", "item_codes": "ILLUS", "term_start": "soon"})
    assert bad.status_code == 422
    assert {"department_id", "township_id", "item_codes", "term_start", "authority"} <= set(bad.json["errors"])
    assert audit_count(session_factory) == before

    body = {"department_id": nyj, "township_id": _org_id(session_factory, "郑口镇"), "item_codes": ITEMS,
            "term_start": "2026-03-02", "term_end": "2026-12-31", **LETTER}
    started = client.post("/api/v1/procedures/entrustment", headers=county, json=body)
    assert started.status_code == 201, started.json
    iid = started.json["id"]

    inbox = client.get("/api/v1/tasks?process_id=entrustment", headers=town).json
    assert inbox["meta"] == {"page": 1, "page_size": 50, "total": len(inbox["items"]), "pages": 1}
    task_id = next(r["task"]["id"] for r in inbox["items"] if r["task"]["instance_id"] == iid)
    before = audit_count(session_factory)
    wrong = client.post(f"/api/v1/tasks/{task_id}/complete", headers=town,
                        json={"data": {"agrees": "perhaps", "nonsense": 1}})
    assert wrong.status_code == 422 and {"agrees", "nonsense"} <= set(wrong.json["errors"])
    assert audit_count(session_factory) == before
    assert client.post(f"/api/v1/tasks/{task_id}/complete", headers=other,
                       json={"data": {"agrees": True}}).status_code == 404
    assert client.get(f"/api/v1/instances/{iid}", headers=other).status_code == 404
    done = client.post(f"/api/v1/tasks/{task_id}/complete", headers=town, json={"data": {"agrees": True}})
    assert done.status_code == 200 and done.json["id"] == iid
    again = client.post(f"/api/v1/tasks/{task_id}/complete", headers=town, json={"data": {"agrees": True}})
    assert again.status_code == 409


def test_grant_proposal_starts_one_instance_per_township_article_24(client, session_factory):
    """行政处罚法 第24条 practice (一镇一清单): one grant instance per township."""
    login(client, "cgj_officer")
    form = client.get("/procedures/grant").get_data(as_text=True)
    department_id = re.search(r'name="department_id"><option value="(\d+)"', form).group(1)
    token = csrf_of(client, "/procedures/grant")
    before = audit_count(session_factory)
    empty = client.post("/procedures/grant", data={"csrf_token": token, "department_id": department_id,
                                                   "item_codes": ["ILLUS-QZ-CGZF-01"]})
    assert empty.status_code == 422 and 'id="err-township_ids"' in empty.get_data(as_text=True)
    assert audit_count(session_factory) == before
    towns = [_org_id(session_factory, "郑口镇"), _org_id(session_factory, "青罕镇")]
    started = client.post("/procedures/grant", data={"csrf_token": token, "department_id": department_id,
                                                     "township_ids": towns, "item_codes": ["ILLUS-QZ-CGZF-01"],
                                                     "note": "试点"})
    assert started.status_code == 302, started.get_data(as_text=True)[:2000]
    with session_factory() as s:
        rows = s.scalars(select(ProcessInstance).where(ProcessInstance.process_id == "grant")).all()
    assert sorted(r.township_id for r in rows) == sorted(towns)


def test_township_staff_cannot_start_procedures(client):
    login(client, "zk_officer1")
    """Grant and entrustment are county departments' acts: not on a township officer's menu, 403."""
    menu = client.get("/procedures/").get_data(as_text=True)
    assert "/procedures/entrustment" not in menu and "/procedures/grant" not in menu
    assert client.get("/procedures/entrustment").status_code == 403


def test_starting_for_another_department_is_403_and_writes_nothing(client, session_factory):
    login(client, "cgj_officer")
    with session_factory() as s:
        nyj = s.scalars(select(Organization.id).where(Organization.name == "故城县农业农村局")).one()
    token = csrf_of(client, "/procedures/entrustment")
    before = audit_count(session_factory)
    response = client.post("/procedures/entrustment", data={
        "csrf_token": token, "department_id": nyj, "township_id": _org_id(session_factory, "郑口镇"),
        "item_codes": ITEMS, "term_start": "2026-03-02", "term_end": "2026-12-31", **LETTER})
    assert response.status_code == 403
    assert audit_count(session_factory) == before


def test_inbox_filters_by_township_and_due_window_and_flags_overdue(client, session_factory, clock):
    started = _start(client, session_factory)
    iid = int(started.headers["Location"].rsplit("/", 1)[1])
    task_id = _open_task(session_factory, iid, "township_opinion")
    login(client, "zk_leader")
    link = f"/tasks/{task_id}"
    assert link in client.get("/tasks?process_id=entrustment").get_data(as_text=True)
    assert link not in client.get(f"/tasks?township_id={_org_id(session_factory, '青罕镇')}").get_data(as_text=True)
    assert link not in client.get("/tasks?due=overdue").get_data(as_text=True)
    assert client.get("/tasks?due=someday").status_code == 422
    clock.advance(timedelta(days=30))
    overdue = client.get("/tasks?due=overdue").get_data(as_text=True)
    assert link in overdue and 'class="badge overdue"' in overdue


# The entrustment from the township's opinion to both publications, by whom and with what.
IN_FORCE_STEPS = [("township_opinion", "zk_leader", {"agrees": "true"}),
    ("legal_review", "reviewer", {"review_decision": "approve", "review_opinion": "合法"}),
    ("county_approval", "approver", {"county_decision": "approve"}),
    ("sign_department", "nyj_officer", {"department_signed_on": "2026-03-02", "department_signatory": "李"}),
    ("sign_township", "zk_leader", {"township_signed_on": "2026-03-02", "township_signatory": "刘"}),
    ("publish_department", "nyj_officer", {"department_published_on": "2026-03-02",
                                           "department_publication_channel": "网站"}),
    ("publish_township", "zk_leader", {"township_published_on": "2026-03-02",
                                       "township_publication_channel": "公开栏"})]


def _in_force(client, session_factory, app, clock) -> int:
    started = _start(client, session_factory)
    iid = int(started.headers["Location"].rsplit("/", 1)[1])
    for name, user, data in IN_FORCE_STEPS:
        _act(client, session_factory, iid, name, user, data)
    return iid


def test_department_revokes_an_entrustment_with_reasons_article_20(client, session_factory, app, clock):
    """第20条: the entrusting department supervises and may revoke; reasons are required."""
    iid = _in_force(client, session_factory, app, clock)
    login(client, "nyj_officer")
    token = csrf_of(client, f"/instances/{iid}")
    assert "撤销委托" in client.get(f"/instances/{iid}").get_data(as_text=True)
    before = audit_count(session_factory)
    missing = client.post(f"/instances/{iid}/revoke", data={"csrf_token": token, "revoke_on": "2026-02-30"})
    body = missing.get_data(as_text=True)
    assert missing.status_code == 422 and 'id="err-reason"' in body and 'id="err-revoke_on"' in body
    assert audit_count(session_factory) == before
    ok = client.post(f"/instances/{iid}/revoke", data={"csrf_token": token, "revoke_on": "2026-03-10",
                                                       "reason": "乡镇执法力量不足"})
    assert ok.status_code == 302
    login(client, "zk_leader")
    assert client.post(f"/instances/{iid}/revoke", data={"csrf_token": csrf_of(client, "/"),
                                                         "revoke_on": "2026-03-10", "reason": "x"}).status_code == 403
