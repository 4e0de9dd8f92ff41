"""Administration through pages and the API; every bad field is a 4xx and writes nothing."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from models import EnforcementCertificate, Membership, Organization, User
from tests.support.webapp import audit_count, csrf_of, login


def _counts(session_factory) -> tuple:
    with session_factory() as s:
        return tuple(s.scalar(select(func.count(m.id))) for m in
                     (User, Membership, EnforcementCertificate, Organization)) + (audit_count(session_factory),)


@pytest.fixture
def admin_headers(client):
    login(client, "admin")
    page = client.post("/account/tokens", data={"csrf_token": csrf_of(client, "/account/tokens"),
                                                "name": "admin-tool"})
    secret = page.get_data(as_text=True).split('id="new-token">')[1].split("<")[0]
    return {"Authorization": f"Bearer {secret}"}


def test_admin_creates_user_adds_role_and_certificate_on_pages(client, session_factory):
    login(client, "admin")
    token = csrf_of(client, "/admin/users/new")
    created = client.post("/admin/users/new", data={"csrf_token": token, "username": "new_officer",
                                                    "display_name": "新 队员", "password": "long-enough-1"})
    assert created.status_code == 302
    user_id = int(created.headers["Location"].rsplit("/", 1)[1])
    with session_factory() as s:
        org_id = s.scalars(select(Organization.id).where(Organization.short_name == "郑口镇")).one()
    assert client.post(f"/admin/users/{user_id}/memberships", data={
        "csrf_token": token, "organization_id": org_id, "role": "township_officer"}).status_code == 302
    assert client.post(f"/admin/users/{user_id}/certificates", data={
        "csrf_token": token, "number": "冀执字9999", "valid_until": "2030-12-31"}).status_code == 302
    page = client.get(f"/admin/users/{user_id}").get_data(as_text=True)
    assert "冀执字9999" in page and "乡镇执法人员" in page


def test_new_user_form_shows_every_field_error_at_once_and_writes_nothing(client, session_factory):
    login(client, "admin")
    before = _counts(session_factory)
    response = client.post("/admin/users/new", data={"csrf_token": csrf_of(client, "/admin/users/new"),
                                                     "username": "a b", "password": "short"})
    body = response.get_data(as_text=True)
    assert response.status_code == 422
    for field in ("username", "display_name", "password"):
        assert f'id="err-{field}"' in body
    assert _counts(session_factory) == before


def test_duplicate_username_is_a_field_error(client, session_factory):
    login(client, "admin")
    before = _counts(session_factory)
    response = client.post("/admin/users/new", data={
        "csrf_token": csrf_of(client, "/admin/users/new"), "username": "zk_officer1",
        "display_name": "x", "password": "long-enough-1"})
    assert response.status_code == 422 and "用户名已存在" in response.get_data(as_text=True)
    assert _counts(session_factory) == before


def test_membership_and_certificate_forms_validate_every_field(client, session_factory):
    login(client, "admin")
    token = csrf_of(client, "/admin/users/1")
    before = _counts(session_factory)
    bad_role = client.post("/admin/users/1/memberships", data={"csrf_token": token,
                                                               "organization_id": "abc", "role": "king"})
    assert bad_role.status_code == 422
    assert 'id="err-organization_id"' in bad_role.get_data(as_text=True)
    assert 'id="err-role"' in bad_role.get_data(as_text=True)
    bad_cert = client.post("/admin/users/1/certificates", data={
        "csrf_token": token, "valid_until": "2030-02-30", "issued_on": "yesterday"})
    body = bad_cert.get_data(as_text=True)
    assert bad_cert.status_code == 422
    assert all(f'id="err-{f}"' in body for f in ("number", "valid_until", "issued_on"))
    unknown_org = client.post("/admin/users/1/memberships", data={
        "csrf_token": token, "organization_id": "999999", "role": "admin"})
    assert unknown_org.status_code == 404
    assert _counts(session_factory) == before


def test_organization_form_requires_kind_and_unique_name(client, session_factory):
    login(client, "admin")
    token = csrf_of(client, "/admin/organizations")
    before = _counts(session_factory)
    response = client.post("/admin/organizations", data={"csrf_token": token, "name": "故城县人民政府",
                                                         "kind": "county_government"})
    assert response.status_code == 422 and "机构名称已存在" in response.get_data(as_text=True)
    response = client.post("/admin/organizations", data={"csrf_token": token, "name": "某机构"})
    assert response.status_code == 422 and 'id="err-kind"' in response.get_data(as_text=True)
    assert _counts(session_factory) == before
    ok = client.post("/admin/organizations", data={"csrf_token": token, "name": "故城县测试局",
                                                   "kind": "county_department"})
    assert ok.status_code == 302


def test_api_admin_user_lifecycle(client, admin_headers):
    created = client.post("/api/v1/admin/users", headers=admin_headers, json={
        "username": "api_user", "display_name": "接口用户", "password": "long-enough-1"})
    assert created.status_code == 201 and "password" not in created.json
    uid = created.json["id"]
    patched = client.patch(f"/api/v1/admin/users/{uid}", headers=admin_headers, json={"is_active": False})
    assert patched.status_code == 200 and patched.json["is_active"] is False


@pytest.mark.parametrize("body, field", [
    ({"username": "x y", "display_name": "n", "password": "long-enough-1"}, "username"),
    ({"username": "okname", "display_name": "n", "password": 12345678}, "password"),
    ({"username": "okname", "display_name": "n", "password": "long-enough-1", "extra": 1}, "extra"),
    ({"username": ["a"], "display_name": "n", "password": "long-enough-1"}, "username"),
    ({"display_name": "n", "password": "long-enough-1"}, "username"),
    ({"username": "okname", "display_name": "a\x00b", "password": "long-enough-1"}, "display_name"),
])
def test_api_bad_fields_are_422_with_field_errors(client, admin_headers, session_factory, body, field):
    before = _counts(session_factory)
    response = client.post("/api/v1/admin/users", headers=admin_headers, json=body)
    assert response.status_code == 422
    assert field in response.json["errors"]
    assert _counts(session_factory) == before


def test_api_malformed_json_oversized_body_and_unknown_ids(client, admin_headers, session_factory, app):
    before = _counts(session_factory)
    malformed = client.post("/api/v1/admin/users", headers={**admin_headers, "Content-Type": "application/json"},
                            data="{not json")
    assert malformed.status_code == 400 and malformed.json["message"]
    not_object = client.post("/api/v1/admin/users", headers=admin_headers, json=[1, 2])
    assert not_object.status_code == 422
    huge = client.post("/api/v1/admin/users", headers={**admin_headers, "Content-Type": "application/json"},
                       data=b'{"username": "' + b"a" * (app.config["MAX_CONTENT_LENGTH"] + 10) + b'"}')
    assert huge.status_code == 413 and huge.json["error"] == "payload_too_large"
    for method, path in (("get", "/api/v1/admin/users/999999"),
                         ("patch", "/api/v1/admin/users/999999"),
                         ("delete", "/api/v1/admin/memberships/999999"),
                         ("post", "/api/v1/admin/certificates/999999/revoke")):
        kwargs = {"json": {"revoked_on": "2026-03-02"}} if "revoke" in path else {"json": {}}
        response = getattr(client, method)(path, headers=admin_headers, **kwargs)
        assert response.status_code == 404, path
        assert response.json["error"] == "not_found"
    assert _counts(session_factory) == before


def test_api_wrong_types_for_membership_and_certificate(client, admin_headers, session_factory):
    before = _counts(session_factory)
    bad = client.post("/api/v1/admin/users/1/memberships", headers=admin_headers,
                      json={"organization_id": "x", "role": 3})
    assert bad.status_code == 422 and set(bad.json["errors"]) == {"organization_id", "role"}
    bad = client.post("/api/v1/admin/users/1/certificates", headers=admin_headers,
                      json={"number": "", "valid_until": "2026-13-01", "issued_on": "2026-01-01"})
    assert bad.status_code == 422 and {"number", "valid_until"} <= set(bad.json["errors"])
    ends_before = client.post("/api/v1/admin/users/1/certificates", headers=admin_headers,
                              json={"number": "N1", "valid_until": "2025-01-01", "issued_on": "2026-01-01"})
    assert ends_before.status_code == 422 and "valid_until" in ends_before.json["errors"]
    assert _counts(session_factory) == before


def test_admin_cannot_disable_self(client, admin_headers, session_factory):
    with session_factory() as s:
        admin_id = s.scalars(select(User.id).where(User.username == "admin")).one()
    response = client.patch(f"/api/v1/admin/users/{admin_id}", headers=admin_headers, json={"is_active": False})
    assert response.status_code == 409
