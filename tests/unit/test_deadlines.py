"""Deadline rules and records: periods through the legal calendar, pause, resume, extension, audit."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from models import AuditEvent, Deadline, DeadlineExtension, DeadlineRule, DeadlineStatus
from tests.support.deadline_world import build_world
from workflows.calendar.legal_calendar import LegalCalendar
from workflows.core.clock import end_of_legal_day
from workflows.core.errors import (
    Conflict,
    LegalRuleViolation,
    NotFound,
    PermissionDenied,
    ValidationFailed,
)
from workflows.deadlines.extensions import extend
from workflows.deadlines.periods import make_rule_due, rule_periods, shipped_rule_periods
from workflows.deadlines.records import cancel, mark_met, pause, resume, start_deadline
from workflows.deadlines.rules import load_rule_specs, seed_deadline_rules, upsert_rules


@pytest.fixture(scope="module")
def calendar():
    return LegalCalendar()


@pytest.fixture
def world(session, clock):
    return build_world(session, clock)


def _day_end(y, m, d):
    return end_of_legal_day(datetime(y, m, d).date())


def _start(session, clock, calendar, world, key, **kw):
    kw.setdefault("case_ref", "故郑执罚〔2026〕1号")
    return start_deadline(session, clock, calendar, key, org=world.township, assignee=world.officer, **kw)


def _count(session, model):
    return session.scalar(select(func.count()).select_from(model))


# --- rules as data ----------------------------------------------------------------------------

def test_seed_loads_every_rule_once(session, clock, world):
    keys = set(session.scalars(select(DeadlineRule.key)))
    for key in ("apl60_decide", "apl48_withdraw_publication", "apl61_service", "apl64_hearing_request",
                "apl64_hearing_notice", "apl56_preservation_decide", "apl67_payment", "apl71_fine_handover",
                "o310_head_decide", "o310_handover", "o310_police_review", "o310_reconsider_request",
                "o310_reconsider_answer", "o310_procuratorate_request", "gb118_publish_penalty",
                "gb118_publish_other", "samr_legal_review", "grant_capacity_statement",
                "entrust_renewal_reminder"):
        assert key in keys
    audits = _count(session, AuditEvent)
    assert seed_deadline_rules(session, clock) == 0  # re-seeding changes and audits nothing
    assert _count(session, DeadlineRule) == len(load_rule_specs())
    assert _count(session, AuditEvent) == audits


def test_rule_with_unknown_unit_is_refused_and_nothing_written(session, clock, tmp_path):
    specs = load_rule_specs()
    specs[3] = {**specs[3], "unit": "fortnights"}
    path = tmp_path / "rules.json"
    path.write_text(json.dumps({"rules": specs}), encoding="utf-8")
    with pytest.raises(ValidationFailed) as err:
        seed_deadline_rules(session, clock, path)
    assert f"{specs[3]['key']}.unit" in err.value.errors
    assert _count(session, DeadlineRule) == 0


def test_rule_with_negative_amount_is_refused_and_nothing_written(session, clock):
    spec = {**load_rule_specs()[0], "amount": -5}
    with pytest.raises(ValidationFailed) as err:
        upsert_rules(session, clock, [spec])
    assert "不得为负数" in err.value.errors["apl60_decide.amount"][0]
    assert _count(session, DeadlineRule) == 0


# --- periods ------------------------------------------------------------------------------------

def test_apl61_service_seven_working_days_per_article_85(session, clock, calendar, world):
    """行政处罚法 第61条 + 第85条: 七日 are working days; Mon 2 March → Wed 11 March."""
    d = _start(session, clock, calendar, world, "apl61_service")
    assert d.due_at == _day_end(2026, 3, 11)
    assert d.warn_at == _day_end(2026, 3, 9)  # two working days left
    assert d.status == DeadlineStatus.PENDING and not d.provisional


def test_apl60_ninety_calendar_days_roll_past_sunday(session, clock, calendar, world):
    """行政处罚法 第60条 (90 calendar days) ending on Sunday 31 May rolls to Monday (民事诉讼法 第85条)."""
    d = _start(session, clock, calendar, world, "apl60_decide")
    assert d.due_at == _day_end(2026, 6, 1)


def test_order_310_handover_is_24_clock_hours(session, clock, calendar, world):
    """国务院令第310号 第5条: hand the case to the police within 24 hours of approval."""
    d = _start(session, clock, calendar, world, "o310_handover")
    assert d.due_at == clock.now() + timedelta(hours=24)
    assert d.warn_at == clock.now() + timedelta(hours=20)


def test_apl64_hearing_notice_counts_back_seven_working_days(session, clock, calendar, world):
    """行政处罚法 第64条: notice 7 (working, 第85条) days before a hearing on Wed 18 March → Mon 9 March."""
    hearing = datetime(2026, 3, 18, 1, 0, tzinfo=UTC)
    d = _start(session, clock, calendar, world, "apl64_hearing_notice", start=hearing)
    assert d.due_at == _day_end(2026, 3, 9)
    assert d.started_at == clock.now()


def test_unpublished_holiday_year_makes_the_deadline_provisional(session, clock, calendar, world):
    start = datetime(2026, 12, 1, 1, 0, tzinfo=UTC)
    d = _start(session, clock, calendar, world, "apl60_decide", start=start)
    assert d.provisional is (not calendar.is_published(2027))


def test_county_override_replaces_the_default_period(session, clock, calendar, world):
    spec = {**next(s for s in load_rule_specs() if s["key"] == "grant_capacity_statement"), "amount": 5}
    upsert_rules(session, clock, [spec], county=world.county)
    d = _start(session, clock, calendar, world, "grant_capacity_statement")
    assert d.amount == 5 and d.due_at == _day_end(2026, 3, 9)


def test_rule_due_helper_gives_iso_instant_for_bpmn_timers(session, clock, calendar, world):
    rule_due = make_rule_due(rule_periods(session), calendar, clock)
    assert rule_due("apl61_service") == _day_end(2026, 3, 11).isoformat()
    assert rule_due("gb118_publish_penalty", "2026-09-30T02:00:00+00:00") == _day_end(2026, 10, 15).isoformat()
    assert make_rule_due(shipped_rule_periods(), calendar, clock)("o310_handover", "2026-03-02") == \
        "2026-03-02T16:00:00+00:00"
    with pytest.raises(NotFound):
        rule_due("no_such_rule")


def test_start_with_bad_input_is_refused_and_nothing_written(session, clock, calendar, world):
    before = _count(session, Deadline)
    with pytest.raises(ValidationFailed) as err:
        start_deadline(session, clock, calendar, "apl61_service", org=world.township)
    assert "subject" in err.value.errors
    with pytest.raises(ValidationFailed):
        _start(session, clock, calendar, world, "apl61_service", start=datetime(2026, 3, 2, 9))
    with pytest.raises(NotFound):
        _start(session, clock, calendar, world, "no_such_rule")
    assert _count(session, Deadline) == before


# --- pause and resume -----------------------------------------------------------------------------

def test_hearing_span_not_counted_in_apl60_decision_period(session, clock, calendar, world):
    """市场监督管理行政处罚程序规定 (domain.md §1a): 听证 time is not counted in the 90 days of 第60条."""
    d = _start(session, clock, calendar, world, "apl60_decide")
    clock.set(datetime(2026, 3, 10, 1, 0, tzinfo=UTC))
    pause(session, clock, d.id, "听证 / hearing")
    assert d.status == DeadlineStatus.PAUSED
    clock.set(datetime(2026, 3, 20, 1, 0, tzinfo=UTC))
    resume(session, clock, calendar, d.id)
    assert d.status == DeadlineStatus.PENDING
    assert d.excluded_amount == 10 and d.due_at == _day_end(2026, 6, 11)
    assert d.paused_seconds == 10 * 86400


def test_pause_of_a_working_day_period_shifts_by_working_days(session, clock, calendar, world):
    d = _start(session, clock, calendar, world, "apl61_service")
    clock.set(datetime(2026, 3, 3, 2, 0, tzinfo=UTC))
    pause(session, clock, d.id, "检测鉴定 / appraisal")
    clock.set(datetime(2026, 3, 5, 2, 0, tzinfo=UTC))
    resume(session, clock, calendar, d.id)
    assert d.excluded_amount == 2 and d.due_at == _day_end(2026, 3, 13)


def test_pausing_a_deadline_that_is_not_running_is_refused(session, clock, calendar, world):
    d = _start(session, clock, calendar, world, "apl61_service")
    mark_met(session, clock, d.id)
    audits = _count(session, AuditEvent)
    with pytest.raises(Conflict) as err:
        pause(session, clock, d.id, "听证")
    assert "已办结" in err.value.message
    session.refresh(d)
    assert d.status == DeadlineStatus.MET and d.paused_at is None
    assert _count(session, AuditEvent) == audits
    with pytest.raises(Conflict):
        resume(session, clock, calendar, d.id)


def test_pause_without_reason_is_refused(session, clock, calendar, world):
    d = _start(session, clock, calendar, world, "apl61_service")
    with pytest.raises(ValidationFailed):
        pause(session, clock, d.id, "  ")
    session.refresh(d)
    assert d.status == DeadlineStatus.PENDING


# --- extension ------------------------------------------------------------------------------------

def test_apl60_head_extends_by_thirty_days(session, clock, calendar, world):
    """行政处罚法 第60条 with the sector rule: the head (township leader) may add 30 days once."""
    d = _start(session, clock, calendar, world, "apl60_decide")
    ext = extend(session, clock, calendar, d.id, reason="案情复杂", approver=world.leader, amount=30)
    assert ext.old_due_at == _day_end(2026, 6, 1) and ext.new_due_at == _day_end(2026, 7, 1)
    assert d.due_at == ext.new_due_at and d.extension_count == 1


def test_apl60_extension_beyond_thirty_days_needs_collective_decision(session, clock, calendar, world):
    """行政处罚法 第60条: beyond the head's +30 days only a collective discussion (集体讨论) extends."""
    d = _start(session, clock, calendar, world, "apl60_decide")
    with pytest.raises(LegalRuleViolation) as err:
        extend(session, clock, calendar, d.id, reason="复杂", approver=world.leader, amount=31)
    assert err.value.article == "行政处罚法 第60条"
    extend(session, clock, calendar, d.id, reason="复杂", approver=world.leader, amount=30)
    with pytest.raises(LegalRuleViolation):
        extend(session, clock, calendar, d.id, reason="仍复杂", approver=world.leader, amount=5)
    ext = extend(session, clock, calendar, d.id, reason="集体讨论决定", approver=world.leader,
                 new_due=_day_end(2026, 8, 31), collective=True)
    assert d.due_at == ext.new_due_at and d.extension_count == 2


