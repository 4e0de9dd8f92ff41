"""The demo accounts shown on the login page when the Gucheng sample is loaded."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from models import AuditEvent, User
from workflows.sample.gucheng import DEMO_PASSWORD, DEMO_USERS


@dataclass(frozen=True)
class DemoAccount:
    """One demo login."""

    username: str
    display_name: str
    roles: tuple[str, ...]
    password: str


def demo_accounts(session: Session) -> list[DemoAccount]:
    """The sample's demo users still active in this database; empty without the sample."""
    loaded = session.scalars(select(AuditEvent.id).where(AuditEvent.action == "sample.loaded").limit(1)).first()
    if loaded is None:
        return []
    names = [u[0] for u in DEMO_USERS]
    active = set(session.scalars(select(User.username).where(User.username.in_(names), User.is_active)))
    return [DemoAccount(name, display, tuple(r.value for r in roles), DEMO_PASSWORD)
            for name, display, _org, roles, _cert in DEMO_USERS if name in active]
