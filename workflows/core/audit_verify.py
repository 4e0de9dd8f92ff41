"""Verify the keyed audit chain and anchor its head outside the database (issue 13).

A row is authentic when its HMAC verifies with the key (also when only its `seq` was shifted
by one, as renumbering after an insertion or deletion does). Between two authentic rows the
link says what happened: the later row names its true predecessor's hash, so rows that the
link passes over were inserted, a slot whose row is there but not authentic was rewritten, and
an empty slot was deleted. The anchor (seq and hash written to a file by `quanze audit anchor`
and shown on the public portal) catches what no link can: a removed or replaced tail.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from models import AuditEvent, AuditHead
from models.audit import GENESIS_HASH
from workflows.core.audit import row_hash
from workflows.core.audit_key import audit_key

ANCHOR_FILE_ENV = "QUANZE_AUDIT_ANCHOR_FILE"
KINDS = {"inserted": "插入 / inserted", "deleted": "删除 / deleted", "rewritten": "篡改 / rewritten"}


@dataclass(frozen=True)
class Problem:
    """One finding: what happened (inserted / deleted / rewritten) to which sequence numbers."""

    kind: str
    seqs: tuple[int, ...]

    def __str__(self) -> str:
        return f"{KINDS[self.kind]}: seq {', '.join(map(str, self.seqs))}"


@dataclass(frozen=True)
class Anchor:
    """A head written outside the database: the chain had row `seq` with `hash` at `at`."""

    seq: int
    hash: str
    at: str = ""


@dataclass(frozen=True)
class ChainReport:
    """Outcome of a verification; `problems` names every insertion, deletion and rewrite."""

    ok: bool
    checked: int
    first_bad_seq: int | None = None
    reason: str | None = None
    problems: tuple[Problem, ...] = field(default_factory=tuple)


def _original_seq(event: AuditEvent, key: bytes) -> int | None:
    """The seq the row was written with, if it is authentic (possibly renumbered by one)."""
    for seq in (event.seq, event.seq - 1, event.seq + 1):
        if row_hash(event, key, seq) == event.hash:
            return seq
    return None


def _rows(session: Session, batch: int):
    last = None
    while True:
        query = select(AuditEvent).order_by(AuditEvent.seq).limit(batch)
        if last is not None:
            query = query.where(AuditEvent.seq > last)
        rows = session.scalars(query).all()
        if not rows:
            return
        yield from rows
        last = rows[-1].seq


def _between(before: tuple[str, int, int], after: AuditEvent, after_seq: int,
             strays: list[AuditEvent], found: list[Problem]) -> None:
    """Classify the non-authentic rows between two authentic ones.

    `before` is (hash, original seq, current seq) of the earlier authentic row (genesis: 0, 0).
    """
    before_hash, before_seq, before_now = before
    if after.prev_hash == before_hash:
        if strays:  # the link passes over them: they were never part of the chain
            found.append(Problem("inserted", tuple(r.seq for r in strays)))
        return
    slots = set(range(before_now + 1, after.seq))  # where the originals should lie now
    rewritten = [r.seq for r in strays if r.seq in slots]
    inserted = [r.seq for r in strays if r.seq not in slots]
    deleted = sorted(set(range(before_seq + 1, after_seq)) - set(rewritten))
    for kind, seqs in (("rewritten", rewritten), ("deleted", deleted), ("inserted", inserted)):
        if seqs:
            found.append(Problem(kind, tuple(seqs)))


def verify_chain(session: Session, batch: int = 5000, anchor: Anchor | None = None) -> ChainReport:
    """Walk the whole chain; name every insertion, deletion and rewrite found."""
    key = audit_key()
    found: list[Problem] = []
    before, strays, checked = (GENESIS_HASH, 0, 0), [], 0
    hashes: dict[int, str] = {}
    for event in _rows(session, batch):
        original = _original_seq(event, key)
        if original is None:
            strays.append(event)
            continue
        _between(before, event, original, strays, found)
        before, strays = (event.hash, original, event.seq), []
        hashes[original] = event.hash
        checked += 1
    head = session.get(AuditHead, 1, populate_existing=True)  # appends bypass the identity map
    head_seq = head.seq if head is not None else 0
    # The tail has no later link: the anchor (outside the database) says how far the chain
    # reached; without one, the head row does (good only while nobody moved it).
    limit = anchor.seq if anchor else head_seq
    tail_rewritten = [r.seq for r in strays if r.seq <= limit]
    tail_inserted = [r.seq for r in strays if r.seq > limit]
    for kind, seqs in (("rewritten", tail_rewritten), ("inserted", tail_inserted)):
        if seqs:
            found.append(Problem(kind, tuple(seqs)))
    end = max(limit, head_seq)
    gone = sorted(set(range(before[2] + 1, end + 1)) - {r.seq for r in strays})
    if gone:
        found.append(Problem("deleted", tuple(gone)))
    if anchor and anchor.seq in hashes and hashes[anchor.seq] != anchor.hash:
        found.append(Problem("rewritten", (anchor.seq,)))
    return _report(found, checked, bool(gone))


def _report(found: list[Problem], checked: int, tail_cut: bool) -> ChainReport:
    if not found:
        return ChainReport(True, checked)
    found.sort(key=lambda p: p.seqs[0])
    first = found[0]
    reason = "; ".join(map(str, found))
    if tail_cut:
        reason += " (rows removed from the end of the chain)"
    return ChainReport(False, checked, first.seqs[0], reason, tuple(found))


# -- anchors ------------------------------------------------------------------------------------

def anchor_file() -> Path:
    """Where anchors are appended: $QUANZE_AUDIT_ANCHOR_FILE or <instance>/audit-anchors.jsonl."""
    named = os.environ.get(ANCHOR_FILE_ENV)
    if named:
        return Path(named)
    return Path(os.environ.get("QUANZE_INSTANCE_DIR", "instance")) / "audit-anchors.jsonl"


def write_anchor(session: Session, path: Path, at: datetime) -> Anchor:
    """Append the current head (last row's seq and hash) to the anchor file; returns it."""
    last = session.scalars(select(AuditEvent).order_by(AuditEvent.seq.desc()).limit(1)).first()
    anchor = Anchor(last.seq if last else 0, last.hash if last else GENESIS_HASH, at.isoformat())
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a", encoding="utf-8") as out:
        out.write(json.dumps({"seq": anchor.seq, "hash": anchor.hash, "at": anchor.at}) + "\n")
    return anchor


def latest_anchor(path: Path) -> Anchor | None:
    """The last anchor written to the file, or None when there is none."""
    if not path.is_file():
        return None
    lines = [line for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    if not lines:
        return None
    last = json.loads(lines[-1])
    return Anchor(int(last["seq"]), str(last["hash"]), str(last.get("at", "")))
