"""Generated API cases, drawn once per process and replayed against every backend and role.

Drawing the cases (Hypothesis through schemathesis) is most of an API sweep's cost: cProfile gave
104 of 146 s. Drawn with `derandomize=True`, an operation's cases are the same for every role and
backend anyway, so they are drawn once and sent to each application in turn (`app=`), with the
checks that re-send a request pointed at the same application.
"""

from __future__ import annotations

import re

from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis.generation.modes import GenerationMode
from sqlalchemy import select

from models import User
from workflows.accounts.access import principal_for
from workflows.accounts.signin import issue_token

_DRAWN: dict[tuple, tuple] = {}


def drawn_cases(operation, examples: int, mode: GenerationMode = GenerationMode.POSITIVE) -> tuple:
    """Up to `examples` cases of one operation in one generation mode, the same ones every run."""
    key = (operation.method.upper(), operation.path, mode, examples)
    if key not in _DRAWN:
        cases: list = []

        @given(case=operation.as_strategy(generation_mode=mode))
        @settings(max_examples=examples, deadline=None, database=None, derandomize=True,
                  suppress_health_check=list(HealthCheck), phases=[Phase.explicit, Phase.generate])
        def draw(case):
            cases.append(case)

        try:
            draw()
        except Unsatisfiable:
            assert mode == GenerationMode.NEGATIVE  # nothing to break in an operation without inputs
        _DRAWN[key] = tuple(cases)
    return _DRAWN[key]


def send(case, app, headers: dict, checks: list) -> list[str]:
    """Send one drawn case to `app`; one line per check its response failed (none: it passed)."""
    response = case.call(app=app, headers=headers)
    try:
        case.validate_response(response, checks=checks, headers=headers, transport_kwargs={"app": app})
    except BaseException as exc:  # a FailureGroup naming every check that failed
        if isinstance(exc, KeyboardInterrupt | SystemExit):
            raise
        names = re.findall(r"^- (.+)$", str(exc), re.M) or [type(exc).__name__]
        return [f"{case.method.upper()} {case.path}: {name} -> {response.status_code} {response.text[:200]}"
                for name in names]
    return []


def bearer_token(session_factory, clock, username: str) -> str:
    """A fresh API token of a demo user, as the Authorization header's secret."""
    with session_factory() as s:
        user = s.scalars(select(User).where(User.username == username)).one()
        principal = principal_for(s, user)
        s.commit()
        return issue_token(s, principal, user.id, "schemathesis", clock.now())[1]
