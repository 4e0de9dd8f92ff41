"""Hot statements compiled once by SQLAlchemy and run on the session's own DBAPI cursor.

A workflow step writes a handful of small rows and the registry's `who` answers thousands of
lookups a second; SQLAlchemy's per-execution machinery (execution context, result metadata,
events) costs several times the SQL itself. Here SQLAlchemy still writes the SQL for the
dialect and supplies each type's bind and result processors; the statement runs on the
session's connection, so it belongs to the session's transaction, and a DBAPI error is raised
as the same sqlalchemy.exc error a Core execute would raise.

What is skipped: SQLAlchemy's connection and cursor events (before_cursor_execute, …) do not
fire for these statements and `echo=True` does not log them. Used only where a benchmark shows
it pays: the engine's step (benchmarks/engine.py), the audit chain's append and `who`
(benchmarks/registry.py).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import Select
from sqlalchemy.engine import Connection
from sqlalchemy.exc import DBAPIError
from sqlalchemy.sql.expression import ClauseElement

_CURSOR = "quanze.fast_cursor"
_COMPILED: dict[tuple, FastStatement] = {}  # SQL text per statement and dialect; holds no data


@dataclass(frozen=True)
class FastStatement:
    """SQL text, parameter layout and type processors of one statement for one dialect."""

    sql: str
    template: dict  # every bind with its processed default; caller parameters overwrite
    order: tuple[str, ...] | None  # positional parameter names (a name may repeat)
    bind: dict[str, Callable]  # parameter → the type's bind processor
    converters: tuple[tuple[int, Callable], ...]  # (column index, result processor)

    @classmethod
    def build(cls, statement: ClauseElement, dialect, types: dict | None = None) -> FastStatement:
        """Compile for a dialect; bindparam()s without a value are the caller's parameters.

        `types` names the SQL type of a caller parameter SQLAlchemy cannot infer.
        """
        compiled = statement.compile(dialect=dialect)
        if compiled.post_compile_params or compiled.literal_execute_params:
            raise ValueError("expanding parameters (IN) need SQLAlchemy's own execute")
        types = types or {}
        caller = [name for name, param in compiled.binds.items() if param.required]
        values = compiled.construct_params(dict.fromkeys(caller))
        bind = {name: processor for name, param in compiled.binds.items()
                if (processor := types.get(name, param.type).dialect_impl(dialect)
                    .bind_processor(dialect)) is not None}
        template = {name: bind[name](value) if name in bind and name not in caller else value
                    for name, value in values.items()}
        order = tuple(compiled.positiontup) if compiled.positional else None
        columns = statement.selected_columns if isinstance(statement, Select) else ()
        converters = tuple(
            (i, processor) for i, column in enumerate(columns)
            if (processor := column.type.dialect_impl(dialect).result_processor(dialect, None))
            is not None)
        return cls(compiled.string, template, order, bind, converters)

    def execute(self, connection: Connection, params: dict) -> Ran:
        """Run in the connection's transaction; rows are read to the end at once."""
        values = dict(self.template)
        bind = self.bind
        for name, value in params.items():
            processor = bind.get(name)
            values[name] = processor(value) if processor is not None else value
        args = [values[name] for name in self.order] if self.order is not None else values
        cursor = _cursor(connection)
        dbapi = connection.dialect.loaded_dbapi
        try:
            cursor.execute(self.sql, args)
        except dbapi.Error as exc:  # the same SQLAlchemy errors a Core execute raises
            lost = _drop_if_lost(connection, cursor, exc)
            raise DBAPIError.instance(self.sql, args, exc, dbapi.Error,
                                      dialect=connection.dialect,
                                      connection_invalidated=lost) from exc
        # Reading every row finishes the statement (SQLite keeps an unfinished one active).
        rows = cursor.fetchall() if cursor.description is not None else []
        if self.converters:
            rows = [_converted(row, self.converters) for row in rows]
        return Ran(cursor.rowcount, rows)


def _drop_if_lost(connection: Connection, cursor, exc: Exception) -> bool:
    """As a Core execute does: a lost server connection is invalidated, never pooled again.

    Without this, the step's rollback would fail on the dead connection (a backend ended by
    pg_terminate_backend or a restart) instead of ending cleanly.
    """
    fairy = connection.connection
    if not connection.dialect.is_disconnect(exc, fairy.dbapi_connection, cursor):
        return False
    fairy.info.pop(_CURSOR, None)
    connection.invalidate(exc)
    return True


def _converted(row, converters) -> tuple:
    values = list(row)
    for i, processor in converters:
        values[i] = processor(values[i])
    return tuple(values)


@dataclass(frozen=True)
class Ran:
    """What a statement did: rows changed and rows returned."""

    rowcount: int
    rows: list

    def first(self):
        """The first row returned, or None."""
        return self.rows[0] if self.rows else None

    def fetchall(self) -> list:
        """Every row returned."""
        return self.rows


def fast(key: str, connection: Connection, build: Callable[[], ClauseElement],
         types: dict | None = None) -> FastStatement:
    """The statement `key` compiled for this connection's dialect (built on first use)."""
    dialect = connection.dialect
    cache_key = (key, dialect.name, dialect.driver, dialect.paramstyle)
    found = _COMPILED.get(cache_key)
    if found is None:
        found = _COMPILED[cache_key] = FastStatement.build(build(), dialect, types)
    return found


def _cursor(connection: Connection):
    """One reusable DBAPI cursor per pooled connection, kept in the connection's own `info`."""
    info = connection.connection.info
    cursor = info.get(_CURSOR)
    if cursor is None:
        cursor = info[_CURSOR] = connection.connection.driver_connection.cursor()
    return cursor
