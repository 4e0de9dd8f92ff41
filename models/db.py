"""Engine and session factories for the embedded SQLite default and PostgreSQL."""

from __future__ import annotations

import os
from pathlib import Path

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.dialects.sqlite.base import SQLiteCompiler
from sqlalchemy.orm import Session, sessionmaker

DATABASE_URL_ENV = "QUANZE_DATABASE_URL"


def default_database_url(instance_dir: str | os.PathLike | None = None) -> str:
    """The configured URL, or an SQLite file in the instance folder."""
    url = os.environ.get(DATABASE_URL_ENV)
    if url:
        return url
    folder = Path(instance_dir or os.environ.get("QUANZE_INSTANCE_DIR", "instance"))
    folder.mkdir(parents=True, exist_ok=True)
    return f"sqlite:///{(folder / 'quanze.db').resolve()}"


def _sqlite_pragmas(dbapi_connection, _record) -> None:
    # WAL lets readers run beside the single writer; foreign keys are off by default in SQLite.
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.close()


class _HintingSQLiteCompiler(SQLiteCompiler):
    """SQLite's compiler, also writing `.with_hint(table, "INDEXED BY ix", "sqlite")` after the table.

    SQLAlchemy's SQLite dialect drops table hints. Without ANALYZE statistics SQLite reaches a row by
    its rowid even when a covering index holds every column the query needs, which for rows carrying
    the engine's state means a page per row; the few statements that know better say so.
    """

    def get_from_hint_text(self, table, text):
        return text


def make_engine(url: str, **kwargs) -> Engine:
    """Create an engine; SQLite gets WAL, foreign keys and table hints, PostgreSQL psycopg 3."""
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://") :]
    engine = create_engine(url, **kwargs)
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", _sqlite_pragmas)
        engine.dialect.statement_compiler = _HintingSQLiteCompiler
    return engine


def make_session_factory(engine: Engine) -> sessionmaker[Session]:
    """Sessions that keep loaded objects usable after commit."""
    return sessionmaker(bind=engine, expire_on_commit=False)
