"""The OpenAPI document validates, and a bounded schemathesis run finds no 5xx."""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from openapi_spec_validator import validate
from schemathesis.checks import not_a_server_error
from sqlalchemy import select

from models import User
from workflows.accounts.access import principal_for
from workflows.accounts.signin import issue_token


def test_openapi_document_validates(client):
    response = client.get("/api/openapi.json")
    assert response.status_code == 200
    document = response.json
    validate(document)
    assert document["openapi"].startswith("3.")
    assert "/api/v1/townships/{township_id}/powers" in document["paths"]
    assert "bearer" in document["components"]["securitySchemes"]


def test_error_bodies_are_json_with_a_message(client):
    response = client.get("/api/v1/nowhere")
    assert response.status_code == 404 and response.json["error"] == "not_found"
    response = client.delete("/api/v1/public/townships")
    assert response.status_code == 405 and response.json["message"]


@pytest.fixture
def admin_token(app, session_factory, clock):
    """A bearer token of the administrator, so every endpoint is reachable."""
    with session_factory() as s:
        admin = s.scalars(select(User).where(User.username == "admin")).one()
        principal = principal_for(s, admin)
        s.commit()
        _token, secret = issue_token(s, principal, admin.id, "schemathesis", clock.now())
    return secret


def _run_operation(operation, headers: dict) -> None:
    """Up to 20 generated cases for one operation; any 5xx fails."""

    @given(case=operation.as_strategy())
    @settings(max_examples=20, deadline=None, suppress_health_check=list(HealthCheck),
              phases=[Phase.explicit, Phase.generate])
    def run(case):
        response = case.call(headers=headers)
        case.validate_response(response, checks=[not_a_server_error])

    run()


def test_api_never_answers_5xx(app, admin_token):
    """Generated requests (valid and invalid) to every operation get 2xx or 4xx, never 5xx."""
    schema = schemathesis.openapi.from_wsgi("/api/openapi.json", app)
    headers = {"Authorization": f"Bearer {admin_token}"}
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 15
    for operation in operations:
        _run_operation(operation, headers)


def _token_of(session_factory, clock, username: str) -> str:
    with session_factory() as s:
        user = s.scalars(select(User).where(User.username == username)).one()
        principal = principal_for(s, user)
        s.commit()
        return issue_token(s, principal, user.id, "schemathesis", clock.now())[1]


STARTERS = {"/api/v1/procedures/evaluation": "approver", "/api/v1/procedures/duty_access": "nyj_officer",
            "/api/v1/procedures/entrustment": "nyj_officer"}


def test_start_endpoints_never_answer_5xx_for_users_who_may_start(app, session_factory, clock):
    """The start operations, run as a user who passes the role check, so bodies reach the services."""
    schema = schemathesis.openapi.from_wsgi("/api/openapi.json", app)
    starts = [result.ok() for result in schema.get_all_operations()
              if result.ok().path.startswith(("/api/v1/procedures/", "/api/v1/cases/"))]
    assert len(starts) >= 9
    tokens: dict[str, str] = {}
    for operation in starts:
        username = STARTERS.get(operation.path, "qh_officer1")
        if username not in tokens:
            tokens[username] = _token_of(session_factory, clock, username)
        _run_operation(operation, {"Authorization": f"Bearer {tokens[username]}"})
