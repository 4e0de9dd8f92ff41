"""Start pages and API endpoints of every procedure beyond grant and entrustment; cases pages."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from models import (
    Case,
    CaseTransfer,
    Delegation,
    DelegationMode,
    DelegationStatus,
    DutyAccessRequest,
    JointOperation,
    MutualNotification,
    Organization,
    PowerItem,
    ProcessInstance,
    WorkOrder,
)
from tests.support.webapp import audit_count, csrf_of, login

MENU = ("evaluation", "case_filing", "joint_enforcement", "mutual_notification", "work_order", "duty_access")


def _org(session_factory, short: str) -> int:
    with session_factory() as s:
        return s.scalars(select(Organization.id).where(
            (Organization.short_name == short) | (Organization.name == short))).one()


def _granted_code(session_factory, township: str) -> str:
    """An item effectively granted (赋权) to the township in the sample."""
    with session_factory() as s:
        return s.scalars(select(PowerItem.code).join(Delegation, Delegation.item_id == PowerItem.id).where(
            Delegation.township_id == _org(session_factory, township), Delegation.mode == DelegationMode.GRANT,
            Delegation.status == DelegationStatus.EFFECTIVE).order_by(PowerItem.code)).first()


def _count(session_factory, model) -> int:
    with session_factory() as s:
        return s.scalar(select(func.count()).select_from(model))


def _post(client, path: str, data: dict):
    return client.post(path, data={"csrf_token": csrf_of(client, path), **data})


def _officers(client, path: str) -> list[str]:
    return re.findall(r'name="officers" value="([^"]+)"', client.get(path).get_data(as_text=True))


def file_qh_case(client, session_factory, number: str = "青罕罚〔2026〕1号"):
    """青罕镇 files a case on an item granted to it, through the page; returns the response."""
    login(client, "qh_officer1")
    officers = _officers(client, "/procedures/case_filing")
    return _post(client, "/procedures/case_filing", {
        "handling_org_id": _org(session_factory, "青罕镇"), "township_id": _org(session_factory, "青罕镇"),
        "item_code": _granted_code(session_factory, "青罕镇"), "case_number": number, "party_name": "某商户",
        "party_kind": "organization", "facts_summary": "占道经营", "violation_on": "2026-02-20",
        "harm": "false", "officers": officers})


def test_start_menu_lists_only_what_the_role_may_start(as_user):
    """The menu follows the start rules of workflows.procedures.ALL: no tile a user could not use."""
    expect = {"approver": {"evaluation"}, "qh_officer1": {"case_filing", "summary_penalty", "joint_enforcement",
                                                         "mutual_notification", "work_order"},
              "nyj_officer": {"entrustment", "grant", "duty_access", "clue_verification", "case_filing",
                              "summary_penalty",
                              "joint_enforcement", "mutual_notification"}, "reviewer": set()}
    for username, kinds in expect.items():
        client = as_user(username)
        page = client.get("/procedures/").get_data(as_text=True)
        shown = set(re.findall(r'href="/procedures/(\w+)"', page))
        assert shown == kinds, username
        client.get("/logout")


@pytest.mark.parametrize("kind", MENU)
def test_start_pages_refuse_roles_that_may_not_start(as_user, session_factory, kind):
    """A legal reviewer starts nothing: 403 on the page and the API, nothing written."""
    client = as_user("reviewer")
    before = audit_count(session_factory)
    assert client.get(f"/procedures/{kind}").status_code == 403
    assert _post(client, f"/procedures/{kind}", {}).status_code == 403
    assert audit_count(session_factory) == before


def test_case_filing_page_files_and_shows_the_case(client, session_factory):
    """立案 by the township holding the granted item (行政处罚法 第24条), two certified officers (第42条)."""
    response = file_qh_case(client, session_factory)
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "青罕罚〔2026〕1号" in page and "某商户" in page
    assert "郭队员" in page, "the audit trail names the user"  # qh_officer1's display name
    listing = client.get("/cases/").get_data(as_text=True)
    assert "青罕罚〔2026〕1号" in listing


def test_case_filing_with_no_number_takes_the_next_of_the_organs_series(client, session_factory):
    """The page's 案号 may stay blank: the number comes from 青罕镇's sequence, shown on the case."""
    response = file_qh_case(client, session_factory, number="")
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert re.search(r"故青罕罚〔2026〕\d+号", page)


def test_case_filing_refused_names_the_competent_organ_and_writes_nothing(client, session_factory):
    """行政处罚法 第22–24条: 郑口镇 may not file on 青罕镇's territory; the refusal names the competent organ."""
    login(client, "zk_officer1")
    officers = _officers(client, "/procedures/case_filing")
    before, cases = audit_count(session_factory), _count(session_factory, Case)
    response = _post(client, "/procedures/case_filing", {
        "handling_org_id": _org(session_factory, "郑口镇"), "township_id": _org(session_factory, "青罕镇"),
        "item_code": _granted_code(session_factory, "青罕镇"), "case_number": "郑口罚〔2026〕9号",
        "party_name": "某商户", "party_kind": "organization", "facts_summary": "占道经营",
        "violation_on": "2026-02-20", "officers": officers})
    body = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "青罕镇" in body and "无管辖权" in body
    assert (audit_count(session_factory), _count(session_factory, Case)) == (before, cases)


