"""Sign-in, sign-out, CSRF, login rate limiting and API tokens."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from models import ApiToken, LoginAttempt
from tests.support.webapp import audit_count, csrf_of, login


def test_login_page_lists_demo_accounts_when_sample_loaded(client):
    page = client.get("/login").get_data(as_text=True)
    assert "演示账号" in page and "zk_officer1" in page and "quanze-demo" in page


def test_login_then_home_then_logout(client):
    assert login(client, "zk_officer1").status_code == 302
    home = client.get("/")
    assert home.status_code == 200 and "郑口镇 陈队员" in home.get_data(as_text=True)
    token = csrf_of(client, "/")
    assert client.post("/logout", data={"csrf_token": token}).status_code == 302
    assert client.get("/").status_code == 302  # back to the login page


def test_anonymous_pages_redirect_to_login_with_next(client):
    response = client.get("/catalogue/?q=x")
    assert response.status_code == 302
    assert "/login?next=" in response.headers["Location"]


def test_wrong_password_is_refused_and_counted(client, session_factory):
    response = login(client, "zk_officer1", "not-the-password")
    assert response.status_code == 401
    assert "用户名或密码错误" in response.get_data(as_text=True)
    with session_factory() as s:
        assert s.scalar(select(func.count(LoginAttempt.id))) == 1


def test_missing_fields_show_every_error_at_once(client, session_factory):
    before = audit_count(session_factory)
    token = csrf_of(client)
    response = client.post("/login", data={"csrf_token": token})
    body = response.get_data(as_text=True)
    assert response.status_code == 422
    assert body.count("必填") == 2 and "/ required" not in body  # the Chinese page shows only Chinese
    assert audit_count(session_factory) == before


def test_post_without_csrf_token_is_refused_and_writes_nothing(client, session_factory):
    before = audit_count(session_factory)
    response = client.post("/login", data={"username": "zk_officer1", "password": "quanze-demo"})
    assert response.status_code == 400
    assert "表单已过期或来源不明" in response.get_data(as_text=True)  # the Chinese page speaks Chinese only
    assert audit_count(session_factory) == before


def test_csrf_token_of_another_session_is_refused(app, client):
    other = app.test_client()
    stolen = csrf_of(other)
    csrf_of(client)
    response = client.post("/login", data={"username": "zk_officer1", "password": "quanze-demo",
                                            "csrf_token": stolen})
    assert response.status_code == 400


def test_five_failures_lock_the_username_from_that_address(client, clock):
    for _ in range(5):
        assert login(client, "zk_officer1", "wrong").status_code == 401
    # Even the right password is refused while the window lasts.
    locked = login(client, "zk_officer1")
    assert locked.status_code == 429
    assert "登录失败次数过多" in locked.get_data(as_text=True)
    # Another username from the same address is not affected.
    assert login(client, "qh_officer1").status_code == 302
    clock.advance(timedelta(minutes=16))
    assert login(client, "zk_officer1").status_code == 302


def test_open_redirect_after_login_is_refused(client):
    token = csrf_of(client)
    response = client.post("/login", data={"username": "zk_officer1", "password": "quanze-demo",
                                            "csrf_token": token, "next": "https://evil.example/"})
    assert response.headers["Location"] == "/"


def test_language_switch_to_english_and_back(client):
    login(client, "zk_officer1")
    client.get("/lang/en")
    assert "Catalogue" in client.get("/").get_data(as_text=True)
    client.get("/lang/zh_CN")
    assert "事项目录" in client.get("/").get_data(as_text=True)


def _new_token(client) -> str:
    token = csrf_of(client, "/account/tokens")
    page = client.post("/account/tokens", data={"csrf_token": token, "name": "county-portal"})
    assert page.status_code == 201
    body = page.get_data(as_text=True)
    return body.split('id="new-token">')[1].split("<")[0]


def test_token_created_on_page_works_on_the_api_and_is_stored_hashed(client, session_factory):
    login(client, "zk_officer1")
    secret = _new_token(client)
    me = client.get("/api/v1/me", headers={"Authorization": f"Bearer {secret}"})
    assert me.status_code == 200 and me.json["username"] == "zk_officer1"
    with session_factory() as s:
        stored = s.scalars(select(ApiToken)).one()
        assert secret not in (stored.token_hash, stored.prefix) and stored.last_used_at is not None


def test_api_without_or_with_bad_token_is_401_json(client):
    for headers in ({}, {"Authorization": "Bearer qz_nope"}, {"Authorization": "Basic abc"}):
        response = client.get("/api/v1/me", headers=headers)
        assert response.status_code == 401
        assert response.json["error"] == "unauthorized"


def test_api_ignores_the_session_cookie(client):
    login(client, "admin")
    assert client.get("/api/v1/me").status_code == 401


def test_revoked_and_expired_tokens_stop_working(client, clock):
    login(client, "zk_officer1")
    secret = _new_token(client)
    headers = {"Authorization": f"Bearer {secret}"}
    listed = client.get("/api/v1/tokens", headers=headers).json
    revoked = client.post(f"/api/v1/tokens/{listed[0]['id']}/revoke", headers=headers)
    assert revoked.status_code == 200
    assert client.get("/api/v1/me", headers=headers).status_code == 401

    expiring = (clock.now() + timedelta(hours=1)).isoformat()
    other = client.post("/account/tokens", data={"csrf_token": csrf_of(client, "/account/tokens"),
                                                 "name": "short", "expires_at": expiring})
    secret2 = other.get_data(as_text=True).split('id="new-token">')[1].split("<")[0]
    assert client.get("/api/v1/me", headers={"Authorization": f"Bearer {secret2}"}).status_code == 200
    clock.advance(timedelta(hours=2))
    assert client.get("/api/v1/me", headers={"Authorization": f"Bearer {secret2}"}).status_code == 401


def test_officer_cannot_issue_a_token_for_someone_else(client, session_factory):
    login(client, "zk_officer1")
    secret = _new_token(client)
    before = audit_count(session_factory)
    response = client.post("/api/v1/tokens", json={"name": "x", "user_id": 1},
                           headers={"Authorization": f"Bearer {secret}"})
    assert response.status_code == 403
    assert audit_count(session_factory) == before


def test_disabled_account_loses_its_session(client, session_factory):
    from models import User

    login(client, "zk_officer1")
    with session_factory() as s, s.begin():
        s.scalars(select(User).where(User.username == "zk_officer1")).one().is_active = False
    assert client.get("/").status_code == 302
