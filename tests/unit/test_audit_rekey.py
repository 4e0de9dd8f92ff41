"""`quanze audit rekey` (issue 13): a chain written before the HMAC key is re-signed with it
and anchored — only when it is intact as it stands and only with QUANZE_AUDIT_KEY given
(行政处罚法 第47条 全过程记录: the record must stay provably complete through the change)."""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime, timedelta

import pytest
from click.testing import CliRunner
from sqlalchemy import delete, select, update

from models import AuditEvent, AuditHead, Base
from models.audit import GENESIS_HASH
from models.db import make_engine, make_session_factory
from web.cli import _register, cli
from workflows.core.audit import record, row_hash
from workflows.core.audit_rekey import RekeyRefused, rekey_chain
from workflows.core.audit_verify import Anchor, verify_chain
from workflows.core.clock import FixedClock
from workflows.core.db import unit_of_work
from workflows.core.errors import ValidationFailed

CONTENT = ("seq", "at", "actor_user_id", "actor_org_id", "action", "subject_type", "subject_id",
           "instance_id", "task_name", "data_digest", "details")


def _old_hash(values: dict) -> str:
    """The row hash as the code before the keyed chain computed it (plain sha256, commit 364d109^)."""
    canonical = json.dumps({**values, "at": values["at"].isoformat()}, sort_keys=True,
                           ensure_ascii=False, separators=(",", ":"), default=str)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def _write(session, clock, n, action="test.step"):
    with unit_of_work(session):
        for i in range(n):
            record(session, at=clock.now(), action=action, subject_type="thing", subject_id=i,
                   data={"i": i})
            clock.advance(timedelta(seconds=1))


def _rows(session) -> list[AuditEvent]:
    session.expire_all()
    return session.scalars(select(AuditEvent).order_by(AuditEvent.seq)).all()


def _unsign(session, upto: int | None = None) -> None:
    """Turn the chain's first rows into what the unkeyed code wrote (and re-link the rest)."""
    prev = GENESIS_HASH
    with unit_of_work(session):
        for row in _rows(session):
            values = {c: getattr(row, c) for c in CONTENT} | {"prev_hash": prev}
            keyed = upto is not None and row.seq > upto
            new = row_hash(values) if keyed else _old_hash(values)
            session.execute(update(AuditEvent).where(AuditEvent.id == row.id)
                            .values(prev_hash=prev, hash=new))
            prev = new
        session.execute(update(AuditHead).values(last_hash=prev))


def _state(session) -> list[tuple]:
    return [(r.seq, r.action, r.data_digest, r.prev_hash, r.hash) for r in _rows(session)]


def test_an_unkeyed_chain_is_re_signed_and_verifies(session, clock):
    """Old sha256 rows: refused by verify; after rekey every row verifies, content unchanged."""
    _write(session, clock, 4)
    _unsign(session)
    before = _state(session)
    assert verify_chain(session).checked == 0  # none is authentic under the key yet
    report = rekey_chain(session, clock.now())
    assert (report.rows, report.unkeyed, report.rewritten) == (4, 4, 4)
    after = _rows(session)
    assert [(r.seq, r.action, r.data_digest) for r in after[:4]] == [b[:3] for b in before]
    assert after[-1].action == "audit.rekeyed" and after[-1].details["unkeyed"] == 4
    result = verify_chain(session)
    assert result.ok and result.checked == 5


def test_old_rows_followed_by_keyed_rows_are_re_linked_throughout(session, clock):
    """Rows written after the key appeared link to old ones: they are re-signed too."""
    _write(session, clock, 5)
    _unsign(session, upto=2)
    report = rekey_chain(session, clock.now())
    assert (report.unkeyed, report.rewritten) == (2, 5)
    assert verify_chain(session).ok


def test_a_keyed_chain_is_left_alone(session, clock):
    _write(session, clock, 3)
    before = _state(session)
    assert rekey_chain(session, clock.now()).rewritten == 0
    assert _state(session) == before


