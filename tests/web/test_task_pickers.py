"""Task forms pick people and organizations by name (issue 10 §4): the select lists what the task
offers, in the page's language, never an id; a value it does not offer is refused, nothing written."""

from __future__ import annotations

import re

from sqlalchemy import select

from models import Case, Organization, OrgKind, PartyKind, PowerItem, ProcessInstance, User
from tests.support.webapp import audit_count, csrf_of, login
from tests.web.test_names import INVESTIGATE, NOTICE
from tests.web.test_oracles import _case_of, _token
from tests.web.test_procedures_web import _act, _open_task
from workflows.procedures.case_transfer.steps import transfer_case
from workflows.procedures.work_order.steps import receive_work_order


def _options(html: str, name: str) -> list[tuple[str, str]]:
    """(value, text) of each option of the task form's select of that field."""
    found = re.search(rf'<select id="f-{name}" name="{name}"[^>]*>(.*?)</select>', html, re.S).group(1)
    return [(v, t) for v, t in re.findall(r'<option value="([^"]*)"[^>]*>([^<]*)</option>', found) if v]


def _selected(html: str, name: str) -> list[str]:
    found = re.search(rf'<select id="f-{name}" name="{name}"[^>]*>(.*?)</select>', html, re.S).group(1)
    return re.findall(r'<option value="([^"]*)"[^>]*selected', found)


def _page(client, task_id: int, lang: str) -> str:
    client.get(f"/lang/{lang}?next=/")
    return client.get(f"/tasks/{task_id}").get_data(as_text=True)


def _defend_task(app, client, session_factory) -> tuple[int, int]:
    """郑口镇's case noticed, its defend task open; returns (instance id, task id)."""
    case_id = _case_of(app, session_factory, "郑口镇", "郑口罚〔2026〕95号")
    with session_factory() as s:
        instance_id = s.get(Case, case_id).instance_id
    _act(client, session_factory, instance_id, "investigate", "zk_officer1", INVESTIGATE)
    _act(client, session_factory, instance_id, "notify", "zk_officer1", NOTICE)
    return instance_id, _open_task(session_factory, instance_id, "defend")


def _users(session_factory, *names) -> dict[str, User]:
    with session_factory() as s:
        found = {u.username: u for u in s.scalars(select(User).where(User.username.in_(names)))}
        s.expunge_all()
        return found


def test_the_chair_is_picked_by_name_and_organ_in_both_languages(app, client, session_factory):
    """行政处罚法 第64条第四项: people of the handling organ who did not investigate, shown by name, never by id."""
    _, task_id = _defend_task(app, client, session_factory)
    people = _users(session_factory, "zk_leader", "zk_officer1", "qh_leader")
    login(client, "zk_officer2")
    chinese = _options(_page(client, task_id, "zh_CN"), "hearing_chair_id")
    assert (str(people["zk_leader"].id), "郑口镇 刘镇长（故城县郑口镇人民政府）") in chinese
    ids = {v for v, _ in chinese}
    assert str(people["zk_officer1"].id) not in ids and str(people["qh_leader"].id) not in ids
    assert all(not re.search(r"\d", text) for _, text in chinese)  # names only: no id in what people read
    english = _page(client, task_id, "en")
    assert (str(people["zk_leader"].id), "郑口镇 刘镇长 (Zhengkou Town)") in _options(english, "hearing_chair_id")
    assert f'<option value="{people["zk_leader"].id}" lang="zh-CN"' in english  # the Chinese name marked as such


def test_a_chair_not_offered_is_refused_on_the_form_with_nothing_written(app, client, session_factory):
    instance_id, task_id = _defend_task(app, client, session_factory)
    other = _users(session_factory, "qh_leader")["qh_leader"]
    login(client, "zk_officer2")
    form = {"defence_statement": "", "defence_answer": "", "defence_waived": "false", "hearing_requested": "true",
            "hearing_on": "2026-03-12", "hearing_place": "郑口镇政府会议室", "hearing_chair_id": str(other.id)}
    before = audit_count(session_factory)
    for lang, message in (("zh_CN", "不在可选范围内，请从列表中选择"), ("en", "not one of the choices offered")):
        client.get(f"/lang/{lang}?next=/")
        response = client.post(f"/tasks/{task_id}/complete",
                               data={"csrf_token": csrf_of(client, f"/tasks/{task_id}"), **form})
        page = response.get_data(as_text=True)
        assert response.status_code == 422
        assert message in re.search(r'<ul class="field-errors" id="err-hearing_chair_id">.*?</ul>', page, re.S).group(0)
    assert audit_count(session_factory) == before and _open_task(session_factory, instance_id, "defend") == task_id