def test_case_filing_page_shows_the_registry_answer(as_user, session_factory):
    client = as_user("qh_officer1")
    code = _granted_code(session_factory, "青罕镇")
    page = client.get(f"/procedures/case_filing?item_code={code}&township_id={_org(session_factory, '青罕镇')}")
    assert "权责清单答复" in page.get_data(as_text=True) and "青罕镇" in page.get_data(as_text=True)


def test_case_filing_shows_every_field_error_at_once(as_user, session_factory):
    client = as_user("qh_officer1")
    before = audit_count(session_factory)
    response = _post(client, "/procedures/case_filing", {"violation_on": "2026-02-31", "party_kind": "alien"})
    body = response.get_data(as_text=True)
    assert response.status_code == 422
    for name in ("handling_org_id", "item_code", "party_name", "party_kind", "violation_on", "officers"):
        assert f'id="err-{name}"' in body, name
    assert 'id="err-case_number"' not in body  # blank: numbered from the organ's sequence
    assert audit_count(session_factory) == before


def test_case_filing_in_another_township_organ_is_forbidden(as_user, session_factory):
    """A township officer files only in the name of their own township."""
    client = as_user("zk_officer1")
    before = audit_count(session_factory)
    response = _post(client, "/procedures/case_filing", {"handling_org_id": _org(session_factory, "青罕镇")})
    assert response.status_code in (403, 422)
    assert audit_count(session_factory) == before


def test_other_township_cannot_open_the_case(client, session_factory):
    response = file_qh_case(client, session_factory)
    case_url = response.headers["Location"]
    client.get("/logout")
    login(client, "zk_officer1")
    assert client.get(case_url).status_code == 404
    assert client.get(case_url + "/case_transfer").status_code == 404
    assert "青罕罚" not in client.get("/cases/").get_data(as_text=True)


def test_case_transfer_page_preselects_the_registry_organ_and_refuses_the_competent_self(client, session_factory):
    """第22–24条: the registry names 青罕镇 itself, so a transfer is refused with the article; nothing written."""
    case_url = file_qh_case(client, session_factory).headers["Location"]
    form = client.get(case_url + "/case_transfer").get_data(as_text=True)
    qh = _org(session_factory, "青罕镇")
    assert f'<option value="{qh}" selected>' in form
    before = (audit_count(session_factory), _count(session_factory, CaseTransfer))
    response = _post(client, case_url + "/case_transfer", {"reason": "非本机关管辖", "materials": "立案审批表,2",
                                                          "receiver_org_id": str(qh)})
    assert response.status_code == 422 and "无需移送" in response.get_data(as_text=True)
    assert (audit_count(session_factory), _count(session_factory, CaseTransfer)) == before


def test_crime_transfer_page_starts_the_procedure(client, session_factory):
    """国务院令第310号 第5条: two officers report the suspected crime to the head."""
    case_url = file_qh_case(client, session_factory).headers["Location"]
    path = case_url + "/crime_transfer"
    officers = _officers(client, path)
    police = re.search(r'name="police_org_id"><option value="(\d+)"', client.get(path).get_data(as_text=True))
    response = _post(client, path, {"report": "涉案金额较大，涉嫌犯罪", "police_org_id": police.group(1),
                                    "officers": officers})
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    assert "/instances/" in response.headers["Location"]
    bad = _post(client, path, {"report": "", "police_org_id": "x"})
    assert bad.status_code == 422


def test_other_pages_start_their_procedures(client, session_factory):
    """Work order, mutual notification, joint enforcement and duty access each start one instance."""
    qh, zk = _org(session_factory, "青罕镇"), _org(session_factory, "郑口镇")
    nyj = _org(session_factory, "故城县农业农村局")
    login(client, "qh_officer1")
    cases = [("/procedures/work_order", WorkOrder, {"township_id": qh, "source": "complaint",
                                                     "urgency": "general", "description": "噪声扰民"}),
             ("/procedures/mutual_notification", MutualNotification, {
                 "sender_org_id": qh, "recipient_org_id": nyj, "kind": "penalty", "subject": "处罚决定告知",
                 "summary": "对某商户作出罚款决定", "major": "false"}),
             ("/procedures/joint_enforcement", JointOperation, {
                 "initiator_org_id": qh, "title": "集市整治", "plan": "联合检查集市", "planned_on": "2026-03-20",
                 "participant_ids": [nyj]})]
    for path, model, data in cases:
        before = _count(session_factory, model)
        response = _post(client, path, data)
        assert response.status_code == 302, (path, response.get_data(as_text=True)[:2000])
        assert _count(session_factory, model) == before + 1
    client.get("/logout")
    login(client, "nyj_officer")
    response = _post(client, "/procedures/duty_access", {
        "department_id": nyj, "title": "农机安全检查", "description": "乡镇承担农机安全巡查",
        "legal_basis": "农业机械安全监督管理条例", "township_ids": [qh, zk], "staff": "2", "funding_yuan": "50000",
        "resources_required": "true"})
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    assert _count(session_factory, DutyAccessRequest) == 1


