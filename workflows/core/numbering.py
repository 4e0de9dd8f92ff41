"""Safe numbers under concurrency: a per-scope, per-year sequence row, never count(*) + 1.

Two requests that count rows at the same time get the same number; here each number comes from
`UPDATE number_sequences SET last_value = last_value + 1 … RETURNING last_value`, which the
database serializes on the row (PostgreSQL row lock, SQLite writer lock). The first number of a
year inserts the row inside a SAVEPOINT; losing that insert race just means the row exists now.
"""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import insert, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from models import NumberSequence
from workflows.core.errors import ValidationFailed


def _advance(session: Session, scope: str, year: int) -> int | None:
    return session.scalar(
        update(NumberSequence).where(NumberSequence.scope == scope, NumberSequence.year == year)
        .values(last_value=NumberSequence.last_value + 1).returning(NumberSequence.last_value)
        .execution_options(synchronize_session=False))


def next_number(session: Session, scope: str, year: int, *, floor: Callable[[], int] | None = None) -> int:
    """The next number of `scope` in `year`, in the caller's transaction (rolled back with it).

    `floor` counts the numbers already issued the old way, so a new sequence starts above them.
    """
    if not scope or len(scope) > 80:
        raise ValidationFailed({"scope": [f"编号范围须为 1–80 个字符：{scope!r} / scope must be 1–80 characters"]})
    value = _advance(session, scope, year)
    if value is not None:
        return value
    start = (floor() if floor is not None else 0) + 1
    savepoint = session.begin_nested()
    try:
        session.execute(insert(NumberSequence).values(scope=scope, year=year, last_value=start))
    except IntegrityError:
        savepoint.rollback()  # another transaction created the row first: take the next one from it
        value = _advance(session, scope, year)
        if value is None:
            raise
        return value
    savepoint.commit()
    return start
