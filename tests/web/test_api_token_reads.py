"""API-token reads do not write: last_used_at moves at most every few minutes (no SQLite write lock per GET)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import event, select

from models import ApiToken, User
from workflows.accounts.access import principal_for
from workflows.accounts.signin import LAST_USED_STEP, issue_token

# Ordering, paging and PostgreSQL's refusals of odd input can differ by backend (tests/web/conftest.py).
pytestmark = pytest.mark.both_backends


def _token(app, session_factory, clock) -> str:
    with session_factory() as s:
        user = s.scalars(select(User).where(User.username == "zk_officer1")).one()
        _, secret = issue_token(s, principal_for(s, user), user.id, "portal", clock.now())
    return secret


def _writes_during(engine, call) -> list[str]:
    statements: list[str] = []

    def seen(conn, cursor, statement, *args):
        if statement.lstrip().upper().startswith(("UPDATE", "INSERT", "DELETE")):
            statements.append(statement)

    event.listen(engine, "before_cursor_execute", seen)
    try:
        call()
    finally:
        event.remove(engine, "before_cursor_execute", seen)
    return statements


def test_token_reads_write_last_used_at_only_when_it_is_minutes_old(app, client, engine, session_factory, clock):
    secret = _token(app, session_factory, clock)
    auth = {"Authorization": f"Bearer {secret}"}

    def last_used():
        with session_factory() as s:
            return s.scalars(select(ApiToken.last_used_at)).one()

    first = _writes_during(engine, lambda: client.get("/api/v1/me", headers=auth))
    assert any("api_tokens" in w for w in first) and last_used() == clock.now()
    stamped = clock.now()
    clock.advance(LAST_USED_STEP - timedelta(seconds=1))
    again = _writes_during(engine, lambda: [client.get("/api/v1/me", headers=auth) for _ in range(3)])
    assert again == [] and last_used() == stamped  # reads within the step write nothing at all
    clock.advance(timedelta(seconds=1))
    later = _writes_during(engine, lambda: client.get("/api/v1/me", headers=auth))
    assert any("api_tokens" in w for w in later) and last_used() == clock.now()
