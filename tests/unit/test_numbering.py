"""Safe numbering: a per-scope, per-year sequence row; two sessions never get the same number."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from models import NumberSequence
from tests.support.concurrency import run_together
from workflows.core.errors import ValidationFailed
from workflows.core.numbering import next_number


def _take(session_factory, scope: str, year: int = 2026, floor=None) -> int:
    with session_factory() as s, s.begin():
        return next_number(s, scope, year, floor=floor)


def test_two_sessions_interleaved_get_consecutive_numbers(session_factory):
    """Session A numbers, session B numbers before A commits its next one: 1, 2, 3, no repeats."""
    a, b = session_factory(), session_factory()
    try:
        with a.begin():
            assert next_number(a, "work_order:1", 2026) == 1
        with b.begin():
            assert next_number(b, "work_order:1", 2026) == 2
        with a.begin():
            assert next_number(a, "work_order:1", 2026) == 3
    finally:
        a.close()
        b.close()


def test_concurrent_sessions_never_share_a_number(session_factory):
    """Two threads, each with its own session, take 15 numbers each at once: 30 distinct, no gaps."""
    taken = run_together(lambda: _take(session_factory, "case_transfer:7"), times=15)
    assert sorted(taken) == list(range(1, 31))


def test_first_insert_race_is_resolved_by_the_row_that_exists(session_factory, engine):
    """B finds no row, A creates it and commits before B inserts: B's insert fails and it takes 2."""
    if engine.dialect.name == "sqlite":
        pytest.skip("SQLite's single writer lock makes B's first statement wait for A: no race")
    b = session_factory()
    try:
        with b.begin():
            # floor() runs between B's empty UPDATE and its INSERT: the other session wins there.
            taken = next_number(b, "work_order:2", 2026, floor=lambda: _take(session_factory, "work_order:2"))
        assert taken == 2
    finally:
        b.close()
    assert _take(session_factory, "work_order:2") == 3


def test_scopes_and_years_are_separate(session_factory):
    """Each township and each year numbers from 1."""
    assert _take(session_factory, "work_order:1", 2026) == 1
    assert _take(session_factory, "work_order:2", 2026) == 1
    assert _take(session_factory, "work_order:1", 2027) == 1
    assert _take(session_factory, "work_order:1", 2026) == 2


def test_new_sequence_starts_above_numbers_issued_before(session_factory):
    """A scope that already has 41 rows numbered the old way starts at 42."""
    assert _take(session_factory, "work_order:3", floor=lambda: 41) == 42
    assert _take(session_factory, "work_order:3", floor=lambda: 41) == 43


def test_a_rolled_back_number_is_issued_again(session_factory):
    """The number is taken in the caller's transaction: a failed intake leaves no gap."""
    s = session_factory()
    try:
        s.begin()
        assert next_number(s, "work_order:4", 2026) == 1
        s.rollback()
    finally:
        s.close()
    assert _take(session_factory, "work_order:4") == 1


def test_bad_scope_is_refused_and_writes_nothing(session):
    """An empty or over-long scope is a field error; no sequence row appears."""
    for scope in ("", "x" * 81):
        with pytest.raises(ValidationFailed) as err, session.begin():
            next_number(session, scope, 2026)
        assert "scope" in err.value.errors
    assert session.scalars(select(NumberSequence)).all() == []


def test_work_orders_take_their_numbers_from_the_township_sequence(session, clock, tmp_path):
    """Intake numbers come from the township's 2026 sequence; a second session continues it."""
    from tests.support.coordination_world import build_coordination_county
    from tests.support.procedure_world import in_transaction
    from workflows.procedures.work_order.steps import receive_work_order

    world = build_coordination_county(session, clock, tmp_path)
    zk = world.orgs["zk"].id
    first = in_transaction(session, receive_work_order, session, world.engine, world.users["zk_centre"],
                           zk, "complaint", "general", "占道经营").number
    other = type(session)(bind=session.get_bind())
    try:
        second = in_transaction(other, receive_work_order, other, world.engine, other.merge(world.users["zk_centre"]),
                                zk, "hazard", "general", "井盖缺失").number
    finally:
        other.close()
    assert (first, second) == (f"GD-{zk}-20260302-00001", f"GD-{zk}-20260302-00002")
    row = session.get(NumberSequence, (f"work_order:{zk}", 2026))
    session.refresh(row)
    assert row.last_value == 2
