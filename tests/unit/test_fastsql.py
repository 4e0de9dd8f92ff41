"""Hot statements on the DBAPI cursor behave like SQLAlchemy's own execute."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import Date, bindparam, func, insert, select, text
from sqlalchemy.exc import IntegrityError, OperationalError

from models import AuditHead
from workflows.core.db import unit_of_work
from workflows.core.fastsql import fast


def _insert_head():
    head = AuditHead.__table__
    return insert(head).values(id=bindparam("id"), seq=0, last_hash=bindparam("tip"))


def test_a_constraint_error_is_sqlalchemys_and_the_transaction_rolls_back(session):
    """A duplicate key raises sqlalchemy.exc.IntegrityError; nothing of the unit is kept."""
    with unit_of_work(session):
        connection = session.connection()
        fast("test.head", connection, _insert_head).execute(connection, {"id": 1, "tip": "a"})
    with pytest.raises(IntegrityError), unit_of_work(session):
        connection = session.connection()
        fast("test.head", connection, _insert_head).execute(connection, {"id": 2, "tip": "b"})
        fast("test.head", connection, _insert_head).execute(connection, {"id": 1, "tip": "c"})
    assert session.scalar(select(func.count()).select_from(AuditHead)) == 1


def test_rows_and_rowcount_come_back_and_in_lists_are_refused(session):
    """Selects return their rows; an expanding IN is left to SQLAlchemy's execute."""
    head = AuditHead.__table__
    with unit_of_work(session):
        connection = session.connection()
        fast("test.head", connection, _insert_head).execute(connection, {"id": 5, "tip": "t"})
        ran = fast("test.read", connection, lambda: select(head.c.seq, head.c.last_hash).where(
            head.c.id == bindparam("id"))).execute(connection, {"id": 5})
        assert ran.first() == (0, "t") and ran.fetchall() == [(0, "t")]
        with pytest.raises(ValueError, match="expanding"):
            fast("test.in", connection, lambda: select(head.c.id).where(
                head.c.id.in_([1, 2])))



def test_values_go_through_the_column_types_both_ways(session):
    """A date goes in through its bind processor and comes back through its result processor."""
    on = date(2026, 3, 2)
    with unit_of_work(session):
        connection = session.connection()
        core = connection.execute(select(bindparam("on", type_=Date())), {"on": on}).first()
        ran = fast("test.date", connection, lambda: select(bindparam("on", type_=Date())))
        assert ran.execute(connection, {"on": on}).first() == tuple(core) == (on,)


def test_a_lost_server_connection_is_dropped_and_the_next_unit_runs(engine, session):
    """PostgreSQL ends the backend mid-transaction: the error says the connection was
    invalidated (never a lost race), the rollback is clean and the next unit gets a new one."""
    if engine.dialect.name != "postgresql":
        pytest.skip("PostgreSQL only: SQLite has no server connection to lose")
    with pytest.raises(OperationalError) as lost, unit_of_work(session):
        connection = session.connection()
        pid = connection.exec_driver_sql("SELECT pg_backend_pid()").scalar()
        with engine.connect() as admin:
            assert admin.scalar(text("SELECT pg_terminate_backend(:p, 10000)"), {"p": pid})
        fast("test.head", connection, _insert_head).execute(connection, {"id": 7, "tip": "x"})
    # The statement's own error, not a second one from a rollback on the dead connection.
    assert "administrator command" in str(lost.value.orig) and lost.value.connection_invalidated
    with unit_of_work(session):
        connection = session.connection()
        fast("test.head", connection, _insert_head).execute(connection, {"id": 7, "tip": "x"})
    assert session.scalar(select(func.count()).select_from(AuditHead)) == 1
