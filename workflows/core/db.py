"""Transaction boundary: each use case commits in one place (design.md §2)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy.orm import Session

_DEPTH = "quanze_uow_depth"


@contextmanager
def unit_of_work(session: Session) -> Iterator[Session]:
    """Run a use case in one transaction; nested use cases join the outermost one.

    Only the outermost unit commits. A transaction SQLAlchemy opened implicitly for earlier
    reads is adopted and committed here, so a read before a use case never swallows its commit.
    """
    depth = session.info.get(_DEPTH, 0)
    session.info[_DEPTH] = depth + 1
    try:
        if depth:
            yield session
            return
        if not session.in_transaction():
            with session.begin():
                yield session
            return
        try:
            yield session
        except BaseException:
            session.rollback()
            raise
        session.commit()
    finally:
        session.info[_DEPTH] = depth
