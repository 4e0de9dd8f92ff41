"""One error shape everywhere, UTF-8 JSON with ISO 8601, and 503 with Retry-After during an outage."""

from __future__ import annotations

import pytest
from sqlalchemy import event, select

from models import User
from tests.support.webapp import csrf_of, login
from workflows.accounts.access import principal_for
from workflows.accounts.signin import issue_token

SHAPE = {"status", "error", "message", "errors"}


@pytest.fixture
def token(app, session_factory, clock):
    """A bearer token of a township officer."""
    with session_factory() as s:
        user = s.scalars(select(User).where(User.username == "zk_officer1")).one()
        principal = principal_for(s, user)
        s.commit()
        return issue_token(s, principal, user.id, "errors", clock.now())[1]


def _auth(token):
    return {"Authorization": f"Bearer {token}"}


def _shape(response, status):
    body = response.json
    assert response.status_code == status and body["status"] == status
    assert SHAPE <= set(body) <= SHAPE | {"article", "details"}
    assert isinstance(body["errors"], dict)
    assert all(isinstance(v, list) and all(isinstance(m, str) for m in v) for v in body["errors"].values())
    return body


def test_missing_token_unknown_path_and_unknown_row_share_the_shape(client, token):
    assert _shape(client.get("/api/v1/me"), 401)["error"] == "unauthorized"
    assert _shape(client.get("/api/v1/nowhere", headers=_auth(token)), 404)["error"] == "not_found"
    assert _shape(client.post("/api/v1/tokens/999999/revoke", headers=_auth(token)), 404)


def test_405_names_the_allowed_methods(client, token):
    response = client.delete("/api/v1/tokens", headers=_auth(token))
    _shape(response, 405)
    assert set(response.headers["Allow"].replace(" ", "").split(",")) >= {"GET", "POST"}


def test_validation_errors_are_a_map_of_field_to_messages(client, token):
    response = client.post("/api/v1/tokens", json={"name": "", "expires_at": "yesterday"},
                           headers=_auth(token))
    body = _shape(response, 422)
    assert "expires_at" in body["errors"]


def test_unknown_fields_in_a_body_and_in_a_query_are_refused_with_422(client, token):
    body = _shape(client.post("/api/v1/tokens", json={"name": "x", "colour": "red"}, headers=_auth(token)), 422)
    assert "colour" in body["errors"]
    body = _shape(client.get("/api/v1/tasks?colour=red", headers=_auth(token)), 422)
    assert "colour" in body["errors"]


def test_json_is_utf8_without_escapes_and_instants_are_iso_8601(client, token):
    response = client.post("/api/v1/tokens", json={"name": "令牌"}, headers=_auth(token))
    assert response.status_code == 201
    raw = response.get_data()
    assert "令牌".encode() in raw and b"\\u" not in raw
    assert response.json["created_at"].startswith("2026-03-02T01:00:00")
    error = client.get("/api/v1/me").get_data()
    assert "需要".encode() in error and b"\\u" not in error


def test_json_provider_writes_dates_and_instants_as_iso_8601(app):
    from datetime import UTC, date, datetime
    text = app.json.dumps({"at": datetime(2026, 3, 2, 1, 0, tzinfo=UTC), "on": date(2026, 3, 2)})
    assert text == '{"at": "2026-03-02T01:00:00+00:00", "on": "2026-03-02"}'


def test_a_page_error_is_a_page_in_the_same_words(client):
    login(client, "zk_officer1")
    response = client.get("/instances/999999")
    assert response.status_code == 404 and "text/html" in response.content_type


def _cut(engine):
    """The database goes away: pooled connections are dropped and new ones are refused."""
    dbapi_error = engine.dialect.loaded_dbapi.OperationalError

    def refuse(*_args, **_kwargs):
        raise dbapi_error("connection refused (test outage)")

    engine.dispose()
    event.listen(engine, "do_connect", refuse)
    return refuse


def test_database_outage_answers_503_with_retry_after_then_recovers(app, client, engine, token):
    login(client, "zk_officer1")
    api = app.test_client()
    assert client.get("/").status_code == 200 and api.get("/api/v1/me", headers=_auth(token)).status_code == 200
    refuse = _cut(engine)
    try:
        page = client.get("/")
        assert page.status_code == 503 and int(page.headers["Retry-After"]) > 0
        assert "数据库暂时不可用" in page.get_data(as_text=True)
        assert app.test_client().get("/login").status_code == 503
        answer = api.get("/api/v1/me", headers=_auth(token))
        assert int(answer.headers["Retry-After"]) > 0
        assert _shape(answer, 503)["error"] == "service_unavailable"
        refused = client.post("/logout", data={"csrf_token": "x"})
        assert refused.status_code in (400, 503)  # CSRF check first; never a 500
    finally:
        event.remove(engine, "do_connect", refuse)
    # Nobody restarts anything: the next requests reconnect through the pool.
    assert client.get("/").status_code == 200
    assert api.get("/api/v1/me", headers=_auth(token)).status_code == 200
    assert csrf_of(client, "/")