def test_extension_without_reason_is_refused_and_nothing_changed(session, clock, calendar, world):
    d = _start(session, clock, calendar, world, "apl60_decide")
    with pytest.raises(ValidationFailed) as err:
        extend(session, clock, calendar, d.id, reason="", approver=world.leader, amount=10)
    assert "reason" in err.value.errors
    session.refresh(d)
    assert d.due_at == _day_end(2026, 6, 1) and _count(session, DeadlineExtension) == 0


def test_extension_by_someone_not_the_head_is_refused(session, clock, calendar, world):
    d = _start(session, clock, calendar, world, "apl60_decide")
    for user in (world.officer, world.other_leader):
        with pytest.raises(PermissionDenied):
            extend(session, clock, calendar, d.id, reason="复杂", approver=user, amount=10)
    session.refresh(d)
    assert d.due_at == _day_end(2026, 6, 1) and _count(session, DeadlineExtension) == 0


def test_period_without_head_extension_refuses_it(session, clock, calendar, world):
    """行政处罚法 第61条 gives no extension: only a collective decision may move it."""
    d = _start(session, clock, calendar, world, "apl61_service")
    with pytest.raises(LegalRuleViolation) as err:
        extend(session, clock, calendar, d.id, reason="当事人外出", approver=world.leader, amount=1)
    assert err.value.article == "行政处罚法 第61条"


