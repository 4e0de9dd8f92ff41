"""The Alembic migrations build exactly the schema the models declare, and upgrade keeping rows.

Migrations are history (design.md §2): a landed revision is never edited, so a database
created by any landed revision must reach head. The previous head is head's down_revision;
each table gets a row (values chosen from the models' types, CHECK … IN lists and foreign keys);
after the upgrade every value of every column that still exists is read back unchanged, and
autogenerate finds no difference between head and the models.
"""

from __future__ import annotations

import os
import re
import uuid
from contextlib import contextmanager
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Enum, MetaData, TypeDecorator, select, text

from models import Base
from models.db import make_engine
from workflows.core import schema

PG_URL = os.environ.get("QUANZE_TEST_DATABASE_URL")
BACKENDS = ["sqlite", pytest.param("postgresql", marks=pytest.mark.skipif(
    not PG_URL, reason="QUANZE_TEST_DATABASE_URL not set"))]
CHECK_IN = re.compile(r"^\s*(\w+)\s+IN\s*\((.+)\)\s*$", re.S)


@contextmanager
def _empty_database(backend: str, tmp_path):
    """An engine on an empty database: an SQLite file, or a new PostgreSQL schema."""
    if backend == "sqlite":
        engine = make_engine(f"sqlite:///{tmp_path / 'm.db'}")
        yield engine
        engine.dispose()
        return
    name = f"m_{uuid.uuid4().hex[:10]}"
    admin = make_engine(PG_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE SCHEMA "{name}"'))
    engine = make_engine(PG_URL, connect_args={"options": f"-csearch_path={name}"})
    try:
        yield engine
    finally:
        engine.dispose()
        with admin.connect() as conn:
            conn.execute(text(f'DROP SCHEMA "{name}" CASCADE'))
        admin.dispose()


def _assert_no_drift(engine) -> None:
    schema.upgrade(engine)
    schema.upgrade(engine)  # a second run is a no-op
    with engine.connect() as conn:
        ctx = MigrationContext.configure(conn, opts={"compare_type": True})
        diff = compare_metadata(ctx, Base.metadata)
    assert diff == [], f"models and migrations differ: {diff}"


@pytest.mark.parametrize("backend", BACKENDS)
def test_migrations_match_models(backend, tmp_path):
    with _empty_database(backend, tmp_path) as engine:
        _assert_no_drift(engine)


@pytest.mark.parametrize("backend", BACKENDS)
def test_previous_head_with_a_row_in_every_table_upgrades_keeping_them(backend, tmp_path):
    with _empty_database(backend, tmp_path) as engine:
        _assert_upgrade_keeps_every_row(engine)


def _heads() -> tuple[str, str | None]:
    """(head, its down_revision) of the migration history."""
    script = ScriptDirectory.from_config(schema.alembic_config(None))
    head = script.get_revision(script.get_current_head())
    return head.revision, head.down_revision


def _allowed_values(table_name: str) -> dict[str, str]:
    """column → the first value a `col IN (…)` CHECK of the model allows."""
    model = Base.metadata.tables.get(table_name)
    found: dict[str, str] = {}
    for constraint in getattr(model, "constraints", ()):
        match = CHECK_IN.match(str(getattr(constraint, "sqltext", "")))
        if match:
            found[match.group(1)] = match.group(2).split(",")[0].strip().strip("'")
    return found


def _value(table, column, allowed: dict[str, str]):
    """A value for one column: its foreign key's row, a CHECK-allowed value, or one of its type."""
    if column.foreign_keys:
        return 1  # every table's row has id 1
    if column.name in allowed:
        return allowed[column.name]
    model = Base.metadata.tables.get(table.name)
    typed = model.c[column.name].type if model is not None and column.name in model.c else column.type
    while isinstance(typed, TypeDecorator):
        typed = typed.impl_instance
    if isinstance(typed, Enum):
        return typed.enums[0]
    try:
        kind = typed.python_type
    except NotImplementedError:
        kind = str
    samples = {bool: True, int: 1, float: 1.5, Decimal: Decimal("1.50"), date: date(2026, 3, 2),
               datetime: datetime(2026, 3, 2, 1, 0, tzinfo=UTC), dict: {"键": "值"},
               list: ["值"], bytes: b"\x00\x01"}
    if kind in samples:
        return samples[kind]
    length = getattr(typed, "length", None) or 40
    return f"{table.name[:3]}{column.name}值"[:length]


def _populate(engine) -> dict[str, list[dict]]:
    """One row in every table of the database as it stands; returns every row as read back."""
    tables = MetaData()
    tables.reflect(engine)
    with engine.begin() as conn:
        for table in tables.sorted_tables:
            if table.name == "alembic_version":
                continue
            allowed = _allowed_values(table.name)
            conn.execute(table.insert().values(
                {c.name: _value(table, c, allowed) for c in table.columns}))
    return _snapshot(engine)


def _snapshot(engine) -> dict[str, list[dict]]:
    tables = MetaData()
    tables.reflect(engine)
    with engine.connect() as conn:
        return {t.name: [dict(r._mapping) for r in conn.execute(select(t))]
                for t in tables.sorted_tables if t.name != "alembic_version"}


def _assert_upgrade_keeps_every_row(engine) -> None:
    head, previous = _heads()
    if previous is None:
        pytest.skip(f"only one revision ({head}): there is no earlier head to upgrade from")
    schema.upgrade(engine, previous)
    before = _populate(engine)
    assert all(len(rows) == 1 for rows in before.values()), before
    schema.upgrade(engine)
    after = _snapshot(engine)
    lost = []
    for table, rows in before.items():
        if table not in after:
            lost.append(f"table {table} dropped")
            continue
        for old, new in zip(rows, after[table], strict=False):
            lost += [f"{table}.{c}: {v!r} became {new.get(c)!r}"
                     for c, v in old.items() if c not in new or new[c] != v]
        if len(after[table]) != len(rows):
            lost.append(f"{table}: {len(rows)} rows became {len(after[table])}")
    assert lost == []
    _assert_no_drift(engine)
