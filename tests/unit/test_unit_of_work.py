"""A use case commits once, at its outermost boundary, even after implicit reads."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from models import AuditEvent
from workflows.core.audit import record
from workflows.core.db import unit_of_work


def _count(session_factory) -> int:
    with session_factory() as other:
        return other.scalar(select(func.count()).select_from(AuditEvent))


def test_read_before_use_case_does_not_swallow_commit(session, session_factory, clock):
    session.scalar(select(func.count()).select_from(AuditEvent))  # autobegins a transaction
    with unit_of_work(session):
        record(session, at=clock.now(), action="a", subject_type="t", subject_id=1)
    assert _count(session_factory) == 1


def test_nested_units_commit_once_at_the_outermost(session, session_factory, clock):
    with unit_of_work(session):
        with unit_of_work(session):
            record(session, at=clock.now(), action="a", subject_type="t", subject_id=1)
        assert _count(session_factory) == 0  # inner unit did not commit
    assert _count(session_factory) == 1


def test_error_rolls_back_everything(session, session_factory, clock):
    with pytest.raises(RuntimeError), unit_of_work(session):
        record(session, at=clock.now(), action="a", subject_type="t", subject_id=1)
        raise RuntimeError("boom")
    assert _count(session_factory) == 0
