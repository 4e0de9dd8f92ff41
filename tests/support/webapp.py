"""The web application on the test database with the Gucheng sample: fixtures and helpers."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
from sqlalchemy import func, select

from models import AuditEvent
from web import create_app
from workflows.sample.gucheng import DEMO_PASSWORD, DEMO_USERS

BPMN_DIR = Path(__file__).resolve().parents[2] / "bpmn"
# Every procedure: the start pages reach all of them.
PROCEDURES = tuple(p.name for p in BPMN_DIR.glob("*.bpmn"))
CSRF_RE = re.compile(r'name="csrf_token" value="([^"]+)"')


# Procedure tests move the clock by hours and days with people signed in; session timeouts have
# their own tests (tests/web/test_sessions.py), which use the production defaults.
LONG_SESSIONS = {"SESSION_IDLE_MINUTES": 366 * 24 * 60, "SESSION_ABSOLUTE_MINUTES": 366 * 24 * 60}


@pytest.fixture
def database_template():
    """Web tests start from a copy of the Gucheng sample with its deadline rules."""
    return "gucheng"


def make_app(engine, clock, tmp_path, **config):
    """The application on the test engine (a copy of the sample) and the fixed clock."""
    bpmn = tmp_path / "bpmn"
    bpmn.mkdir()
    for name in PROCEDURES:
        shutil.copy(BPMN_DIR / name, bpmn / name)
    return create_app({"ENGINE": engine, "CLOCK": clock, "SECRET_KEY": "test-secret",
                       "TESTING": True, "INSTANCE_PATH": str(tmp_path / "instance"),
                       "BPMN_DIR": str(bpmn), **config})


@pytest.fixture
def app(engine, clock, tmp_path):
    """The application with sessions that outlast the clock moves of procedure tests."""
    return make_app(engine, clock, tmp_path, **LONG_SESSIONS)


@pytest.fixture
def client(app):
    """A test client without a session."""
    return app.test_client()


def csrf_of(client, path: str = "/login") -> str:
    """The CSRF token rendered into a page's forms."""
    page = client.get(path)
    match = CSRF_RE.search(page.get_data(as_text=True))
    assert match, f"no CSRF token on {path}"
    return match.group(1)


def login(client, username: str, password: str = DEMO_PASSWORD):
    """Sign in through the login form; returns the response."""
    token = csrf_of(client)
    return client.post("/login", data={"username": username, "password": password, "csrf_token": token})


@pytest.fixture
def as_user(client):
    """Sign the client in as a demo user: as_user('zk_officer1')."""

    def _sign_in(username: str):
        response = login(client, username)
        assert response.status_code == 302, response.get_data(as_text=True)[:500]
        return client

    return _sign_in


def audit_count(session_factory) -> int:
    """Rows in the audit chain, to show that a refused request wrote nothing."""
    with session_factory() as s:
        return s.scalar(select(func.count(AuditEvent.id)))


def one_user_per_role_and_place() -> list[str]:
    """A demo user for each set of roles at each kind of place: nine department legal reviewers see
    the same pages, so sweeps over every role sign in as the first of them (and of other repeats)."""
    seen, users = set(), []
    for username, _display, place, roles, *_ in DEMO_USERS:
        kind = ("department" if place.startswith(("故城县", "衡水市")) and not place.endswith("执法队")
                else "township" if place.endswith("镇") else place)
        if (tuple(roles), kind) not in seen:
            seen.add((tuple(roles), kind))
            users.append(username)
    return users