# --- closing and the audit trail --------------------------------------------------------------------

def test_every_change_is_audited(session, clock, calendar, world):
    d = _start(session, clock, calendar, world, "apl60_decide")
    pause(session, clock, d.id, "公告")
    clock.advance(timedelta(days=2))
    resume(session, clock, calendar, d.id)
    extend(session, clock, calendar, d.id, reason="复杂", approver=world.leader, amount=10)
    mark_met(session, clock, d.id)
    actions = list(session.scalars(select(AuditEvent.action).where(
        AuditEvent.subject_type == "deadline", AuditEvent.subject_id == str(d.id)).order_by(AuditEvent.seq)))
    assert actions == ["deadline.started", "deadline.paused", "deadline.resumed", "deadline.extended",
                       "deadline.met"]
    with pytest.raises(Conflict):
        mark_met(session, clock, d.id)


def test_cancel_needs_a_reason(session, clock, calendar, world):
    d = _start(session, clock, calendar, world, "apl61_service")
    with pytest.raises(ValidationFailed):
        cancel(session, clock, d.id, "")
    cancel(session, clock, d.id, "案件移送公安 / case sent to the police")
    assert d.status == DeadlineStatus.CANCELLED


def test_extension_with_bad_amount_or_date_is_refused(session, clock, calendar, world):
    d = _start(session, clock, calendar, world, "apl60_decide")
    for bad in ({"amount": 0}, {"amount": -3}, {"new_due": _day_end(2026, 5, 1)},
                {"new_due": datetime(2026, 7, 1, 9)}, {"amount": 5, "new_due": _day_end(2026, 7, 1)}):
        with pytest.raises(ValidationFailed):
            extend(session, clock, calendar, d.id, reason="复杂", approver=world.leader, **bad)
    session.refresh(d)
    assert d.due_at == _day_end(2026, 6, 1) and _count(session, DeadlineExtension) == 0


def test_list_deadlines_shows_own_organization_overdue_first(session, clock, calendar, world):
    from workflows.deadlines.records import list_deadlines
    from workflows.jobs.firing import fire_due

    later = _start(session, clock, calendar, world, "apl60_decide")
    soon = _start(session, clock, calendar, world, "o310_handover")
    elsewhere = start_deadline(session, clock, calendar, "apl61_service", case_ref="D1", org=world.department)
    clock.advance(timedelta(hours=25))
    fire_due(session, clock)
    assert [d.id for d in list_deadlines(session, world.leader)] == [soon.id, later.id]
    assert elsewhere.id not in [d.id for d in list_deadlines(session, world.other_leader)]
    assert [d.id for d in list_deadlines(session, world.leader, statuses=["pending"])] == [later.id]
