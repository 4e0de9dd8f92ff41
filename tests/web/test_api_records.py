"""API parity: one task with its form as JSON Schema, documents, deadlines, notifications, figures, revocation."""

from __future__ import annotations

import hashlib

import jsonschema
import pytest
from sqlalchemy import select

from models import Document, User
from tests.web.test_procedures_web import _open_task, _start
from workflows.accounts.access import principal_for
from workflows.accounts.signin import issue_token

# Ordering, paging and PostgreSQL's refusals of odd input can differ by backend (tests/web/conftest.py).
pytestmark = pytest.mark.both_backends


def _headers(session_factory, clock, username):
    with session_factory() as s:
        user = s.scalars(select(User).where(User.username == username)).one()
        principal = principal_for(s, user)
        s.commit()
        return {"Authorization": f"Bearer {issue_token(s, principal, user.id, 'api', clock.now())[1]}"}


@pytest.fixture
def entrustment(client, session_factory):
    """An entrustment started through the pages, waiting for the township's opinion."""
    started = _start(client, session_factory)
    assert started.status_code == 302
    return int(started.headers["Location"].rsplit("/", 1)[1])


def test_a_task_carries_its_form_as_json_schema_and_completes_with_data_that_fits(
        client, session_factory, clock, entrustment):
    zk = _headers(session_factory, clock, "zk_leader")
    instance = client.get(f"/api/v1/instances/{entrustment}", headers=zk).json
    row = next(t for t in instance["tasks"] if t["task"] == "township_opinion")
    assert "T" in row["created_at"] and row["created_at"].endswith("+00:00")  # ISO 8601, not RFC 1123
    task = client.get(f"/api/v1/tasks/{row['id']}", headers=zk).json
    schema = task["form_schema"]
    assert schema["properties"]["agrees"]["type"] == "boolean" and "agrees" in schema["required"]
    assert schema["additionalProperties"] is False
    data = {"agrees": True}
    jsonschema.validate(data, schema)
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate({"agrees": "maybe"}, schema)
    done = client.post(f"/api/v1/tasks/{row['id']}/complete", json={"data": data}, headers=zk)
    assert done.status_code == 200, done.json
    assert _open_task(session_factory, entrustment, "legal_review")


def test_the_task_schema_is_in_openapi(client):
    document = client.get("/api/openapi.json").json
    detail = document["components"]["schemas"]["TaskDetailOut"]
    assert "form_schema" in detail["properties"] and "form" in detail["properties"]
    instance = document["components"]["schemas"]["InstanceOut"]["properties"]["tasks"]
    assert instance["items"]["$ref"].endswith("TaskRowOut")


def test_a_task_outside_scope_is_a_missing_task(client, session_factory, clock, entrustment):
    task_id = _open_task(session_factory, entrustment, "township_opinion")
    qh = _headers(session_factory, clock, "qh_officer1")
    assert client.get(f"/api/v1/tasks/{task_id}", headers=qh).status_code == 404


def test_documents_metadata_and_bytes_as_an_attachment_within_scope(client, session_factory, clock,
                                                                    entrustment):
    content = b"<html><script>alert(1)</script>\xe5\xa7\x94\xe6\x89\x98\xe4\xb9\xa6</html>"
    with session_factory() as s:
        user = s.scalars(select(User).where(User.username == "nyj_officer")).one()
        doc = Document(kind="entrustment_letter", title="行政执法委托书", document_no="故农委〔2026〕9号",
                       mime="text/html; charset=utf-8", filename="委托书.html", size=len(content),
                       sha256=hashlib.sha256(content).hexdigest(), content=content,
                       organization_id=user.memberships[0].organization_id, instance_id=entrustment,
                       created_at=clock.now())
        s.add(doc)
        s.commit()
        doc_id = doc.id
    nyj = _headers(session_factory, clock, "nyj_officer")
    meta = client.get(f"/api/v1/documents/{doc_id}", headers=nyj).json
    assert meta["document_no"] == "故农委〔2026〕9号" and meta["size"] == len(content)
    download = client.get(f"/api/v1/documents/{doc_id}/content", headers=nyj)
    assert download.get_data() == content
    assert download.headers["Content-Disposition"].startswith("attachment")
    assert download.headers["Content-Security-Policy"].startswith("sandbox")
    qh = _headers(session_factory, clock, "qh_officer1")
    for path in (f"/api/v1/documents/{doc_id}", f"/api/v1/documents/{doc_id}/content"):
        assert client.get(path, headers=qh).status_code == 404


def test_deadlines_and_notifications_of_the_caller(client, session_factory, clock, entrustment):
    zk = _headers(session_factory, clock, "zk_leader")
    deadlines = client.get("/api/v1/deadlines", headers=zk)
    assert deadlines.status_code == 200
    for row in deadlines.json:
        assert "T" in row["due_at"] and row["status"]
    assert client.get("/api/v1/deadlines?status=bogus", headers=zk).status_code == 422
    assert client.get("/api/v1/notifications", headers=zk).status_code == 200
    assert client.post("/api/v1/notifications/999999/read", headers=zk).status_code == 404