def _work_order(app, session_factory) -> int:
    """A ticket 郑口镇 took in; returns its instance id."""
    engine = app.extensions["quanze"].workflow_engine()
    with session_factory() as s:
        user = s.scalars(select(User).where(User.username == "zk_officer1")).one()
        town = s.scalars(select(Organization).where(Organization.short_name == "郑口镇",
                                                    Organization.kind == OrgKind.TOWNSHIP)).one()
        s.commit()
        return receive_work_order(s, engine, user, town.id, "complaint", "general", "门口占道").instance_id


def _organs(session_factory, township: str) -> dict[int, Organization]:
    with session_factory() as s:
        town = s.scalars(select(Organization).where(Organization.short_name == township,
                                                    Organization.kind == OrgKind.TOWNSHIP)).one()
        rows = {o.id: o for o in s.scalars(select(Organization).where(
            Organization.township_id == town.id, Organization.kind == OrgKind.TOWNSHIP_ORGAN))}
        s.expunge_all()
        return rows


def test_dispatch_lists_the_townships_organs_by_name_and_preselects_them_again(app, client, session_factory):
    """派单目录 (北京接诉即办条例 第11–12条): 郑口镇's organs and the county platform, English names in English."""
    instance_id = _work_order(app, session_factory)
    task_id = _open_task(session_factory, instance_id, "dispatch")
    zk, qh = _organs(session_factory, "郑口镇"), _organs(session_factory, "青罕镇")
    login(client, "zk_officer1")
    chinese = dict(_options(_page(client, task_id, "zh_CN"), "assigned_org_id"))
    assert {str(i) for i in zk} < set(chinese) and not {str(i) for i in qh} & set(chinese)
    assert all(chinese[str(i)] == o.name for i, o in zk.items())
    english = dict(_options(_page(client, task_id, "en"), "assigned_org_id"))
    assert all(english[str(i)] == (o.name_en or o.name) for i, o in zk.items())
    assert any(o.name_en for o in zk.values())
    team = next(i for i, o in zk.items() if o.name.endswith("综合行政执法队"))
    _act(client, session_factory, instance_id, "dispatch", "zk_officer1", {"assigned_org_id": str(team)})
    with session_factory() as s:  # the team objects: the ticket comes back, its last organ still chosen
        member = s.scalars(select(User.username).join(User.memberships).where(
            User.memberships.any(organization_id=team))).first()
    _act(client, session_factory, instance_id, "handle_township", member,
         {"outcome": "object", "objection_reason": "不属于本队职责"})
    again = _page(client, _open_task(session_factory, instance_id, "dispatch"), "zh_CN")
    assert _selected(again, "assigned_org_id") == [str(team)]
    decisions = re.search(r'<section class="card" id="decisions">.*?</section>', again, re.S).group(0)
    assert f"<dd>{zk[team].name}</dd>" in decisions and f"<dd>{team}</dd>" not in decisions


def test_the_api_task_description_lists_the_choices(app, client, session_factory, clock):
    """GET /api/v1/tasks/{id}: each pick field carries its options (id and names) and the schema's enum."""
    instance_id = _work_order(app, session_factory)
    task_id = _open_task(session_factory, instance_id, "dispatch")
    zk = _organs(session_factory, "郑口镇")
    body = client.get(f"/api/v1/tasks/{task_id}", headers=_token(session_factory, clock, "zk_officer1")).get_json()
    field = next(f for f in body["form"]["fields"] if f["name"] == "assigned_org_id")
    assert field["type"] == "organization" and field["source"] == "dispatch_organs"
    named = {o["id"]: o for o in field["options"]}
    assert set(zk) < set(named) and all(named[i]["name"] == o.name and named[i]["name_en"] == o.name_en
                                        for i, o in zk.items())
    assert body["form_schema"]["properties"]["assigned_org_id"]["enum"] == [o["id"] for o in field["options"]]
    note = next(f for f in body["form"]["fields"] if f["name"] == "dispatch_note")
    assert "options" not in note and note["source"] is None
    other = next(iter(_organs(session_factory, "青罕镇")))
    headers = _token(session_factory, clock, "zk_officer1") | {"Accept-Language": "en"}
    before = audit_count(session_factory)  # (a token's issue is audited: taken first)
    refused = client.post(f"/api/v1/tasks/{task_id}/complete", json={"data": {"assigned_org_id": other}},
                          headers=headers)
    assert refused.status_code == 422 and "11–12" in refused.get_json()["article"]  # the dispatch rule, cited
    refused = client.post(f"/api/v1/tasks/{task_id}/complete", json={"data": {"assigned_org_id": 10**6}},
                          headers=headers)
    assert refused.get_json()["errors"] == {"assigned_org_id": ["not one of the choices offered: pick from the list"]}
    assert audit_count(session_factory) == before