def test_duty_access_without_resources_is_refused(as_user, session_factory):
    """故字〔2020〕6号 五(一) 费随事转: no staff or funding → refused with the article, nothing written."""
    client = as_user("nyj_officer")
    nyj, qh = _org(session_factory, "故城县农业农村局"), _org(session_factory, "青罕镇")
    before = audit_count(session_factory)
    response = _post(client, "/procedures/duty_access", {
        "department_id": nyj, "title": "农机安全检查", "description": "巡查", "legal_basis": "条例",
        "township_ids": [qh], "staff": "0", "funding_yuan": "0", "resources_required": "true"})
    assert response.status_code == 422 and "费随事转" in response.get_data(as_text=True)
    assert audit_count(session_factory) == before and _count(session_factory, DutyAccessRequest) == 0


def test_evaluation_page_for_the_county_approver(as_user, session_factory):
    """定期评估 (行政处罚法 第24条) is opened by the county government only."""
    client = as_user("approver")
    response = _post(client, "/procedures/evaluation", {
        "township_id": _org(session_factory, "青罕镇"), "department_id": _org(session_factory, "故城县农业农村局"),
        "period_start": "2025-01-01", "period_end": "2025-12-31"})
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    before = audit_count(session_factory)
    bad = _post(client, "/procedures/evaluation", {"period_start": "2025-12-31", "period_end": "2025-01-01",
                                                   "township_id": "0"})
    assert bad.status_code == 422 and audit_count(session_factory) == before


def _token(client, username: str) -> dict:
    login(client, username)
    csrf = csrf_of(client, "/account/tokens")
    page = client.post("/account/tokens", data={"csrf_token": csrf, "name": "t"}).get_data(as_text=True)
    return {"Authorization": "Bearer " + page.split('id="new-token">')[1].split("<")[0]}


def test_api_work_order_and_refusals(client, session_factory):
    headers = _token(client, "qh_officer1")
    qh = _org(session_factory, "青罕镇")
    ok = client.post("/api/v1/procedures/work_order", headers=headers, json={
        "township_id": qh, "source": "hazard", "urgency": "emergency", "description": "井盖缺失"})
    assert ok.status_code == 201, ok.get_json()
    instance_id = ok.get_json()["instance_id"]
    with session_factory() as s:
        assert s.get(ProcessInstance, instance_id).process_id == "work_order"
    before = audit_count(session_factory)
    bad = client.post("/api/v1/procedures/work_order", headers=headers, json={"township_id": "x", "source": 3})
    assert bad.status_code == 422 and {"township_id", "source", "urgency", "description"} <= set(
        bad.get_json()["errors"])
    other = client.post("/api/v1/procedures/work_order", headers=headers, json={
        "township_id": _org(session_factory, "郑口镇"), "source": "hazard", "urgency": "general",
        "description": "x"})
    assert other.status_code == 403
    assert client.post("/api/v1/procedures/evaluation", headers=headers, json={}).status_code == 403
    assert audit_count(session_factory) == before


def test_api_cases_within_scope(client, session_factory):
    file_qh_case(client, session_factory)
    client.get("/logout")
    qh_headers = _token(client, "qh_officer2")
    listing = client.get("/api/v1/cases", headers=qh_headers).get_json()
    assert [c["case_number"] for c in listing["items"]] == ["青罕罚〔2026〕1号"]
    case_id = listing["items"][0]["id"]
    assert client.get(f"/api/v1/cases/{case_id}", headers=qh_headers).get_json()["deadlines"]
    client.get("/logout")
    zk_headers = _token(client, "zk_officer1")
    assert client.get("/api/v1/cases", headers=zk_headers).get_json()["items"] == []
    assert client.get(f"/api/v1/cases/{case_id}", headers=zk_headers).status_code == 404
    assert client.post(f"/api/v1/cases/{case_id}/case_transfer", headers=zk_headers,
                       json={"reason": "x", "materials": [{"title": "a"}]}).status_code == 404
