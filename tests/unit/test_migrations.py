"""The Alembic migrations build exactly the schema the models declare."""

from __future__ import annotations

import os
import uuid

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import text

from models import Base
from models.db import make_engine
from workflows.core import schema

PG_URL = os.environ.get("QUANZE_TEST_DATABASE_URL")


def _assert_no_drift(engine) -> None:
    schema.upgrade(engine)
    schema.upgrade(engine)  # a second run is a no-op
    with engine.connect() as conn:
        ctx = MigrationContext.configure(conn, opts={"compare_type": True})
        diff = compare_metadata(ctx, Base.metadata)
    assert diff == [], f"models and migrations differ: {diff}"


def test_migrations_match_models_on_sqlite(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'm.db'}")
    _assert_no_drift(engine)


@pytest.mark.skipif(not PG_URL, reason="QUANZE_TEST_DATABASE_URL not set")
def test_migrations_match_models_on_postgresql():
    name = f"m_{uuid.uuid4().hex[:10]}"
    admin = make_engine(PG_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE SCHEMA "{name}"'))
    engine = make_engine(PG_URL, connect_args={"options": f"-csearch_path={name}"})
    try:
        _assert_no_drift(engine)
    finally:
        engine.dispose()
        with admin.connect() as conn:
            conn.execute(text(f'DROP SCHEMA "{name}" CASCADE'))
        admin.dispose()
