"""Test databases built once per session and copied per test (SQLite files, PostgreSQL schemas).

SQLite: an empty database and each template are files; a test gets a copy of one.
PostgreSQL: DDL per test is the slow part (≈1.5 s on the shared machine), so schemas are pooled:
a released schema is emptied with DELETE and its sequences restarted, then handed to the next
test; a template's rows are copied in with INSERT … SELECT. Schema names carry a random prefix
per session, so concurrent runs in the same database never touch each other's schemas.
"""

from __future__ import annotations

import shutil
import uuid
from collections.abc import Callable
from pathlib import Path

from sqlalchemy import Engine, create_mock_engine, text

from models import Base
from models.db import make_engine

Loader = Callable[[Engine], None]


def _quoted(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


class SqliteFiles:
    """An empty database file and template files, copied per test."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.empty = self._build("empty", None)
        self.templates: dict[str, Path] = {}

    def _build(self, name: str, loader: Loader | None) -> Path:
        path = self.folder / f"{name}.db"
        if name != "empty":
            shutil.copyfile(self.empty, path)
        engine = make_engine(f"sqlite:///{path}")
        if loader is None:
            Base.metadata.create_all(engine)
        else:
            loader(engine)
        engine.dispose()  # the last connection closing checkpoints the WAL into the file
        assert not path.with_name(path.name + "-wal").exists(), "template left a WAL file"
        return path

    def template(self, name: str, loader: Loader) -> Path:
        """The file of a template, built on first use."""
        if name not in self.templates:
            self.templates[name] = self._build(name, loader)
        return self.templates[name]

    def engine(self, target: Path, template: Path | None = None) -> Engine:
        """An engine on a fresh copy of the empty database or of a template."""
        shutil.copyfile(template or self.empty, target)
        return make_engine(f"sqlite:///{target}")


def _create_script() -> str:
    """The DDL of every table, as PostgreSQL would run it, unqualified (search_path decides)."""
    statements: list[str] = []
    mock = create_mock_engine("postgresql+psycopg://", lambda sql, *a, **k: statements.append(
        str(sql.compile(dialect=mock.dialect)).strip()))
    Base.metadata.create_all(mock, checkfirst=False)
    return ";\n".join(statements) + ";"


class PgSchemas:
    """A pool of PostgreSQL schemas with every table, plus template schemas to copy rows from."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.admin = make_engine(url, isolation_level="AUTOCOMMIT")
        self.prefix = f"t_{uuid.uuid4().hex[:8]}_"
        self.ddl = _create_script()
        self.tables = [t.name for t in Base.metadata.sorted_tables]
        self.free: list[str] = []
        self.made: list[str] = []
        self.templates: dict[str, str] = {}
        self.sequences: list[str] | None = None

    def _run(self, script: str) -> None:
        with self.admin.connect() as conn:
            conn.connection.driver_connection.execute(script)

    def _new_schema(self) -> str:
        schema = f"{self.prefix}{len(self.made)}"
        self._run(f"CREATE SCHEMA {_quoted(schema)}; SET search_path TO {_quoted(schema)};\n"
                  f"{self.ddl}\nRESET search_path;")
        self.made.append(schema)
        if self.sequences is None:
            with self.admin.connect() as conn:
                self.sequences = list(conn.scalars(text(
                    "SELECT sequencename FROM pg_sequences WHERE schemaname = :s "
                    "ORDER BY sequencename"), {"s": schema}))
        return schema

    def engine_on(self, schema: str) -> Engine:
        """An engine whose search_path is the schema."""
        return make_engine(self.url, connect_args={"options": f"-csearch_path={schema}"})

    def acquire(self, template: str | None = None) -> str:
        """An empty schema (from the pool, or new), filled with a template's rows if named."""
        schema = self.free.pop() if self.free else self._new_schema()
        if template is not None:
            self._run(self._copy_script(self.templates[template], schema))
        return schema

    def _copy_script(self, source: str, target: str) -> str:
        src, dst = _quoted(source), _quoted(target)
        lines = ["BEGIN;"]
        lines += [f"INSERT INTO {dst}.{_quoted(t)} SELECT * FROM {src}.{_quoted(t)};"
                  for t in self.tables]  # parents first: foreign keys hold row by row
        lines += [f"SELECT setval('{dst}.{_quoted(s)}', last_value, is_called) "
                  f"FROM {src}.{_quoted(s)};" for s in self.sequences or []]
        return "\n".join([*lines, "COMMIT;"])

    def release(self, schema: str) -> None:
        """Empty the schema and restart its sequences, so the next test finds it as new."""
        dst = _quoted(schema)
        lines = ["SET lock_timeout = '10s';", "BEGIN;"]
        lines += [f"DELETE FROM {dst}.{_quoted(t)};" for t in reversed(self.tables)]
        lines += [f"SELECT setval('{dst}.{_quoted(s)}', 1, false);" for s in self.sequences or []]
        self._run("\n".join([*lines, "COMMIT;"]))
        self.free.append(schema)

    def template(self, name: str, loader: Loader) -> str:
        """The schema of a template, built on first use (never handed out to a test)."""
        if name not in self.templates:
            schema = self.acquire()
            engine = self.engine_on(schema)
            try:
                loader(engine)
            finally:
                engine.dispose()
            self.templates[name] = schema
        return self.templates[name]

    def close(self) -> None:
        """Drop every schema this session made."""
        with self.admin.connect() as conn:
            for schema in self.made:
                conn.execute(text(f"DROP SCHEMA IF EXISTS {_quoted(schema)} CASCADE"))
        self.admin.dispose()
