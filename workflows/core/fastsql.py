"""The engine's hot statements compiled once by SQLAlchemy and run on the session's DBAPI cursor.

A workflow step writes a handful of small rows; SQLAlchemy's per-execution machinery
(execution context, result metadata, events) cost several times the SQL itself. As in
workflows/core/compiled_query.py, SQLAlchemy still writes the SQL for the dialect and supplies each
type's bind processor; the statement runs on the session's own connection, so it is part of
the session's transaction and is committed or rolled back with it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy.engine import Connection
from sqlalchemy.exc import DBAPIError
from sqlalchemy.sql.expression import ClauseElement

_CURSOR = "quanze.engine_cursor"
_COMPILED: dict[tuple, FastStatement] = {}


@dataclass(frozen=True)
class FastStatement:
    """SQL text, parameter layout and bind processors of one statement for one dialect."""

    sql: str
    template: dict  # every bind with its processed default; caller parameters overwrite
    order: tuple[str, ...] | None  # positional parameter names, None for named styles
    bind: dict[str, Callable]  # parameter → the column type's bind processor

    @classmethod
    def build(cls, statement: ClauseElement, dialect) -> FastStatement:
        """Compile for a dialect; bindparam()s without a value are the caller's parameters."""
        compiled = statement.compile(dialect=dialect)
        if compiled.post_compile_params or compiled.literal_execute_params:
            raise ValueError("expanding parameters (IN) need SQLAlchemy's own execute")
        caller = [name for name, param in compiled.binds.items() if param.required]
        values = compiled.construct_params(dict.fromkeys(caller))
        bind = {name: processor for name, param in compiled.binds.items()
                if (processor := param.type.dialect_impl(dialect).bind_processor(dialect))
                is not None}
        template = {name: bind[name](value) if name in bind and name not in caller else value
                    for name, value in values.items()}
        order = tuple(compiled.positiontup) if compiled.positional else None
        return cls(compiled.string, template, order, bind)

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
            raise DBAPIError.instance(self.sql, args, exc, dbapi.Error,
                                      dialect=connection.dialect) from exc
        # Reading every row finishes the statement (SQLite keeps an unfinished one active).
        rows = cursor.fetchall() if cursor.description is not None else []
        return Ran(cursor.rowcount, rows)


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


def fast(key: str, connection: Connection, build: Callable[[], ClauseElement]) -> FastStatement:
    """The statement `key` compiled for this connection's dialect (built on first use)."""
    dialect = connection.dialect
    cache_key = (key, dialect.name, dialect.driver, dialect.paramstyle)
    found = _COMPILED.get(cache_key)
    if found is None:
        found = _COMPILED[cache_key] = FastStatement.build(build(), dialect)
    return found


def _cursor(connection: Connection):
    """One reusable DBAPI cursor per pooled connection, kept in the connection's own `info`."""
    info = connection.connection.info
    cursor = info.get(_CURSOR)
    if cursor is None:
        cursor = info[_CURSOR] = connection.connection.driver_connection.cursor()
    return cursor
