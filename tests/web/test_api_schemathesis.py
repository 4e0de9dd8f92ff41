"""Schemathesis with every check over the whole API, as four roles: no failure of any kind."""

from __future__ import annotations

import pytest
import schemathesis
from schemathesis.checks import CHECKS, is_check_class, load_all_checks
from schemathesis.generation.modes import GenerationMode

from tests.support.api_cases import bearer_token, drawn_cases, send

# Ordering, paging and PostgreSQL's refusals of odd input can differ by backend (tests/web/conftest.py).
pytestmark = pytest.mark.both_backends

# One of each kind of user: administrator, county department, township, legal reviewer.
ROLES = ("admin", "nyj_officer", "zk_officer1", "reviewer")
EXAMPLES = 3  # per operation and mode, sent as each role: ~1,000 requests in all (tests/support/api_cases.py)


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


def test_schemathesis_all_checks_as_four_roles_find_nothing(app, session_factory, clock, capsys):
    schema = schemathesis.openapi.from_wsgi("/api/openapi.json", app)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 40
    checks = all_checks()
    assert {"not_a_server_error", "response_schema_conformance", "negative_data_rejection",
            "positive_data_acceptance", "unsupported_method", "ignored_auth"} <= {c.__name__ for c in checks}
    failures: list[str] = []
    tried = 0
    for username in ROLES:
        headers = {"Authorization": f"Bearer {bearer_token(session_factory, clock, username)}"}
        for operation in operations:
            for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
                for case in drawn_cases(operation, EXAMPLES, mode):
                    failures += [f"[{mode.value}] {line}" for line in send(case, app, headers, checks)]
                    tried += 1
    with capsys.disabled():
        print(f"\nschemathesis: {len(operations)} operations x {len(ROLES)} roles, {tried} cases, "
              f"{len(checks)} checks, {len(failures)} failures")
    assert failures == [], "\n".join(failures[:40])