def test_dashboard_figures_and_bad_periods(client, session_factory, clock):
    approver = _headers(session_factory, clock, "approver")
    figures = client.get("/api/v1/dashboard?start=2026-01-01&end=2026-03-02", headers=approver)
    assert figures.status_code == 200 and figures.json["start"] == "2026-01-01"
    assert isinstance(figures.json["townships"], list)
    backwards = client.get("/api/v1/dashboard?start=2026-03-02&end=2026-01-01", headers=approver)
    assert backwards.status_code == 422 and "start" in backwards.json["errors"]
    ancient = client.get("/api/v1/dashboard?start=0001-01-01&end=9999-12-31", headers=approver)
    assert ancient.status_code == 422 and set(ancient.json["errors"]) == {"start", "end"}


def test_revocation_refuses_a_past_date_and_strangers(client, session_factory, clock, entrustment):
    """第20条: the entrusting organ revokes from today on, with reasons; others see no instance."""
    nyj = _headers(session_factory, clock, "nyj_officer")
    past = client.post(f"/api/v1/instances/{entrustment}/revocation", headers=nyj,
                       json={"reason": "不再需要", "revoke_on": "2020-01-01"})
    assert past.status_code == 422 and "revoke_on" in past.json["errors"]
    qh = _headers(session_factory, clock, "qh_officer1")
    stranger = client.post(f"/api/v1/instances/{entrustment}/revocation", headers=qh,
                           json={"reason": "x", "revoke_on": "2026-04-01"})
    assert stranger.status_code == 404


def test_case_detail_has_party_facts_officers_evidence_decision_and_fine(app, client, session_factory, clock):
    from tests.web.test_oracles import _case_of

    case_id = _case_of(app, session_factory, "青罕镇", "青罕罚〔2026〕93号")
    case = client.get(f"/api/v1/cases/{case_id}", headers=_headers(session_factory, clock, "qh_officer1")).json
    assert case["party_name"] == "某商户" and case["facts_summary"] == "占道经营"
    assert case["violation_on"] == "2026-02-20" and len(case["officers"]) == 2
    assert all(o["certificate_number"] for o in case["officers"])
    assert case["evidence"] == [] and case["decision_kind"] is None and case["fine_amount"] is None
    document = client.get("/api/openapi.json").json
    detail = document["components"]["schemas"]["CaseDetailOut"]["properties"]
    assert {"party_name", "facts_summary", "evidence", "decision_kind", "fine_amount"} <= set(detail)


def test_instance_list_holds_only_instances_in_scope(client, session_factory, clock, entrustment):
    for username, visible in (("zk_leader", True), ("nyj_officer", True), ("qh_officer1", False),
                              ("approver", True)):
        page = client.get("/api/v1/instances?process_id=entrustment",
                          headers=_headers(session_factory, clock, username)).json
        ids = [row["id"] for row in page["items"]]
        assert (entrustment in ids) is visible, username
        assert page["meta"]["total"] == len(ids)
    zk = _headers(session_factory, clock, "zk_leader")
    assert client.get("/api/v1/instances?process_id=grant", headers=zk).json["items"] == []
    assert client.get("/api/v1/instances?colour=red", headers=zk).status_code == 422


def test_grant_starts_over_the_api_one_instance_per_township(client, session_factory, clock):
    """赋权 (第24条) through the API as on the grant page; refused roles get 403, bad bodies 422."""
    from models import Organization, ProcessInstance

    with session_factory() as s:
        def org(name):
            return s.scalars(select(Organization).where(
                (Organization.short_name == name) | (Organization.name == name))).first().id
        sl, zk, qh = org("故城县水利局"), org("郑口镇"), org("青罕镇")
        before = s.query(ProcessInstance).count()
    body = {"department_id": sl, "township_ids": [zk, qh], "item_codes": ["ILLUS-JC-SL-01"], "note": "一镇一清单"}
    started = client.post("/api/v1/procedures/grant", json=body,
                          headers=_headers(session_factory, clock, "sl_officer"))
    assert started.status_code == 201, started.json
    assert len(started.json["instance_ids"]) == 2
    zk_headers = _headers(session_factory, clock, "zk_officer1")
    assert client.post("/api/v1/procedures/grant", json=body, headers=zk_headers).status_code == 403
    empty = client.post("/api/v1/procedures/grant", json={**body, "township_ids": []},
                        headers=_headers(session_factory, clock, "sl_officer"))
    assert empty.status_code == 422 and "township_ids" in empty.json["errors"]
    with session_factory() as s:
        assert s.query(ProcessInstance).count() == before + 2
