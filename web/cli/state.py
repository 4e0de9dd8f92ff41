"""What every CLI command shares: database URL, engine, sessions and the clock."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from models.db import make_engine, make_session_factory
from workflows.core.clock import SystemClock


@dataclass
class CliState:
    """Lazily built resources for one CLI invocation (nothing is opened at import time)."""

    database_url: str
    clock: SystemClock = field(default_factory=SystemClock)

    @cached_property
    def engine(self) -> Engine:
        """The database engine for this run."""
        return make_engine(self.database_url)

    @cached_property
    def session_factory(self) -> sessionmaker[Session]:
        """Session factory bound to the engine."""
        return make_session_factory(self.engine)

    def session(self) -> Session:
        """A new session; callers use it as a context manager."""
        return self.session_factory()

    def close(self) -> None:
        """Close the engine's connections if this run opened it (at the end of the command)."""
        engine = self.__dict__.pop("engine", None)
        self.__dict__.pop("session_factory", None)
        if engine is not None:
            engine.dispose()
