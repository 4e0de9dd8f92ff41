"""Server-side sign-in sessions: the browser cookie holds only a random key to one of these rows."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base


class WebSession(Base):
    """One signed-in browser; ended by logout, password change, deactivation, role change or timeout."""

    __tablename__ = "web_sessions"
    __table_args__ = (Index("ix_web_session_user_open", "user_id", "ended_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    # sha256 of the cookie's secret: a database reader cannot replay a session.
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime]
    last_seen_at: Mapped[datetime]
    ended_at: Mapped[datetime | None]
    end_reason: Mapped[str | None] = mapped_column(String(40))
