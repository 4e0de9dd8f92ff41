"""Transaction boundary: each use case commits in one place (design.md §2)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy.orm import Session


@contextmanager
def unit_of_work(session: Session) -> Iterator[Session]:
    """Begin a transaction, or join the caller's when one is already open."""
    if session.in_transaction():
        yield session
        return
    with session.begin():
        yield session
