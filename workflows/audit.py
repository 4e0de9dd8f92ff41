"""Append to and verify the sha256-chained audit trail (执法全过程记录, 行政处罚法 第47条)."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from models import AuditEvent, AuditHead
from models.audit import GENESIS_HASH


def digest(data) -> str:
    """sha256 of the canonical JSON of any JSON-native value."""
    canonical = json.dumps(data, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def _row_hash(event: AuditEvent) -> str:
    return digest(
        {
            "seq": event.seq,
            "at": event.at.isoformat(),
            "actor_user_id": event.actor_user_id,
            "actor_org_id": event.actor_org_id,
            "action": event.action,
            "subject_type": event.subject_type,
            "subject_id": event.subject_id,
            "instance_id": event.instance_id,
            "task_name": event.task_name,
            "data_digest": event.data_digest,
            "details": event.details,
            "prev_hash": event.prev_hash,
        }
    )


def ensure_head(session: Session) -> None:
    """Create the chain's tip row if the database is new."""
    if session.get(AuditHead, 1) is None:
        session.add(AuditHead(id=1, seq=0, last_hash=GENESIS_HASH))
        session.flush()


def record(
    session: Session,
    *,
    at: datetime,
    action: str,
    subject_type: str,
    subject_id: str | int,
    actor_user_id: int | None = None,
    actor_org_id: int | None = None,
    instance_id: int | None = None,
    task_name: str | None = None,
    data=None,
    details: dict | None = None,
) -> AuditEvent:
    """Append one event in the caller's transaction; the head update serializes writers."""
    ensure_head(session)
    # Taking the row lock first (UPDATE … RETURNING) makes concurrent appends queue up
    # instead of forking the chain.
    seq, prev_hash = session.execute(
        update(AuditHead)
        .where(AuditHead.id == 1)
        .values(seq=AuditHead.seq + 1)
        .returning(AuditHead.seq, AuditHead.last_hash)
    ).one()
    event = AuditEvent(
        seq=seq,
        at=at,
        actor_user_id=actor_user_id,
        actor_org_id=actor_org_id,
        action=action,
        subject_type=subject_type,
        subject_id=str(subject_id),
        instance_id=instance_id,
        task_name=task_name,
        data_digest=digest(data),
        details=details or {},
        prev_hash=prev_hash,
    )
    event.hash = _row_hash(event)
    session.add(event)
    session.execute(update(AuditHead).where(AuditHead.id == 1).values(last_hash=event.hash))
    session.flush()
    return event


@dataclass(frozen=True)
class ChainReport:
    """Outcome of a chain verification."""

    ok: bool
    checked: int
    first_bad_seq: int | None = None
    reason: str | None = None


def verify_chain(session: Session, batch: int = 5000) -> ChainReport:
    """Walk the chain in order and check every link and every row hash."""
    prev = GENESIS_HASH
    expected_seq = 1
    checked = 0
    last_seq = 0
    while True:
        rows = session.scalars(
            select(AuditEvent).where(AuditEvent.seq > last_seq).order_by(AuditEvent.seq).limit(batch)
        ).all()
        if not rows:
            break
        for event in rows:
            if event.seq != expected_seq:
                return ChainReport(False, checked, expected_seq, "missing row (gap in sequence)")
            if event.prev_hash != prev:
                return ChainReport(False, checked, event.seq, "broken link to previous row")
            if _row_hash(event) != event.hash:
                return ChainReport(False, checked, event.seq, "row content changed after writing")
            prev = event.hash
            expected_seq += 1
            checked += 1
            last_seq = event.seq
    head = session.get(AuditHead, 1)
    if head is not None and (head.seq != checked or head.last_hash != prev):
        return ChainReport(False, checked, checked + 1, "rows removed from the end of the chain")
    return ChainReport(True, checked)
