"""The audit trail is append-only and chained by sha256 (行政处罚法 第47条 全过程记录)."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import delete, update

from models import AuditEvent
from workflows.core.audit import record, verify_chain
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
