"""Scope: each user sees and acts only within their organization and role (pages and API)."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from models import Delegation, Organization, OrgKind
from tests.support.webapp import CSRF_RE, csrf_of, login


def _masked(page: str, row_id: int) -> str:
    """The page with its CSRF token (random) blanked and the id, as a whole number, as N."""
    page = CSRF_RE.sub('name="csrf_token" value="-"', page)
    return re.sub(rf"(?<!\d){row_id}(?!\d)", "N", page)


def _township(session_factory, short_name: str) -> Organization:
    with session_factory() as s:
        return s.scalars(select(Organization).where(Organization.kind == OrgKind.TOWNSHIP,
                                                    Organization.short_name == short_name)).one()


def _delegation_of(session_factory, township_id: int) -> int:
    with session_factory() as s:
        return s.scalars(select(Delegation.id).where(Delegation.township_id == township_id)).first()


def _token(client, username: str) -> dict:
    login(client, username)
    page = client.post("/account/tokens", data={"csrf_token": csrf_of(client, "/account/tokens"),
                                                "name": "t"})
    secret = page.get_data(as_text=True).split('id="new-token">')[1].split("<")[0]
    return {"Authorization": f"Bearer {secret}"}


def test_township_officer_opens_own_power_list(client, session_factory):
    zk = _township(session_factory, "郑口镇")
    login(client, "zk_officer1")
    page = client.get(f"/townships/{zk.id}/powers?on=2026-03-02")
    assert page.status_code == 200 and "故城县郑口镇人民政府" in page.get_data(as_text=True)


def test_township_officer_gets_404_for_another_township_and_learns_nothing(client, session_factory,
                                                                          monkeypatch):
    qh = _township(session_factory, "青罕镇")
    # The worst case, every time: a CSRF token that contains the township's id.
    monkeypatch.setattr("web.auth.secrets.token_urlsafe", lambda _n: f"t{qh.id}k{qh.id}")
    login(client, "zk_officer1")
    for path in (f"/townships/{qh.id}/powers", f"/townships/{qh.id}/responsibilities"):
        other = client.get(path)
        missing = client.get(path.replace(str(qh.id), "999999"))
        assert other.status_code == missing.status_code == 404
        assert "青罕" not in other.get_data(as_text=True)
        # The answer is the same as for a township that does not exist, apart from the id.
        assert _masked(other.get_data(as_text=True), qh.id) == \
            _masked(missing.get_data(as_text=True), 999999)


def test_township_list_shows_only_own_township(client):
    login(client, "qh_officer1")
    body = client.get("/townships/").get_data(as_text=True)
    assert "青罕镇" in body and "郑口镇" not in body


def test_delegation_of_another_township_is_404(client, session_factory):
    zk, qh = _township(session_factory, "郑口镇"), _township(session_factory, "青罕镇")
    own, other = _delegation_of(session_factory, zk.id), _delegation_of(session_factory, qh.id)
    login(client, "zk_officer1")
    assert client.get(f"/delegations/{own}").status_code == 200
    assert client.get(f"/delegations/{other}").status_code == 404
    listing = client.get("/delegations/?page_size=200").get_data(as_text=True)
    assert "青罕镇" not in listing


def test_county_approver_sees_every_township(client, session_factory):
    qh = _township(session_factory, "青罕镇")
    login(client, "approver")
    assert client.get(f"/townships/{qh.id}/powers").status_code == 200


def test_admin_pages_are_403_for_everyone_but_admins(client):
    login(client, "zk_leader")
    for path in ("/admin/users", "/admin/organizations", "/admin/users/1", "/admin/users/new"):
        assert client.get(path).status_code == 403


def test_api_scope_matches_pages(client, session_factory):
    qh = _township(session_factory, "青罕镇")
    other = _delegation_of(session_factory, qh.id)
    headers = _token(client, "zk_officer1")
    assert client.get(f"/api/v1/townships/{qh.id}/powers", headers=headers).status_code == 404
    assert client.get(f"/api/v1/delegations/{other}", headers=headers).status_code == 404
    towns = client.get("/api/v1/townships/", headers=headers).json
    assert [t["short_name"] for t in towns] == ["郑口镇"]
    page = client.get("/api/v1/delegations/?page_size=200", headers=headers).json
    assert page["items"] and {d["township"]["short_name"] for d in page["items"]} == {"郑口镇"}
    assert client.get("/api/v1/admin/users", headers=headers).status_code == 403


def test_department_officer_sees_only_its_own_items_delegations(client, session_factory):
    headers = _token(client, "nyj_officer")
    page = client.get("/api/v1/delegations/?page_size=200", headers=headers).json
    assert page["items"]
    item_ids = {d["item_id"] for d in page["items"]}
    with session_factory() as s:
        from models import PowerItem

        departments = {s.get(PowerItem, i).department.name for i in item_ids}
    assert departments == {"故城县农业农村局"}


@pytest.mark.parametrize("path", ["/public/", "/api/v1/public/townships"])
def test_public_disclosure_needs_no_login(client, path):
    assert client.get(path).status_code == 200


def test_public_township_page_lists_grants_and_power_list(client, session_factory):
    zk = _township(session_factory, "郑口镇")
    page = client.get(f"/public/townships/{zk.id}")
    body = page.get_data(as_text=True)
    assert page.status_code == 200 and "赋权事项" in body and "权力清单" in body
    api = client.get(f"/api/v1/public/townships/{zk.id}").json
    assert api["township"]["id"] == zk.id and all(p["mode"] != "assist" for p in api["powers"])


def test_power_list_downloads_as_xlsx_and_csv_within_scope(client, session_factory):
    zk, qh = _township(session_factory, "郑口镇"), _township(session_factory, "青罕镇")
    login(client, "zk_officer1")
    xlsx = client.get(f"/townships/{zk.id}/powers.xlsx?on=2026-03-02")
    assert xlsx.status_code == 200 and xlsx.data[:2] == b"PK"
    csv = client.get(f"/townships/{zk.id}/powers.csv")
    assert csv.status_code == 200 and "ILLUS-" in csv.get_data(as_text=True)
    assert client.get(f"/townships/{qh.id}/powers.csv").status_code == 404
    bad = client.get(f"/townships/{zk.id}/powers.csv?on=2026-02-30")
    assert bad.status_code == 422
