"""Append to the keyed, chained audit trail (执法全过程记录, 行政处罚法 第47条).

Each row's hash is an HMAC-SHA256 over its content and the previous row's hash, keyed by a
secret kept outside the database (workflows/core/audit_key.py), so someone who can write the
tables cannot re-hash a changed row; workflows/core/audit_verify.py checks the chain.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from datetime import datetime

from sqlalchemy import bindparam, insert, select, update
from sqlalchemy.orm import Session

from models import AuditEvent, AuditHead
from models.audit import GENESIS_HASH
from workflows.core.audit_key import audit_key
from workflows.core.fastsql import fast


def digest(data) -> str:
    """sha256 of the canonical JSON of any JSON-native value."""
    return hashlib.sha256(_canonical(data)).hexdigest()


def _canonical(value) -> bytes:
    return json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":"),
                      default=str).encode("utf-8")


def _content(event, seq: int | None = None) -> bytes:
    """The canonical bytes a row's hash covers: its content and its link."""
    get = event.get if isinstance(event, dict) else event.__getattribute__
    return _canonical({
        "seq": get("seq") if seq is None else seq, "at": get("at").isoformat(), "actor_user_id": get("actor_user_id"),
        "actor_org_id": get("actor_org_id"), "action": get("action"),
        "subject_type": get("subject_type"), "subject_id": get("subject_id"),
        "instance_id": get("instance_id"), "task_name": get("task_name"),
        "data_digest": get("data_digest"), "details": get("details"),
        "prev_hash": get("prev_hash"),
    })


def row_hash(event, key: bytes | None = None, seq: int | None = None) -> str:
    """HMAC-SHA256 over a row's content and its link (an AuditEvent or a dict of its columns).

    `seq` overrides the row's own (the verifier asks whether a renumbered row is authentic).
    """
    return hmac.new(key or audit_key(), _content(event, seq), hashlib.sha256).hexdigest()


def unkeyed_row_hash(event) -> str:
    """The plain sha256 rows carried before the chain was keyed (re-keyed by audit_rekey)."""
    return hashlib.sha256(_content(event)).hexdigest()


def _bump():
    head = AuditHead.__table__
    return (update(head).where(head.c.id == 1).values(seq=head.c.seq + 1)
            .returning(head.c.seq, head.c.last_hash))


def _insert_event():
    events = AuditEvent.__table__
    return insert(events).values({name: bindparam(name) for name in EVENT_COLUMNS})


def _set_tip():
    head = AuditHead.__table__
    return update(head).where(head.c.id == 1).values(last_hash=bindparam("tip"))


EVENT_COLUMNS = ("seq", "at", "actor_user_id", "actor_org_id", "action", "subject_type",
                 "subject_id", "instance_id", "task_name", "data_digest", "details",
                 "prev_hash", "hash")


def ensure_head(session: Session) -> None:
    """Create the chain's tip row if the database is new."""
    head = AuditHead.__table__
    if session.execute(select(head.c.id).where(head.c.id == 1)).first() is None:
        session.execute(insert(head).values(id=1, seq=0, last_hash=GENESIS_HASH))


def record(session: Session, *, at: datetime, action: str, subject_type: str,
           subject_id: str | int, actor_user_id: int | None = None,
           actor_org_id: int | None = None, instance_id: int | None = None,
           task_name: str | None = None, data=None, details: dict | None = None) -> AuditEvent:
    """Append one event in the caller's transaction; returns a transient copy of the row."""
    return AuditEvent(**append(
        session, at=at, action=action, subject_type=subject_type, subject_id=subject_id,
        actor_user_id=actor_user_id, actor_org_id=actor_org_id, instance_id=instance_id,
        task_name=task_name, data=data, details=details))


def append(session: Session, *, at: datetime, action: str, subject_type: str,
           subject_id: str | int, actor_user_id: int | None = None,
           actor_org_id: int | None = None, instance_id: int | None = None,
           task_name: str | None = None, data=None, details: dict | None = None) -> dict:
    """Append one event; the head update serializes writers. Returns the row's columns.

    Three compiled statements on the session's connection (no ORM unit of work on this hot
    path, see workflows/core/fastsql.py).
    """
    connection = session.connection()
    bump = fast("audit.bump", connection, _bump)
    # Taking the row lock first (UPDATE … RETURNING) makes concurrent appends queue up
    # instead of forking the chain.
    bumped = bump.execute(connection, {}).first()
    if bumped is None:  # a new database: create the tip, then take it
        ensure_head(session)
        bumped = bump.execute(connection, {}).first()
    row = {
        "seq": bumped[0], "at": at, "actor_user_id": actor_user_id, "actor_org_id": actor_org_id,
        "action": action, "subject_type": subject_type, "subject_id": str(subject_id),
        "instance_id": instance_id, "task_name": task_name, "data_digest": digest(data),
        "details": details or {}, "prev_hash": bumped[1],
    }
    row["hash"] = row_hash(row)
    fast("audit.insert", connection, _insert_event).execute(connection, row)
    fast("audit.tip", connection, _set_tip).execute(connection, {"tip": row["hash"]})
    return row

