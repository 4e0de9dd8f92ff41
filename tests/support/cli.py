"""Run CLI commands against the test database."""

from __future__ import annotations

from web.cli.state import CliState


def cli_state(engine, clock) -> CliState:
    """A CliState that reuses the test engine (and its PostgreSQL schema) and clock."""
    state = CliState(database_url=str(engine.url), clock=clock)
    state.__dict__["engine"] = engine  # fills the cached_property
    return state
