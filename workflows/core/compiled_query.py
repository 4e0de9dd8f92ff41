"""A hot read compiled once by SQLAlchemy and run on the session's DBAPI cursor.

For lookups called thousands of times a second (the registry's `who`), SQLAlchemy's
per-execution machinery (execution context, result metadata, events) costs several times the
indexed query itself. Here SQLAlchemy still writes the SQL and supplies each type's own bind
and result processors; only the per-call bookkeeping is skipped. Reads only: the statement
runs inside the session's current transaction, on its connection.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import Select
from sqlalchemy.engine import Connection, Dialect


@dataclass(frozen=True)
class CompiledQuery:
    """SQL text, parameter layout and type processors of one statement for one dialect."""

    sql: str
    template: tuple | dict  # parameters SQLAlchemy bound itself (LIMIT 1 …), caller slots empty
    slots: tuple[tuple[int | str, str], ...]  # (slot, caller parameter) — a name may repeat
    bind: dict[str, Callable]  # caller parameter → the type's bind processor
    converters: tuple[tuple[int, Callable], ...]  # (column index, result processor)

    @classmethod
    def build(cls, statement: Select, dialect: Dialect, types: dict) -> CompiledQuery:
        """Compile for a dialect; `types` maps each caller parameter to its SQL type."""
        compiled = statement.compile(dialect=dialect)
        values = compiled.construct_params(dict.fromkeys(types))
        bind = {name: processor for name, t in types.items()
                if (processor := t.dialect_impl(dialect).bind_processor(dialect)) is not None}
        if compiled.positional:
            order = list(compiled.positiontup)
            template: tuple | dict = tuple(values[n] for n in order)
            slots = tuple((i, n) for i, n in enumerate(order) if n in types)
        else:
            template = values
            slots = tuple((n, n) for n in types)
        converters = tuple(
            (i, proc) for i, col in enumerate(statement.selected_columns)
            if (proc := col.type.dialect_impl(dialect).result_processor(dialect, None)) is not None)
        return cls(compiled.string, template, slots, bind, converters)

    def rows(self, connection: Connection, params: dict) -> list[list]:
        """Run on the session's connection (its transaction) and return processed rows."""
        values = {name: processor(value) if processor is not None and value is not None else value
                  for name, value in params.items()
                  for processor in (self.bind.get(name),)}
        args = list(self.template) if isinstance(self.template, tuple) else dict(self.template)
        for slot, name in self.slots:
            args[slot] = values[name]
        cursor = _cursor(connection)
        cursor.execute(self.sql, args)
        fetched = [list(row) for row in cursor.fetchall()]
        for row in fetched:
            for i, processor in self.converters:
                row[i] = processor(row[i])
        return fetched


def _cursor(connection: Connection):
    """One reusable DBAPI cursor per pooled connection, kept in the connection's own `info`."""
    info = connection.connection.info
    cursor = info.get("quanze.lookup_cursor")
    if cursor is None:
        cursor = info["quanze.lookup_cursor"] = connection.connection.driver_connection.cursor()
    return cursor
