"""The OpenAPI document validates, and a bounded schemathesis run finds no 5xx."""

from __future__ import annotations

import re

import pytest
import schemathesis
from openapi_spec_validator import validate
from schemathesis.checks import not_a_server_error

from tests.support.api_cases import bearer_token, drawn_cases, send

# Ordering, paging and PostgreSQL's refusals of odd input can differ by backend (tests/web/conftest.py).
pytestmark = pytest.mark.both_backends


def test_openapi_document_validates(client):
    response = client.get("/api/openapi.json")
    assert response.status_code == 200
    document = response.json
    validate(document)
    assert document["openapi"].startswith("3.")
    assert "/api/v1/townships/{township_id}/powers" in document["paths"]
    assert "bearer" in document["components"]["securitySchemes"]


def test_the_document_written_on_first_use_lists_every_api_route(app):
    """The API is documented lazily (web/api/__init__.py): every /api/v1 route and method is in it."""
    api = app.extensions["quanze_api"]
    assert api._undocumented, "nothing should be documented before the document is read"
    routes = {(re.sub(r"<(?:[^<>:]+:)?(\w+)>", r"{\1}", rule.rule), method.lower())
              for rule in app.url_map.iter_rules() if rule.rule.startswith("/api/v1/")
              for method in rule.methods - {"HEAD", "OPTIONS"}}
    document = app.test_client().get("/api/openapi.json").json
    documented = {(path, method) for path, item in document["paths"].items() for method in item
                  if method != "parameters"}
    assert len(routes) > 40 and routes == documented
    assert api._undocumented == []


def test_error_bodies_are_json_with_a_message(client):
    response = client.get("/api/v1/nowhere")
    assert response.status_code == 404 and response.json["error"] == "not_found"
    response = client.delete("/api/v1/public/townships")
    assert response.status_code == 405 and response.json["message"]


EXAMPLES = 5  # per operation, the same cases every run (tests/support/api_cases.py): ~280 requests


def _sweep(app, operations, token_of) -> list[str]:
    """Every drawn case of each operation sent with its user's token; one line per 5xx."""
    failures = []
    for operation in operations:
        headers = {"Authorization": f"Bearer {token_of(operation)}"}
        for case in drawn_cases(operation, EXAMPLES):
            failures += send(case, app, headers, [not_a_server_error])
    return failures


# tests/web/test_api_schemathesis.py already runs not_a_server_error over every operation as the
# administrator and three other roles on both backends; this larger admin sweep runs on SQLite.
@pytest.mark.parametrize("engine", ["sqlite"], indirect=True)
def test_api_never_answers_5xx(app, session_factory, clock):
    """Generated requests (valid and invalid) to every operation get 2xx or 4xx, never 5xx."""
    schema = schemathesis.openapi.from_wsgi("/api/openapi.json", app)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 15
    admin = bearer_token(session_factory, clock, "admin")
    failures = _sweep(app, operations, lambda _operation: admin)
    assert failures == [], "\n".join(failures[:40])


STARTERS = {"/api/v1/procedures/evaluation": "approver", "/api/v1/procedures/duty_access": "nyj_officer",
            "/api/v1/procedures/entrustment": "nyj_officer"}


def test_start_endpoints_never_answer_5xx_for_users_who_may_start(app, session_factory, clock):
    """The start operations, run as a user who passes the role check, so bodies reach the services."""
    schema = schemathesis.openapi.from_wsgi("/api/openapi.json", app)
    starts = [result.ok() for result in schema.get_all_operations()
              if result.ok().path.startswith(("/api/v1/procedures/", "/api/v1/cases/"))]
    assert len(starts) >= 9
    tokens: dict[str, str] = {}

    def token_of(operation) -> str:
        username = STARTERS.get(operation.path, "qh_officer1")
        if username not in tokens:
            tokens[username] = bearer_token(session_factory, clock, username)
        return tokens[username]

    failures = _sweep(app, starts, token_of)
    assert failures == [], "\n".join(failures[:40])
