"""Shared fixtures: a real database per test (SQLite file, and PostgreSQL when configured)."""

from __future__ import annotations

import os
import uuid
from datetime import UTC, datetime

import pytest
from sqlalchemy import text

from models import Base
from models.db import make_engine, make_session_factory
from workflows.core.clock import FixedClock

PG_URL = os.environ.get("QUANZE_TEST_DATABASE_URL")
# The audit chain's HMAC key (kept outside the database); tests that need the file default
# unset it themselves.
os.environ.setdefault("QUANZE_AUDIT_KEY", "quanze-test-audit-key")
BACKENDS = ["sqlite"] + (["postgresql"] if PG_URL else [])


def _pg_engine_in_fresh_schema():
    """A PostgreSQL engine whose search_path is a new, empty schema."""
    schema = f"t_{uuid.uuid4().hex[:12]}"
    admin = make_engine(PG_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    engine = make_engine(PG_URL, connect_args={"options": f"-csearch_path={schema}"})
    return engine, admin, schema


@pytest.fixture(params=BACKENDS)
def engine(request, tmp_path):
    """An engine on a brand-new database with every table created."""
    if request.param == "sqlite":
        eng = make_engine(f"sqlite:///{tmp_path / 'test.db'}")
        Base.metadata.create_all(eng)
        yield eng
        eng.dispose()
        return
    eng, admin, schema = _pg_engine_in_fresh_schema()
    Base.metadata.create_all(eng)
    yield eng
    eng.dispose()
    with admin.connect() as conn:
        conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
    admin.dispose()


@pytest.fixture
def session_factory(engine):
    """Session factory on the test engine."""
    return make_session_factory(engine)


@pytest.fixture
def session(session_factory):
    """One session, closed after the test."""
    with session_factory() as s:
        yield s


@pytest.fixture
def clock():
    """A fixed clock at 2026-03-02 09:00 Asia/Shanghai (a Monday, a working day)."""
    return FixedClock(datetime(2026, 3, 2, 1, 0, tzinfo=UTC))
