"""Schemathesis with every check over the whole API, as four roles: no failure of any kind."""

from __future__ import annotations

import re

import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis.checks import CHECKS, is_check_class, load_all_checks
from schemathesis.generation.modes import GenerationMode
from sqlalchemy import select

from models import User
from workflows.accounts.access import principal_for
from workflows.accounts.signin import issue_token

# One of each kind of user: administrator, county department, township, legal reviewer.
ROLES = ("admin", "nyj_officer", "zk_officer1", "reviewer")
EXAMPLES = 3  # per operation, role and mode: ~1,000 requests in all, kept small for the shared machine


# A well-formed request may still break a rule the schema cannot state (a certificate ending before
# it was issued, 行政处罚法 articles on who may act): such refusals are 422 with error
# "validation_failed" or "legal_rule_violation". Input the schema itself excludes is "invalid_input".
RULE_REFUSALS = {"validation_failed", "legal_rule_violation"}


def all_checks() -> list:
    """Every built-in response check (what `--checks all` runs); positive acceptance knows rule refusals."""
    load_all_checks()
    checks = [check for check in CHECKS.get_all() if not is_check_class(check)]
    return [_rules_aware(c) if c.__name__ == "positive_data_acceptance" else c for c in checks]


def _rules_aware(check):
    """positive_data_acceptance, except that a 422 citing a rule (not the schema) is an answer."""
    def positive_data_acceptance(ctx, response, case):
        if response.status_code == 422 and _error_code(response) in RULE_REFUSALS:
            return True
        return check(ctx, response, case)
    return positive_data_acceptance


def _error_code(response) -> str | None:
    try:
        return response.json().get("error")
    except ValueError:
        return None


def _token(session_factory, clock, username: str) -> str:
    with session_factory() as s:
        user = s.scalars(select(User).where(User.username == username)).one()
        principal = principal_for(s, user)
        s.commit()
        return issue_token(s, principal, user.id, "schemathesis", clock.now())[1]


def _run(operation, mode, headers: dict, checks: list, failures: list, tried: list) -> None:
    @given(case=operation.as_strategy(generation_mode=mode))
    @settings(max_examples=EXAMPLES, deadline=None, database=None, suppress_health_check=list(HealthCheck),
              phases=[Phase.explicit, Phase.generate], derandomize=True)
    def run(case):
        response = case.call(headers=headers)
        tried.append(response.status_code)
        try:
            case.validate_response(response, checks=checks, headers=headers)
        except BaseException as exc:  # a FailureGroup of every check that failed
            if isinstance(exc, KeyboardInterrupt | SystemExit):
                raise
            names = re.findall(r"^- (.+)$", str(exc), re.M) or [type(exc).__name__]
            failures.extend(f"{operation.method.upper()} {operation.path} [{mode.value}]: {n} "
                            f"-> {response.status_code} {response.text[:200]}" for n in names)

    try:
        run()
    except Unsatisfiable:
        assert mode == GenerationMode.NEGATIVE  # nothing to break in an operation without inputs


def test_schemathesis_all_checks_as_four_roles_find_nothing(app, session_factory, clock, capsys):
    schema = schemathesis.openapi.from_wsgi("/api/openapi.json", app)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 40
    checks = all_checks()
    assert {"not_a_server_error", "response_schema_conformance", "negative_data_rejection",
            "positive_data_acceptance", "unsupported_method", "ignored_auth"} <= {c.__name__ for c in checks}
    failures: list[str] = []
    tried: list[int] = []
    for username in ROLES:
        headers = {"Authorization": f"Bearer {_token(session_factory, clock, username)}"}
        for operation in operations:
            for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
                _run(operation, mode, headers, checks, failures, tried)
    with capsys.disabled():
        print(f"\nschemathesis: {len(operations)} operations x {len(ROLES)} roles, {len(tried)} cases, "
              f"{len(checks)} checks, {len(failures)} failures")
    assert failures == [], "\n".join(failures[:40])
