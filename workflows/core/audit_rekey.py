"""Re-key an audit chain written before the HMAC key existed (issue 13): `quanze audit rekey`.

Rows written before the chain was keyed carry a plain sha256 over the same content. Re-keying
first proves the chain as it stands intact — each row authentic under the old scheme, the
current key or a named previous key, each linked to its predecessor, no gap, the head at the
last row, the last anchor matching — and refuses otherwise, naming the row, so a tampered
chain is never laundered into an authentic one. Then, in one transaction, it rewrites the
links and hashes from the first row that needs it with the key, moves the head and records an
`audit.rekeyed` event in the chain itself; the caller anchors the new head outside the database.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import bindparam, select, update
from sqlalchemy.orm import Session

from models import AuditEvent, AuditHead
from models.audit import GENESIS_HASH
from workflows.core.audit import record, row_hash, unkeyed_row_hash
from workflows.core.audit_key import AUDIT_KEY_ENV, audit_key
from workflows.core.audit_verify import Anchor
from workflows.core.db import unit_of_work
from workflows.core.errors import Conflict, ValidationFailed

BATCH = 1000


class RekeyRefused(Conflict):
    """The chain is not intact as it stands (or no key is given): nothing was re-keyed."""

    code = "audit_rekey_refused"


@dataclass(frozen=True)
class RekeyReport:
    """What a re-key did: rows walked, rows that carried the unkeyed hash, rows rewritten."""

    rows: int
    unkeyed: int
    rewritten: int


def _scheme(row: AuditEvent, key: bytes, previous: list[bytes]) -> str | None:
    """Which scheme makes the row authentic: 'keyed', 'previous', 'unkeyed' or None."""
    if row.hash == row_hash(row, key):
        return "keyed"
    if any(row.hash == row_hash(row, old) for old in previous):
        return "previous"
    if row.hash == unkeyed_row_hash(row):
        return "unkeyed"
    return None


def _refuse(message: str, seq: int | None = None) -> RekeyRefused:
    return RekeyRefused(f"审计链不完整，不予重新签名 / audit chain not intact, not re-keyed: "
                        f"{message}", seq=seq)


def _rows(session: Session):
    """Every row in seq order, a batch at a time (keyset pagination)."""
    last = 0
    while True:
        rows = session.scalars(select(AuditEvent).where(AuditEvent.seq > last)
                               .order_by(AuditEvent.seq).limit(BATCH)).all()
        if not rows:
            return
        yield from rows
        last = rows[-1].seq


def _relinked(session: Session, key: bytes, previous: list[bytes],
              anchor: Anchor | None) -> tuple[list[dict], int, int, str, str]:
    """Check the chain as it stands; the rewrites it needs, rows, unkeyed rows, old and new tip."""
    changes, old_tip, new_tip, count, unkeyed = [], GENESIS_HASH, GENESIS_HASH, 0, 0
    for row in _rows(session):
        count += 1
        if row.seq != count:
            raise _refuse(f"seq {count} is missing (deleted)", count)
        if row.prev_hash != old_tip:
            raise _refuse(f"seq {row.seq} does not link to its predecessor", row.seq)
        scheme = _scheme(row, key, previous)
        if scheme is None:
            raise _refuse(f"seq {row.seq} is authentic under no known scheme (rewritten)", row.seq)
        unkeyed += scheme == "unkeyed"
        if anchor is not None and row.seq == anchor.seq and row.hash != anchor.hash:
            raise _refuse(f"seq {row.seq} differs from the anchor of {anchor.at}", row.seq)
        fresh = row_hash({**_columns(row), "prev_hash": new_tip}, key)
        if (row.prev_hash, row.hash) != (new_tip, fresh):
            changes.append({"row_id": row.id, "new_prev": new_tip, "new_hash": fresh})
        old_tip, new_tip = row.hash, fresh
        session.expunge(row)  # a long chain is walked in batches, not held
    if anchor is not None and anchor.seq > count:
        raise _refuse(f"the anchor of {anchor.at} names seq {anchor.seq}, the chain ends at "
                      f"{count} (rows removed from its end)", anchor.seq)
    return changes, count, unkeyed, old_tip, new_tip


def _columns(row: AuditEvent) -> dict:
    return {c: getattr(row, c) for c in ("seq", "at", "actor_user_id", "actor_org_id", "action",
                                         "subject_type", "subject_id", "instance_id",
                                         "task_name", "data_digest", "details", "prev_hash")}


def _rewrite(session: Session, changes: list[dict]) -> None:
    events = AuditEvent.__table__
    statement = (update(events).where(events.c.id == bindparam("row_id"))
                 .values(prev_hash=bindparam("new_prev"), hash=bindparam("new_hash")))
    connection = session.connection()
    for start in range(0, len(changes), BATCH):
        connection.execute(statement, changes[start:start + BATCH])


def rekey_chain(session: Session, at: datetime, previous_keys: list[bytes] | None = None,
                anchor: Anchor | None = None) -> RekeyReport:
    """Prove the chain intact, then re-hash it with QUANZE_AUDIT_KEY and record that it was."""
    if not os.environ.get(AUDIT_KEY_ENV):
        raise ValidationFailed({AUDIT_KEY_ENV: [
            "重新签名需要部署的审计密钥 / re-keying needs the deployment's audit key in "
            f"{AUDIT_KEY_ENV} (a development key file is not accepted)"]})
    key = audit_key()
    with unit_of_work(session):
        changes, count, unkeyed, old_tip, new_tip = _relinked(
            session, key, previous_keys or [], anchor)
        head = session.get(AuditHead, 1, populate_existing=True)
        if count and (head is None or head.seq != count or head.last_hash != old_tip):
            raise _refuse("the head row does not point at the last row", count)
        if not changes:
            return RekeyReport(count, 0, 0)
        _rewrite(session, changes)
        session.execute(update(AuditHead).where(AuditHead.id == 1).values(last_hash=new_tip))
        record(session, at=at, action="audit.rekeyed", subject_type="audit_chain", subject_id=1,
               details={"rows": count, "unkeyed": unkeyed, "rewritten": len(changes)})
        return RekeyReport(count, unkeyed, len(changes))
