"""Server-side sign-in sessions: opened at login, ended by logout, account changes and timeouts."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from models import User, WebSession
from workflows.accounts.access import Principal, principal_for
from workflows.core.db import unit_of_work

# Writing last_seen_at on every request would turn each page view into a write; a minute is enough
# precision for an idle timeout counted in minutes.
TOUCH_EVERY = timedelta(minutes=1)


@dataclass(frozen=True)
class Timeouts:
    """How long a session lives: idle since the last request, and at most since sign-in."""

    idle: timedelta = timedelta(minutes=30)
    absolute: timedelta = timedelta(hours=12)


def _hash(secret: str) -> str:
    # The key is 256 random bits, so a fast hash suffices (nothing to guess from a dictionary).
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def open_session(session: Session, user_id: int, now: datetime) -> str:
    """Start a session for the user; returns the secret the browser keeps."""
    secret = secrets.token_urlsafe(32)
    with unit_of_work(session):
        session.add(WebSession(user_id=user_id, key_hash=_hash(secret), created_at=now, last_seen_at=now))
    return secret


def _find(session: Session, secret: str) -> WebSession | None:
    if not secret or not isinstance(secret, str):
        return None
    return session.scalars(select(WebSession).where(WebSession.key_hash == _hash(secret))).first()


def session_principal(session: Session, secret: str, now: datetime,
                      timeouts: Timeouts = Timeouts()) -> Principal | None:
    """The principal of a live session, or None (ending it when it has timed out)."""
    with unit_of_work(session):
        row = _find(session, secret)
        if row is None or row.ended_at is not None:
            return None
        if now - row.last_seen_at >= timeouts.idle:
            row.ended_at, row.end_reason = now, "idle_timeout"
            return None
        if now - row.created_at >= timeouts.absolute:
            row.ended_at, row.end_reason = now, "absolute_timeout"
            return None
        user = session.get(User, row.user_id)
        if user is None or not user.is_active:
            row.ended_at, row.end_reason = now, "deactivated"
            return None
        if now - row.last_seen_at >= TOUCH_EVERY:
            row.last_seen_at = now
        return principal_for(session, user)


def end_session(session: Session, secret: str, now: datetime, reason: str = "logout") -> None:
    """End one session (logout); an unknown or ended one is left alone."""
    with unit_of_work(session):
        row = _find(session, secret)
        if row is not None and row.ended_at is None:
            row.ended_at, row.end_reason = now, reason


def end_user_sessions(session: Session, user_id: int, now: datetime, reason: str) -> None:
    """End every open session of a user, inside the caller's transaction (account changes)."""
    session.execute(update(WebSession)
                    .where(WebSession.user_id == user_id, WebSession.ended_at.is_(None))
                    .values(ended_at=now, end_reason=reason))
