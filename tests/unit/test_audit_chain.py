"""The audit trail is append-only, chained and keyed by HMAC (行政处罚法 第47条 全过程记录)."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

from click.testing import CliRunner
from sqlalchemy import delete, insert, select, update

from models import AuditEvent, AuditHead, Base
from models.db import make_engine, make_session_factory
from web.cli import _register, cli
from workflows.core.audit import record, row_hash
from workflows.core.audit_verify import Anchor, verify_chain
from workflows.core.clock import FixedClock
from workflows.core.db import unit_of_work


def _write(session, clock, n):
    with unit_of_work(session):
        for i in range(n):
            record(session, at=clock.now(), action="test.step", subject_type="thing",
                   subject_id=i, data={"i": i})
            clock.advance(timedelta(seconds=1))


def test_chain_verifies_and_links_rows(session, clock):
    _write(session, clock, 5)
    report = verify_chain(session)
    assert report.ok and report.checked == 5
    rows = session.query(AuditEvent).order_by(AuditEvent.seq).all()
    assert [r.seq for r in rows] == [1, 2, 3, 4, 5]
    assert all(rows[i].prev_hash == rows[i - 1].hash for i in range(1, 5))


def test_tampered_row_is_detected(session, clock):
    _write(session, clock, 4)
    with unit_of_work(session):
        session.execute(update(AuditEvent).where(AuditEvent.seq == 2).values(action="forged"))
    session.expire_all()
    report = verify_chain(session)
    assert not report.ok and report.first_bad_seq == 2


def test_deleted_middle_row_is_detected(session, clock):
    _write(session, clock, 4)
    with unit_of_work(session):
        session.execute(delete(AuditEvent).where(AuditEvent.seq == 3))
    report = verify_chain(session)
    assert not report.ok and report.first_bad_seq == 3


def test_truncated_tail_is_detected(session, clock):
    _write(session, clock, 4)
    with unit_of_work(session):
        session.execute(delete(AuditEvent).where(AuditEvent.seq == 4))
    report = verify_chain(session)
    assert not report.ok and "end of the chain" in report.reason


# -- keyed chain (issue 13): rewrites, insertions and deletions are named ------------------------

def _rows(session):
    session.expire_all()
    return session.scalars(select(AuditEvent).order_by(AuditEvent.seq)).all()


def _forge(row: AuditEvent, **changes) -> dict:
    """What someone with database access but without the key can do: edit and re-hash."""
    values = {c: getattr(row, c) for c in ("seq", "at", "actor_user_id", "actor_org_id", "action",
                                           "subject_type", "subject_id", "instance_id", "task_name",
                                           "data_digest", "details", "prev_hash")}
    values.update(changes)
    values["hash"] = row_hash(values, key=b"a guess")
    return values


def _kinds(report) -> list[tuple[str, tuple]]:
    return [(p.kind, p.seqs) for p in report.problems]


def test_rewrite_rehashed_and_relinked_is_named_rewritten(session, clock):
    """行政处罚法 第47条: a changed row re-hashed, its successor re-linked, the head moved."""
    _write(session, clock, 4)
    second = _rows(session)[1]
    forged = _forge(second, action="forged")
    with unit_of_work(session):
        session.execute(update(AuditEvent).where(AuditEvent.seq == 2).values(
            action="forged", hash=forged["hash"]))
        session.execute(update(AuditEvent).where(AuditEvent.seq == 3).values(prev_hash=forged["hash"]))
    report = verify_chain(session)
    assert not report.ok and report.first_bad_seq == 2
    assert _kinds(report) == [("rewritten", (2, 3))]  # row 3's link was changed too


def test_appended_row_is_named_inserted_not_removed(session, clock):
    """A row appended at the end without the key: inserted, whether or not the head moved."""
    _write(session, clock, 4)
    last = _rows(session)[-1]
    with unit_of_work(session):
        session.execute(insert(AuditEvent).values(**_forge(
            last, seq=5, action="backdated.approval", prev_hash=last.hash)))
    assert _kinds(verify_chain(session)) == [("inserted", (5,))]
    anchor = Anchor(4, last.hash)
    with unit_of_work(session):
        session.execute(update(AuditHead).values(seq=5))
    assert _kinds(verify_chain(session, anchor=anchor)) == [("inserted", (5,))]


def test_row_inserted_in_the_middle_with_renumbering_is_named_inserted(session, clock):
    """Rows 3 and 4 shifted to 4 and 5 to make room: only the forged row 3 is reported."""
    _write(session, clock, 4)
    rows = _rows(session)
    with unit_of_work(session):
        for seq in (4, 3):
            session.execute(update(AuditEvent).where(AuditEvent.seq == seq).values(seq=seq + 1))
        session.execute(insert(AuditEvent).values(**_forge(rows[1], seq=3, action="inserted",
                                                           prev_hash=rows[1].hash)))
        session.execute(update(AuditHead).values(seq=5))
    assert _kinds(verify_chain(session)) == [("inserted", (3,))]


def test_deleted_rows_are_named_deleted(session, clock):
    _write(session, clock, 5)
    with unit_of_work(session):
        session.execute(delete(AuditEvent).where(AuditEvent.seq.in_((2, 3))))
    assert _kinds(verify_chain(session)) == [("deleted", (2, 3))]


def test_cut_tail_with_the_head_moved_back_is_caught_by_the_anchor(session, clock):
    """Without the anchor the cut is invisible; the anchored head outside the database names it."""
    _write(session, clock, 4)
    anchor = Anchor(4, _rows(session)[-1].hash)
    with unit_of_work(session):
        session.execute(delete(AuditEvent).where(AuditEvent.seq == 4))
        session.execute(update(AuditHead).values(seq=3, last_hash=_rows(session)[2].hash))
    assert verify_chain(session).ok  # what the database alone can tell
    assert _kinds(verify_chain(session, anchor=anchor)) == [("deleted", (4,))]


def test_chain_written_with_another_key_is_not_authentic(session, clock, monkeypatch):
    _write(session, clock, 2)
    monkeypatch.setenv("QUANZE_AUDIT_KEY", "another key")
    report = verify_chain(session)
    assert not report.ok and report.checked == 0


def test_development_key_file_is_created_in_the_instance_folder(session, clock, monkeypatch, tmp_path):
    """Without QUANZE_AUDIT_KEY the key lives in <instance>/audit.key (mode 0600), never in the database."""
    monkeypatch.delenv("QUANZE_AUDIT_KEY")
    monkeypatch.setenv("QUANZE_INSTANCE_DIR", str(tmp_path))
    _write(session, clock, 2)
    key_path = tmp_path / "audit.key"
    assert key_path.stat().st_mode & 0o777 == 0o600 and len(key_path.read_text().strip()) == 64
    assert verify_chain(session).ok


def test_cli_anchor_then_verify_names_an_insertion(tmp_path, monkeypatch):
    """`quanze audit anchor` writes the head to a file; `quanze audit verify` reads it."""
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    engine = make_engine(url)
    Base.metadata.create_all(engine)
    clock = FixedClock(datetime(2026, 3, 2, 1, 0, tzinfo=UTC))
    with make_session_factory(engine)() as s:
        _write(s, clock, 3)
    _register()
    anchors = tmp_path / "anchors.jsonl"
    run = CliRunner().invoke
    result = run(cli, ["--database-url", url, "audit", "anchor", "--anchor-file", str(anchors)])
    assert result.exit_code == 0, result.output
    assert json.loads(anchors.read_text().splitlines()[-1])["seq"] == 3
    with make_session_factory(engine)() as s:
        last = _rows(s)[-1]
        with unit_of_work(s):
            s.execute(insert(AuditEvent).values(**_forge(last, seq=4, prev_hash=last.hash)))
    result = run(cli, ["--database-url", url, "audit", "verify", "--json", "--anchor-file", str(anchors)])
    assert result.exit_code == 1
    assert json.loads(result.output)["problems"] == [{"kind": "inserted", "seqs": [4]}]
    engine.dispose()
