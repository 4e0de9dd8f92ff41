"""Number sequences (编号): one row per scope and year, advanced by a conditional UPDATE … RETURNING."""

from __future__ import annotations

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base


class NumberSequence(Base):
    """The last number handed out in a scope (e.g. 'work_order:12') for one year."""

    __tablename__ = "number_sequences"

    scope: Mapped[str] = mapped_column(String(80), primary_key=True)
    year: Mapped[int] = mapped_column(primary_key=True)
    last_value: Mapped[int] = mapped_column(default=0)
