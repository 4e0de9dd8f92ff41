"""Period arithmetic for deadlines on top of the legal calendar: due, warning, lead, pause shift."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from models import DeadlineRule, Organization
from workflows.calendar.legal_calendar import LegalCalendar
from workflows.core.clock import end_of_legal_day, legal_date, start_of_legal_day
from workflows.core.errors import NotFound, ValidationFailed
from workflows.deadlines.rules import load_rule_specs


@dataclass(frozen=True)
class Period:
    """How a rule counts: amount, unit and direction (after the event, or before it: 倒算)."""

    amount: int
    unit: str
    direction: str = "after"


@dataclass(frozen=True)
class Due:
    """A computed due instant and whether it rests on an unpublished holiday calendar."""

    due_at: datetime
    provisional: bool


def _step_back(calendar: LegalCalendar, day: date, n: int, unit: str) -> date:
    """The day n (working or calendar) days before `day`."""
    if unit == "calendar_days":
        return day - timedelta(days=n)
    while n > 0:
        day -= timedelta(days=1)
        if calendar.is_working_day(day):
            n -= 1
    return day


def compute_due(calendar: LegalCalendar, period: Period, start: datetime) -> Due:
    """The due instant of a period started (or, for 倒算 rules, ending) at `start`."""
    if period.direction == "after":
        result = calendar.due(start, period.amount, period.unit)
        return Due(result.due_at, result.provisional)
    if period.unit == "hours":
        return Due(start - timedelta(hours=period.amount), False)
    # Counted back from the event (e.g. 行政处罚法 第64条: notice 7 working days before the
    # hearing): the last legal day on which the act can still be done in time.
    first = legal_date(start)
    day = _step_back(calendar, first, period.amount, period.unit)
    provisional = any(not calendar.is_published(y) for y in range(day.year, first.year + 1))
    return Due(end_of_legal_day(day), provisional)


def compute_warn_at(calendar: LegalCalendar, due_at: datetime, amount: int, unit: str,
                    started_at: datetime) -> datetime | None:
    """The instant when only `amount` units remain; None when that is not after the start."""
    if amount <= 0:
        return None
    if unit == "hours":
        warn_at = due_at - timedelta(hours=amount)
    else:
        warn_at = end_of_legal_day(_step_back(calendar, legal_date(due_at), amount, unit))
    return warn_at if warn_at > started_at else None


def excluded_units(calendar: LegalCalendar, unit: str, paused_at: datetime, resumed_at: datetime) -> int:
    """Units a pause removed from the period; days in (pause day, resume day], as 民事诉讼法 第85条
    leaves out the day of the triggering event. Hours count exact seconds."""
    if unit == "hours":
        return int((resumed_at - paused_at).total_seconds())
    first, last = legal_date(paused_at), legal_date(resumed_at)
    if unit == "calendar_days":
        return max((last - first).days, 0)
    return calendar.working_days_between(first, last)


def shift_due(calendar: LegalCalendar, due_at: datetime, unit: str, excluded: int) -> Due:
    """Move a due instant later by the excluded units (seconds for hour periods)."""
    if excluded <= 0:
        return Due(due_at, False)
    if unit == "hours":
        return Due(due_at + timedelta(seconds=excluded), False)
    result = calendar.due(due_at, excluded, unit)
    return Due(result.due_at, result.provisional)


# --- the BPMN timer helper ------------------------------------------------------------------

def rule_periods(session: Session, county: Organization | None = None) -> dict[str, Period]:
    """Every rule's period, with the county's overrides applied."""
    rows = session.scalars(select(DeadlineRule).order_by(DeadlineRule.county_org_id.is_(None).desc()))
    periods: dict[str, Period] = {}
    for row in rows:
        if row.county_org_id is None or (county is not None and row.county_org_id == county.id):
            periods[row.key] = Period(row.amount, row.unit, row.direction)
    return periods


def shipped_rule_periods() -> dict[str, Period]:
    """The periods of the shipped rule file, for an engine that has no session at hand."""
    return {s["key"]: Period(s["amount"], s["unit"], s.get("direction", "after")) for s in load_rule_specs()}


def make_rule_due(periods: Mapping[str, Period], calendar: LegalCalendar, clock) -> Callable[..., str]:
    """Build `rule_due(rule_key, start_iso=None) -> ISO instant` for the BPMN script environment."""

    def rule_due(rule_key: str, start_iso: str | None = None) -> str:
        """Due instant (ISO, UTC) of the named legal rule counted from `start_iso` (default now)."""
        period = periods.get(rule_key)
        if period is None:
            raise NotFound(f"未知期限规则：{rule_key} / unknown deadline rule: {rule_key}", rule_key=rule_key)
        start = clock.now() if start_iso is None else _parse_instant(start_iso)
        return compute_due(calendar, period, start).due_at.isoformat()

    return rule_due


def _parse_instant(value: str) -> datetime:
    """An ISO instant with a zone, or a bare ISO date taken as 00:00 Shanghai of that day."""
    try:
        parsed = datetime.fromisoformat(value)
    except (TypeError, ValueError):
        raise ValidationFailed({"start": [f"不是有效的ISO时间：{value!r} / not an ISO instant"]}) from None
    if parsed.tzinfo is None:
        if len(value) == 10:  # a date: the legal day starts at midnight in Shanghai
            return start_of_legal_day(parsed.date())
        raise ValidationFailed({"start": [f"时间缺少时区：{value} / instant needs a timezone"]})
    return parsed.astimezone(UTC)