@pytest.mark.parametrize("damage", ["rewritten", "deleted", "cut_with_anchor"])
def test_a_damaged_chain_is_refused_and_nothing_is_written(session, clock, damage):
    """Re-signing must never launder tampering: the refusal names the row, writes nothing."""
    _write(session, clock, 4)
    _unsign(session)
    anchor = None
    with unit_of_work(session):
        if damage == "rewritten":
            session.execute(update(AuditEvent).where(AuditEvent.seq == 2).values(action="forged"))
        elif damage == "deleted":
            session.execute(delete(AuditEvent).where(AuditEvent.seq == 3))
        else:
            anchor = Anchor(4, _rows(session)[-1].hash, "2026-03-01")
            last = _rows(session)[2]
            session.execute(delete(AuditEvent).where(AuditEvent.seq == 4))
            session.execute(update(AuditHead).values(seq=3, last_hash=last.hash))
    before = _state(session)
    with pytest.raises(RekeyRefused) as refused:
        rekey_chain(session, clock.now(), anchor=anchor)
    assert refused.value.details["seq"] == {"rewritten": 2, "deleted": 3, "cut_with_anchor": 4}[damage]
    assert _state(session) == before


def test_rows_signed_with_a_previous_key_need_that_key(session, clock, monkeypatch):
    """A chain signed with the development key file is re-signed only when that key is named."""
    monkeypatch.setenv("QUANZE_AUDIT_KEY", "the old development key")
    _write(session, clock, 3)
    monkeypatch.setenv("QUANZE_AUDIT_KEY", "the deployment key")
    with pytest.raises(RekeyRefused):
        rekey_chain(session, clock.now())
    report = rekey_chain(session, clock.now(), previous_keys=[b"the old development key"])
    assert report.rewritten == 3 and verify_chain(session).ok


def test_rekey_refuses_without_the_deployment_key(session, clock, monkeypatch, tmp_path):
    """A development key file is not a deployment key: refused, nothing written."""
    _write(session, clock, 2)
    _unsign(session)
    before = _state(session)
    monkeypatch.delenv("QUANZE_AUDIT_KEY")
    monkeypatch.setenv("QUANZE_INSTANCE_DIR", str(tmp_path))
    with pytest.raises(ValidationFailed) as refused:
        rekey_chain(session, clock.now())
    assert "QUANZE_AUDIT_KEY" in refused.value.errors
    assert _state(session) == before


def _cli_database(tmp_path, rows: int):
    """An SQLite file holding an unkeyed chain of `rows` rows; its URL and engine."""
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    engine = make_engine(url)
    Base.metadata.create_all(engine)
    clock = FixedClock(datetime(2026, 3, 2, 1, 0, tzinfo=UTC))
    with make_session_factory(engine)() as s:
        _write(s, clock, rows)
        _unsign(s)
    _register()
    return url, engine


def test_cli_rekey_signs_and_anchors_then_verify_passes(tmp_path, monkeypatch):
    """`quanze audit rekey` re-signs, anchors the new head; `quanze audit verify` is then clean."""
    url, engine = _cli_database(tmp_path, 3)
    anchors = tmp_path / "anchors.jsonl"
    run = CliRunner().invoke
    result = run(cli, ["--database-url", url, "audit", "rekey", "--anchor-file", str(anchors)])
    assert result.exit_code == 0, result.output
    assert "re-keyed: 3 / 3" in result.output
    written = json.loads(anchors.read_text().splitlines()[-1])
    with make_session_factory(engine)() as s:
        assert written == {"seq": 4, "hash": _rows(s)[-1].hash, "at": written["at"]}
    result = run(cli, ["--database-url", url, "audit", "verify", "--anchor-file", str(anchors)])
    assert result.exit_code == 0, result.output
    result = run(cli, ["--database-url", url, "audit", "rekey", "--anchor-file", str(anchors)])
    assert result.exit_code == 0 and "nothing to re-key" in result.output
    assert len(anchors.read_text().splitlines()) == 1
    engine.dispose()


def test_cli_rekey_without_the_key_exits_2_and_writes_nothing(tmp_path, monkeypatch):
    url, engine = _cli_database(tmp_path, 2)
    with make_session_factory(engine)() as s:
        before = _state(s)
    monkeypatch.delenv("QUANZE_AUDIT_KEY")
    monkeypatch.setenv("QUANZE_INSTANCE_DIR", str(tmp_path))
    anchors = tmp_path / "anchors.jsonl"
    result = CliRunner().invoke(cli, ["--database-url", url, "audit", "rekey",
                                      "--anchor-file", str(anchors)])
    assert result.exit_code == 2 and "QUANZE_AUDIT_KEY" in result.output
    assert not anchors.exists()
    with make_session_factory(engine)() as s:
        assert _state(s) == before
    engine.dispose()
