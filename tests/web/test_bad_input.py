"""No 5xx from input: NUL, lone surrogates, deep nesting and out-of-range dates are refused naming the field."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from models import User
from tests.support.webapp import audit_count, csrf_of, login
from web.inputs import MAX_DEPTH, json_depth
from workflows.accounts.access import principal_for
from workflows.accounts.signin import issue_token

# Ordering, paging and PostgreSQL's refusals of odd input can differ by backend (tests/web/conftest.py).
pytestmark = pytest.mark.both_backends

WRITE = {"POST", "PUT", "PATCH", "DELETE"}
# Raw JSON texts: Python's json module would refuse to write a lone surrogate for us.
HOSTILE_JSON = {
    "lone surrogate": (b'{"name": "\\ud800", "title": "x"}', "name"),
    "NUL": (b'{"name": "a\\u0000b"}', "name"),
    "NUL deep inside": (b'{"data": {"items": [{"note": "\\u0000"}]}}', "data.items.0.note"),
    "surrogate in a key": (b'{"data": {"\\udfff": 1}}', "data.\\udfff"),
    "nesting": (b'{"data": ' + b"[" * 100 + b"]" * 100 + b"}", "_body"),
    "nesting beyond the parser": (b"[" * 200_000 + b"]" * 200_000, "_body"),
}


def _write_routes(app):
    """Every writing rule and method, with its URL filled in (id 1, the first kind it accepts)."""
    for rule in app.url_map.iter_rules():
        for method in sorted(rule.methods & WRITE):
            path = rule.rule
            for name in rule.arguments:
                items = sorted(getattr(rule._converters.get(name), "items", None) or ["1"])
                path = re.sub(r"<(?:[^:<>]+:)?" + name + ">", items[0], path)
            yield method, path


@pytest.fixture
def token(app, session_factory, clock):
    """An administrator's token (the widest reach)."""
    with session_factory() as s:
        user = s.scalars(select(User).where(User.username == "admin")).one()
        principal = principal_for(s, user)
        s.commit()
        return issue_token(s, principal, user.id, "bad-input", clock.now())[1]


@pytest.mark.parametrize("kind", list(HOSTILE_JSON))
def test_every_api_write_endpoint_refuses_hostile_json_naming_the_field(app, client, token, session_factory,
                                                                       kind):
    raw, field = HOSTILE_JSON[kind]
    routes = [(m, p) for m, p in _write_routes(app) if p.startswith("/api/")]
    assert len(routes) >= 20
    before = audit_count(session_factory)
    for method, path in routes:
        response = client.open(path, method=method, data=raw, content_type="application/json",
                               headers={"Authorization": f"Bearer {token}"})
        assert response.status_code == 422, (method, path, response.status_code, response.get_data()[:300])
        assert field in response.json["errors"], (method, path, response.json)
    assert audit_count(session_factory) == before


def test_every_page_write_endpoint_refuses_nul_in_a_form_field(app, client, session_factory):
    login(client, "admin")
    csrf = csrf_of(client, "/")
    routes = [(m, p) for m, p in _write_routes(app) if not p.startswith("/api/")]
    assert len(routes) >= 15
    before = audit_count(session_factory)
    for method, path in routes:
        response = client.open(path, method=method, data={"csrf_token": csrf, "reason": "停\x00用"})
        assert response.status_code == 422, (method, path, response.status_code)
        # The field is named by its label in the page's language (理由), never by its key.
        assert "NUL" in response.get_data(as_text=True) and "理由" in response.get_data(as_text=True)
    assert audit_count(session_factory) == before


def test_json_depth_ignores_brackets_inside_strings():
    assert json_depth(b'{"a": "[[[[{{{{", "b": [[1]]}') == 3
    assert json_depth(b'["\\"[[[["]') == 1
    assert MAX_DEPTH >= 8


def _date_fields(document: dict, operation: dict) -> list[tuple[str, str]]:
    """(field, format) of the date and date-time properties of an operation's JSON body."""
    body = operation.get("requestBody", {}).get("content", {}).get("application/json", {}).get("schema", {})
    if "$ref" in body:
        body = document["components"]["schemas"][body["$ref"].rsplit("/", 1)[1]]
    return [(name, prop["format"]) for name, prop in body.get("properties", {}).items()
            if prop.get("format") in ("date", "date-time")]


OUT_OF_RANGE = {"date": ["0001-01-01", "9999-12-31"],
                "date-time": ["9999-12-31T23:59:59-14:00", "0001-01-01T00:00:00+14:00"]}


def test_out_of_range_dates_and_instants_are_refused_naming_the_field(app, client, token, session_factory):
    """Each date of each API body, sent at 0001 and 9999: 422 naming it (or refused before parsing)."""
    document = client.get("/api/openapi.json").json
    tried = named = 0
    before = audit_count(session_factory)
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            if method not in ("post", "put", "patch", "delete"):
                continue
            for field, fmt in _date_fields(document, operation):
                for value in OUT_OF_RANGE[fmt]:
                    url = re.sub(r"\{[^}]+\}", "1", path)
                    response = client.open(url, method=method.upper(), json={field: value},
                                           headers={"Authorization": f"Bearer {token}"})
                    tried += 1
                    assert response.status_code in (403, 404, 422), (path, field, value, response.status_code)
                    if response.status_code == 422:
                        assert field in response.json["errors"], (path, field, response.json)
                        named += 1
    assert tried >= 10 and named >= 4
    assert audit_count(session_factory) == before


@pytest.mark.parametrize("query", ["start=0001-01-01&end=9999-12-31", "start=9999-12-31", "end=0001-01-01"])
def test_dashboard_with_dates_at_the_ends_of_the_calendar_answers_422(client, query):
    login(client, "approver")
    response = client.get(f"/dashboard?{query}")
    assert response.status_code == 422
    assert "1900" in response.get_data(as_text=True)


def test_token_expiry_at_the_end_of_time_is_refused_naming_the_field(client, token):
    response = client.post("/api/v1/tokens", json={"name": "x", "expires_at": "9999-12-31T23:59:59-14:00"},
                           headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 422 and "expires_at" in response.json["errors"]
