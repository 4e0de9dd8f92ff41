"""Named database templates: rows loaded once per session, then copied into each test's database.

A test names its template with `@pytest.mark.database("name")`, or a folder's conftest overrides
the `database_template` fixture (the web tests start from "gucheng").
"""

from __future__ import annotations

from datetime import UTC, datetime
from unittest import mock

from sqlalchemy import Engine

from models.db import make_session_factory
from workflows.core.clock import FixedClock
from workflows.deadlines.rules import seed_deadline_rules
from workflows.sample import gucheng as sample

# The instant the `clock` fixture starts at (tests/conftest.py): templates are loaded then too.
TEMPLATE_AT = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)


def _load(engine: Engine, *, rules: bool = False) -> None:
    clock = FixedClock(TEMPLATE_AT)
    with make_session_factory(engine)() as session:
        sample.load_gucheng_sample(session, clock)
        if rules:
            seed_deadline_rules(session, clock)  # case and coordination periods need their rules
        session.commit()


def gucheng(engine: Engine) -> None:
    """The Gucheng sample with the deadline rules (what the web tests start from)."""
    _load(engine, rules=True)


def gucheng_sample(engine: Engine) -> None:
    """The Gucheng sample as `load_gucheng_sample` leaves it."""
    _load(engine)


def gucheng_without_catalogue(engine: Engine) -> None:
    """Gucheng's organizations and users, with an empty catalogue (and so no delegations)."""
    with mock.patch.object(sample, "load_sample_catalogue", lambda _s, _c: {}):
        _load(engine)


def gucheng_without_delegations(engine: Engine) -> None:
    """Gucheng with its catalogue but no delegations."""
    with mock.patch.object(sample, "load_sample_delegations", lambda _s, _c: {}):
        _load(engine)


TEMPLATES = {f.__name__: f for f in (gucheng, gucheng_sample, gucheng_without_catalogue,
                                     gucheng_without_delegations)}