def _objected_transfer(app, client, session_factory, clock) -> int:
    """城管局 transfers a case on an item granted to 郑口镇; the township objects; returns the receiver instance."""
    engine = app.extensions["quanze"].workflow_engine()
    with session_factory() as s:
        item = s.scalars(select(PowerItem).where(PowerItem.code == "ILLUS-CF-CGZF-02")).one()
        cgj = s.scalars(select(Organization).where(Organization.name == "故城县城市管理综合行政执法局")).one()
        zk = s.scalars(select(Organization).where(Organization.short_name == "郑口镇",
                                                  Organization.kind == OrgKind.TOWNSHIP)).one()
        case = Case(case_number="故城管罚〔2026〕77号", item_id=item.id, township_id=zk.id, handling_org_id=cgj.id,
                    enforcement_subject_org_id=cgj.id, responsible_org_id=cgj.id, filed_on=clock.today(),
                    party_name="张某", party_kind=PartyKind.CITIZEN, facts_summary="店外经营",
                    violation_on=clock.today(), created_at=clock.now())
        s.add(case)
        s.commit()
        sender = s.scalars(select(User).where(User.username == "cgj_officer")).one()
        transfer = transfer_case(s, engine, sender, case.id, reason="已赋权郑口镇", materials=[{"title": "笔录"}])
        receiver = s.scalars(select(ProcessInstance.id).where(
            ProcessInstance.business_key == transfer.receiver_key)).one()
    _act(client, session_factory, receiver, "answer_township", "zk_officer1",
         {"answer": "object", "objection_reason": "需专业鉴定"})
    return receiver


def test_the_county_designates_among_named_organs_never_another_townships(app, client, session_factory, clock):
    """行政处罚法 第25条: the sender, the case's township or a county department, by name in either language."""
    receiver = _objected_transfer(app, client, session_factory, clock)
    task_id = _open_task(session_factory, receiver, "designate")
    with session_factory() as s:
        orgs = {o.id: o for o in s.scalars(select(Organization))}
        s.expunge_all()
    login(client, "approver")
    chinese = _options(_page(client, task_id, "zh_CN"), "designated_org_id")
    offered = [orgs[int(v)] for v, _ in chinese]
    assert [o.name for o in offered[:2]] == ["故城县城市管理综合行政执法局", "故城县郑口镇人民政府"]
    assert {o.kind for o in offered} == {OrgKind.COUNTY_DEPARTMENT, OrgKind.TOWNSHIP}
    assert [o.short_name for o in offered if o.kind == OrgKind.TOWNSHIP] == ["郑口镇"]  # no other township
    assert all(text == orgs[int(v)].name for v, text in chinese)
    english = dict(_options(_page(client, task_id, "en"), "designated_org_id"))
    assert all(english[v] == (orgs[int(v)].name_en or orgs[int(v)].name) for v, _ in chinese)
    qh = next(o.id for o in orgs.values() if o.short_name == "青罕镇" and o.kind == OrgKind.TOWNSHIP)
    before = audit_count(session_factory)
    response = client.post(f"/tasks/{task_id}/complete", data={
        "csrf_token": csrf_of(client, f"/tasks/{task_id}"), "designated_org_id": str(qh), "designation_note": "x"})
    assert response.status_code == 422 and "not one of the choices offered" in response.get_data(as_text=True)
    assert audit_count(session_factory) == before
