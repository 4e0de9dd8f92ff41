"""API tokens for other systems and failed-login counters for rate limiting."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models.base import Base
from models.organizations import User


class ApiToken(Base):
    """A bearer token acting as one user; only the sha256 of the secret is stored."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(80))
    # First characters of the secret, shown so people can tell their tokens apart.
    prefix: Mapped[str] = mapped_column(String(12))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime]
    expires_at: Mapped[datetime | None]
    last_used_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]

    user: Mapped[User] = relationship()

    def is_usable_at(self, instant: datetime) -> bool:
        """True when the token is neither revoked nor expired at the instant."""
        if self.revoked_at is not None:
            return False
        return self.expires_at is None or instant < self.expires_at


class LoginAttempt(Base):
    """One failed sign-in, counted per username and address to slow password guessing."""

    __tablename__ = "login_attempts"
    __table_args__ = (Index("ix_login_attempt_key", "username", "remote_addr", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(60))
    remote_addr: Mapped[str] = mapped_column(String(64))
    at: Mapped[datetime]
