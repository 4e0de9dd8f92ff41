"""A throw-away PostgreSQL schema for one benchmark run (dropped afterwards)."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import TypeVar

from sqlalchemy import text

from models.db import make_engine

T = TypeVar("T")


def on_scratch_schema(url: str, body: Callable[..., T]) -> T | None:
    """Run body(engine) on an engine bound to a fresh schema; None when no server answers."""
    schema = f"bench_{uuid.uuid4().hex[:10]}"
    try:
        admin = make_engine(url, isolation_level="AUTOCOMMIT", connect_args={"connect_timeout": 3})
        with admin.connect() as conn:
            conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    except Exception:  # noqa: BLE001 - no server: the benchmark runs on SQLite only
        return None
    engine = make_engine(url, connect_args={"options": f"-csearch_path={schema}"})
    try:
        return body(engine)
    finally:
        engine.dispose()
        with admin.connect() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()
