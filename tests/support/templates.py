"""Named database templates: rows loaded once per session, then copied into each test's database."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import Engine

from models.db import make_session_factory
from workflows.core.clock import FixedClock
from workflows.deadlines.rules import seed_deadline_rules
from workflows.sample.gucheng import load_gucheng_sample

# The instant the `clock` fixture starts at (tests/conftest.py): templates are loaded then too.
TEMPLATE_AT = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)


def gucheng(engine: Engine) -> None:
    """The Gucheng sample with the deadline rules (what the web tests start from)."""
    clock = FixedClock(TEMPLATE_AT)
    with make_session_factory(engine)() as session:
        load_gucheng_sample(session, clock)
        seed_deadline_rules(session, clock)  # case and coordination periods need their rules
        session.commit()


TEMPLATES = {"gucheng": gucheng}
