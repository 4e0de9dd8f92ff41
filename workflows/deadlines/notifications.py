"""In-app notifications for deadline events: who hears of a warning or an expiry, and what."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from models import DeadlineRule, Membership, Notification, Organization, OrgKind, Role, User
from workflows.core.clock import SHANGHAI
from workflows.core.db import unit_of_work
from workflows.core.errors import NotFound

# Whose leader hears of a deadline: the township's leader, or a department's approving head.
LEADER_ROLE = {OrgKind.TOWNSHIP: Role.TOWNSHIP_LEADER, OrgKind.TOWNSHIP_ORGAN: Role.TOWNSHIP_LEADER}
COUNTY_KINDS = (OrgKind.COUNTY_GOVERNMENT, OrgKind.LEGAL_AFFAIRS_OFFICE)


@dataclass
class Audience:
    """Users to notify, and organizations to notify as a whole when no user holds the role."""

    users: set[int] = field(default_factory=set)
    orgs: set[int] = field(default_factory=set)


class RecipientIndex:
    """Role holders per organization for a batch of deadlines, loaded in two queries."""

    def __init__(self, session: Session, org_ids: Iterable[int]):
        wanted = {o for o in org_ids if o}
        self.orgs = {o.id: o for o in session.scalars(select(Organization).where(
            Organization.id.in_(wanted) | Organization.kind.in_(COUNTY_KINDS)))}
        parents = {o.township_id or o.parent_id for o in self.orgs.values()} - set(self.orgs) - {None}
        if parents:
            self.orgs |= {o.id: o for o in session.scalars(select(Organization).where(
                Organization.id.in_(parents)))}
        self.holders: dict[tuple[int, str], set[int]] = {}
        rows = session.execute(select(Membership.organization_id, Membership.role, Membership.user_id)
                               .join(User, User.id == Membership.user_id)
                               .where(Membership.organization_id.in_(self.orgs), User.is_active))
        for org_id, role, user_id in rows:
            self.holders.setdefault((org_id, str(role)), set()).add(user_id)

    def _chain(self, org_id: int | None) -> list[int]:
        org = self.orgs.get(org_id) if org_id else None
        if org is None:
            return []
        return [o for o in (org.id, org.township_id, org.parent_id) if o]

    def leaders(self, org_id: int | None) -> Audience:
        """The leader of the deadline's organization (the organization itself when nobody is)."""
        org = self.orgs.get(org_id) if org_id else None
        if org is None:
            return Audience()
        role = LEADER_ROLE.get(org.kind, Role.COUNTY_APPROVER)
        users = set().union(*(self.holders.get((o, role.value), set()) for o in self._chain(org_id)))
        return Audience(users) if users else Audience(orgs={org.id})

    def role_holders(self, org_id: int | None, role: str) -> Audience:
        """Holders of `role` in the organization, above it, or at county level (escalation)."""
        chain = self._chain(org_id) + [o.id for o in self.orgs.values() if o.kind in COUNTY_KINDS]
        users = set().union(*(self.holders.get((o, role), set()) for o in chain))
        if users:
            return Audience(users)
        county = [o.id for o in self.orgs.values() if o.kind == OrgKind.COUNTY_GOVERNMENT]
        return Audience(orgs=set(county[:1]))


def _local(instant) -> str:
    return instant.astimezone(SHANGHAI).strftime("%Y-%m-%d %H:%M")


_TEXTS = {
    "deadline_warning": ("期限预警：{zh}（{subject}）将于 {due} 届满。依据：{basis}",
                         "Deadline warning: {en} ({subject}) is due {due} (Asia/Shanghai)."),
    "deadline_overdue": ("期限已届满：{zh}（{subject}）已于 {due} 逾期。依据：{basis}",
                         "Deadline passed: {en} ({subject}) was due {due} (Asia/Shanghai)."),
    "deadline_escalated": ("逾期升级：{zh}（{subject}）已于 {due} 逾期，请督办。",
                           "Escalation: {en} ({subject}) passed its due time {due}."),
    "deadline_interrupted": ("期限届满，任务中止：{zh}（{subject}）于 {due} 届满，等待中的办理环节结束。",
                             "Period lapsed: {en} ({subject}) ended {due}; the waiting step ends."),
}


def message(kind: str, deadline, rule: DeadlineRule) -> str:
    """Chinese-first bilingual text of a deadline notification (`deadline`: row or model)."""
    subject = deadline.case_ref or (f"实例{deadline.instance_id}" if deadline.instance_id else f"任务{deadline.task_id}")
    zh, en = _TEXTS[kind]
    fields = {"zh": rule.name_zh, "en": rule.name_en, "basis": rule.legal_basis, "subject": subject,
              "due": _local(deadline.due_at)}
    return f"{zh.format(**fields)} / {en.format(**fields)}"


def notification_rows(kind: str, deadline, rule: DeadlineRule, audience: Audience, now) -> list[dict]:
    """Rows for a bulk insert: one per user, one per organization addressed as a whole."""
    text = message(kind, deadline, rule)
    rows = [{"user_id": u, "org_id": deadline.org_id, "kind": kind, "text": text,
             "deadline_id": deadline.id, "created_at": now} for u in sorted(audience.users)]
    rows += [{"user_id": None, "org_id": o, "kind": kind, "text": text, "deadline_id": deadline.id,
              "created_at": now} for o in sorted(audience.orgs)]
    return rows


_COLUMNS = ("user_id", "org_id", "kind", "text", "deadline_id", "created_at")


def insert_notifications(session: Session, rows: list[dict]) -> None:
    """Bulk insert in the caller's transaction; COPY on PostgreSQL (a catch-up writes thousands)."""
    if not rows:
        return
    if session.get_bind().dialect.name != "postgresql":
        session.execute(Notification.__table__.insert(), rows)
        return
    # psycopg's COPY through the session's own connection: same transaction, ~5× an executemany.
    driver = session.connection().connection.driver_connection
    statement = f"COPY {Notification.__tablename__} ({', '.join(_COLUMNS)}) FROM STDIN"
    with driver.cursor() as cursor, cursor.copy(statement) as copy:
        for row in rows:
            copy.write_row([row[c] for c in _COLUMNS])


def list_notifications(session: Session, user: User, *, unread_only: bool = False,
                       limit: int = 50) -> list[Notification]:
    """A user's notifications, and their organizations' collective ones, newest first."""
    org_ids = select(Membership.organization_id).where(Membership.user_id == user.id)
    query = select(Notification).where(
        (Notification.user_id == user.id)
        | (Notification.user_id.is_(None) & Notification.org_id.in_(org_ids)))
    if unread_only:
        query = query.where(Notification.read_at.is_(None))
    return list(session.scalars(query.order_by(Notification.created_at.desc(), Notification.id.desc())
                                .limit(limit)))


def mark_read(session: Session, clock, notification_id: int, user: User) -> Notification:
    """Mark one of the user's own notifications read."""
    with unit_of_work(session):
        note = session.get(Notification, notification_id)
        # Someone else's notification answers exactly as a missing one (no id probing).
        if note is None or note.user_id != user.id:
            raise NotFound(f"未知通知：{notification_id} / unknown notification", notification_id=notification_id)
        session.execute(update(Notification).where(Notification.id == note.id, Notification.read_at.is_(None))
                        .values(read_at=clock.now()).execution_options(synchronize_session=False))
        session.refresh(note)
    return note
