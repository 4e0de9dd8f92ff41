"""Server-side sessions: a copied cookie stops working after logout, account changes and timeouts."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from models import Membership, Role, User, WebSession
from tests.support.webapp import csrf_of, login, make_app
from web import create_app
from workflows.accounts import admin as accounts
from workflows.accounts.access import principal_for


@pytest.fixture
def app(engine, clock, tmp_path):
    """The application with the default timeouts (30 minutes idle, 12 hours at most)."""
    return make_app(engine, clock, tmp_path)


def _cookie(client) -> str:
    return client.get_cookie("session").value


def _replay(app, cookie: str):
    """A second browser holding a copy of the cookie asks for the home page."""
    other = app.test_client()
    other.set_cookie("session", cookie)
    return other.get("/")


def _admin_and(session, username):
    admin = session.scalars(select(User).where(User.username == "admin")).one()
    user = session.scalars(select(User).where(User.username == username)).one()
    return principal_for(session, admin), user


def test_copied_cookie_is_worthless_after_logout(app, client):
    login(client, "zk_officer1")
    cookie = _cookie(client)
    assert _replay(app, cookie).status_code == 200
    client.post("/logout", data={"csrf_token": csrf_of(client, "/")})
    assert _replay(app, cookie).status_code == 302  # back to the login page


def test_the_cookie_holds_no_user_id_only_a_key_to_a_session_row(app, client, session_factory):
    login(client, "zk_officer1")
    with session_factory() as s:
        row = s.scalars(select(WebSession)).one()
        assert row.ended_at is None and len(row.key_hash) == 64
    data = app.session_interface.get_signing_serializer(app).loads(_cookie(client))
    assert "uid" not in data and set(data) >= {"sid", "csrf"}


@pytest.mark.parametrize("change", ["password", "deactivate", "add_role", "remove_role"])
def test_account_changes_end_every_open_session(app, client, session_factory, clock, change):
    login(client, "zk_officer1")
    cookie = _cookie(client)
    with session_factory() as s:
        admin, user = _admin_and(s, "zk_officer1")
        if change == "password":
            accounts.update_user(s, admin, user.id, now=clock.now(), password="a-new-password")
        elif change == "deactivate":
            accounts.update_user(s, admin, user.id, now=clock.now(), is_active=False)
        elif change == "add_role":
            org_id = user.memberships[0].organization_id
            accounts.add_membership(s, admin, user.id, org_id, Role.LEGAL_REVIEWER, clock.now())
        else:
            membership = s.scalars(select(Membership).where(Membership.user_id == user.id)).first()
            accounts.remove_membership(s, admin, membership.id, clock.now())
    assert _replay(app, cookie).status_code == 302
    with session_factory() as s:
        reasons = {r.end_reason for r in s.scalars(select(WebSession))}
    assert reasons <= {"password_changed", "deactivated", "roles_changed"} and None not in reasons


def test_changing_display_name_keeps_the_session(app, client, session_factory, clock):
    login(client, "zk_officer1")
    with session_factory() as s:
        admin, user = _admin_and(s, "zk_officer1")
        accounts.update_user(s, admin, user.id, now=clock.now(), display_name="陈队员")
    assert _replay(app, _cookie(client)).status_code == 200


def test_idle_timeout_ends_the_session(app, client, clock):
    login(client, "zk_officer1")
    clock.advance(timedelta(minutes=29))
    assert client.get("/").status_code == 200  # activity restarts the idle period
    clock.advance(timedelta(minutes=29))
    assert client.get("/").status_code == 200
    clock.advance(timedelta(minutes=30))
    assert client.get("/").status_code == 302


def test_absolute_timeout_ends_an_active_session(app, client, clock):
    login(client, "zk_officer1")
    start = clock.now()
    for _ in range(30):  # active every 29 minutes for 12 hours and more
        clock.advance(timedelta(minutes=29))
        response = client.get("/")
        if response.status_code == 302:
            break
    assert response.status_code == 302 and clock.now() - start >= timedelta(hours=12)


def test_timeouts_are_configurable(engine, clock, tmp_path, monkeypatch):
    monkeypatch.setenv("QUANZE_SESSION_IDLE_MINUTES", "5")
    monkeypatch.setenv("QUANZE_SESSION_ABSOLUTE_MINUTES", "60")
    app = create_app({"ENGINE": engine, "CLOCK": clock, "SECRET_KEY": "k", "TESTING": True,
                      "INSTANCE_PATH": str(tmp_path)})
    assert app.config["SESSION_IDLE_MINUTES"] == 5 and app.config["SESSION_ABSOLUTE_MINUTES"] == 60
    explicit = create_app({"ENGINE": engine, "CLOCK": clock, "SECRET_KEY": "k", "TESTING": True,
                           "INSTANCE_PATH": str(tmp_path), "SESSION_IDLE_MINUTES": 7})
    assert explicit.config["SESSION_IDLE_MINUTES"] == 7


def test_short_idle_timeout_from_config_applies(engine, clock, tmp_path):
    """The engine holds a copy of the Gucheng sample (tests/web/conftest.py)."""
    app = create_app({"ENGINE": engine, "CLOCK": clock, "SECRET_KEY": "k", "TESTING": True,
                      "INSTANCE_PATH": str(tmp_path), "SESSION_IDLE_MINUTES": 2})
    client = app.test_client()
    login(client, "zk_officer1")
    clock.advance(timedelta(minutes=2))
    assert client.get("/").status_code == 302
