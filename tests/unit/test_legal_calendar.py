"""The legal calendar across the 2025 and 2026 holidays (domain.md §6)."""

from __future__ import annotations

import json
import random
from datetime import UTC, date, datetime, timedelta

import pytest

from workflows.calendar.legal_calendar import LegalCalendar
from workflows.core.errors import ValidationFailed


def _days(first: str, last: str | None = None) -> set[date]:
    a, b = date.fromisoformat(first), date.fromisoformat(last or first)
    return {a + timedelta(days=k) for k in range((b - a).days + 1)}


# domain.md §6, copied from the State Council notices (2025: 2024-11-12; 2026: 2025-11-04).
MEMO = {
    2025: {
        "holidays": ("2025-01-01", ("2025-01-28", "2025-02-04"), ("2025-04-04", "2025-04-06"),
                     ("2025-05-01", "2025-05-05"), ("2025-05-31", "2025-06-02"),
                     ("2025-10-01", "2025-10-08")),
        "workdays": ("2025-01-26", "2025-02-08", "2025-04-27", "2025-09-28", "2025-10-11"),
    },
    2026: {
        "holidays": (("2026-01-01", "2026-01-03"), ("2026-02-15", "2026-02-23"),
                     ("2026-04-04", "2026-04-06"), ("2026-05-01", "2026-05-05"),
                     ("2026-06-19", "2026-06-21"), ("2026-09-25", "2026-09-27"),
                     ("2026-10-01", "2026-10-07")),
        "workdays": ("2026-01-04", "2026-02-14", "2026-02-28", "2026-05-09", "2026-09-20",
                     "2026-10-10"),
    },
}

FICTIONAL_2027 = {
    "years": {
        "2027": {
            "notice": "国务院办公厅关于2027年部分节假日安排的通知（测试用虚构）",
            "holidays": [
                {"name": "元旦", "from": "2027-01-01", "to": "2027-01-03"},
                {"name": "春节", "from": "2027-02-05", "to": "2027-02-13"},
                {"name": "国庆节", "from": "2027-10-01", "to": "2027-10-07"},
            ],
            "workdays": [{"name": "春节", "date": "2027-02-14"},
                         {"name": "国庆节", "date": "2027-10-09"}],
        }
    }
}


@pytest.fixture(scope="module")
def cal() -> LegalCalendar:
    """The shipped calendar, ignoring any QUANZE_HOLIDAYS_FILE of the developer's shell."""
    return LegalCalendar(environ={})


def _write(tmp_path, document, name="holidays.json"):
    path = tmp_path / name
    path.write_text(json.dumps(document, ensure_ascii=False) if not isinstance(document, str)
                    else document, encoding="utf-8")
    return path


def _due(cal, start: str, n: int, unit="working_days") -> date:
    return cal.due(date.fromisoformat(start), n, unit).due_date


# --- the data ---------------------------------------------------------------------------------


@pytest.mark.parametrize("year", [2025, 2026])
def test_package_agrees_with_state_council_notices_in_domain_memo(cal, year):
    """全国年节及纪念日放假办法 + the year's notice: holidays and 调休 days as domain.md §6 lists them."""
    expected_off = set()
    for item in MEMO[year]["holidays"]:
        expected_off |= _days(*item) if isinstance(item, tuple) else _days(item)
    year_days = _days(f"{year}-01-01", f"{year}-12-31")
    assert {d for d in year_days if cal.is_holiday(d)} == expected_off
    assert {d for d, _ in cal.makeup_workdays(year)} == {date.fromisoformat(d)
                                                        for d in MEMO[year]["workdays"]}
    assert all(cal.is_working_day(date.fromisoformat(d)) for d in MEMO[year]["workdays"])
    assert cal.is_published(year)


def test_only_holidays_for_all_citizens_count(cal):
    """放假办法 第3条 part-population days (妇女节 half day, 建军节) are ordinary working days."""
    assert cal.is_working_day(date(2024, 3, 8))  # a Friday, 妇女节
    assert cal.is_working_day(date(2023, 8, 1))  # a Tuesday, 建军节


def test_holiday_periods_are_listed_with_names(cal):
    periods = {(p.first, p.last): p.name for p in cal.holiday_periods(2026)}
    assert periods[(date(2026, 2, 15), date(2026, 2, 23))] == "春节"
    assert periods[(date(2026, 10, 1), date(2026, 10, 7))] == "国庆节"
    national_2025 = [p for p in cal.holiday_periods(2025) if p.first == date(2025, 10, 1)]
    assert national_2025[0].last == date(2025, 10, 8) and national_2025[0].name == "国庆节、中秋节"
    assert (date(2026, 2, 14), "春节") in cal.makeup_workdays(2026)


# --- working days (行政处罚法 第85条) ----------------------------------------------------------------


@pytest.mark.parametrize("n, due", [(2, "2026-03-04"), (3, "2026-03-05"), (5, "2026-03-09"),
                                    (7, "2026-03-11")])
def test_apl_art85_2_3_5_7_day_periods_are_working_days(cal, n, due):
    """行政处罚法 第85条: the 2/3/5/7-day periods skip the weekend (Mon 2026-03-02 start)."""
    assert _due(cal, "2026-03-02", n) == date.fromisoformat(due)


def test_apl_art85_spring_festival_2026_counts_make_up_saturday(cal):
    """行政处罚法 第85条: 2026-02-14 (Sat) is a 调休 working day; Feb 15–23 are off."""
    assert _due(cal, "2026-02-13", 1) == date(2026, 2, 14)
    assert _due(cal, "2026-02-13", 3) == date(2026, 2, 25)
    assert _due(cal, "2026-02-26", 2) == date(2026, 2, 28)  # the 2026-02-28 make-up Saturday


def test_apl_art85_national_day_2026_lands_after_october_7(cal):
    """行政处罚法 第85条: Oct 1–7 are off; Oct 10 (Sat) is a make-up working day."""
    assert _due(cal, "2026-09-30", 3) == date(2026, 10, 10)
    assert _due(cal, "2026-09-30", 5) == date(2026, 10, 13)
    assert _due(cal, "2026-09-18", 2) == date(2026, 9, 21)  # Sep 20 (Sun) make-up day counts


def test_apl_art85_national_day_2025_uses_september_28_make_up_sunday(cal):
    """行政处罚法 第85条: 2025-09-28 (Sun) works; Oct 1–8 (国庆+中秋) are off; Oct 11 (Sat) works."""
    assert _due(cal, "2025-09-26", 1) == date(2025, 9, 28)
    assert _due(cal, "2025-09-26", 2) == date(2025, 9, 29)
    assert _due(cal, "2025-09-30", 3) == date(2025, 10, 11)
    assert _due(cal, "2025-09-30", 5) == date(2025, 10, 14)


def test_apl_art85_spring_festival_2025_make_up_days(cal):
    """行政处罚法 第85条: 2025-01-26 (Sun) and 2025-02-08 (Sat) work; Jan 28–Feb 4 are off."""
    assert _due(cal, "2025-01-24", 1) == date(2025, 1, 26)
    assert _due(cal, "2025-01-24", 3) == date(2025, 2, 5)
    assert _due(cal, "2025-02-07", 1) == date(2025, 2, 8)


def test_working_days_start_from_the_shanghai_date_of_an_instant(cal):
    """20:00 UTC on Feb 13 is already Feb 14 in Shanghai, so counting starts on Feb 15."""
    result = cal.add_working_days(datetime(2026, 2, 13, 20, 0, tzinfo=UTC), 1)
    assert result.start_date == date(2026, 2, 14)
    assert result.due_date == date(2026, 2, 24)


def test_due_instant_is_end_of_last_legal_day_in_utc(cal):
    result = cal.add_working_days(date(2026, 2, 13), 3)
    assert result.due_at == datetime(2026, 2, 25, 15, 59, 59, 999999, tzinfo=UTC)
    assert result.unit == "working_days" and result.amount == 3 and not result.provisional


def test_index_agrees_with_day_by_day_counting(cal):
    """The bisection index gives what walking the days one by one gives, far past the window too."""
    rng = random.Random(85)
    for _ in range(300):
        start = date(2003, 1, 1) + timedelta(days=rng.randrange(365 * 60))
        n = rng.randrange(0, 40)
        day, left = start, n
        while left:
            day += timedelta(days=1)
            left -= cal.is_working_day(day)
        assert cal.add_working_days(start, n).due_date == day, (start, n)


def test_working_day_before_counts_back_across_spring_festival(cal):
    """Periods counted back (e.g. 行政处罚法 第64条 notice before a hearing) skip holidays too."""
    assert cal.working_day_before(date(2026, 2, 25), 3) == date(2026, 2, 13)
    assert cal.working_day_before(date(2026, 2, 24), 1) == date(2026, 2, 14)
    assert cal.working_day_before(date(2026, 3, 2), 0) == date(2026, 3, 2)
    rng = random.Random(64)
    for _ in range(100):
        day = date(2010, 1, 1) + timedelta(days=rng.randrange(365 * 20))
        n = rng.randrange(1, 30)
        back = cal.working_day_before(day, n)
        # `back` is a working day and [back, day) holds exactly n working days.
        assert cal.is_working_day(back)
        assert cal.working_days_between(back - timedelta(days=1), day - timedelta(days=1)) == n


def test_working_days_between_counts_the_half_open_span(cal):
    assert cal.working_days_between(date(2026, 2, 13), date(2026, 2, 25)) == 3
    assert cal.working_days_between(date(2026, 2, 25), date(2026, 2, 13)) == 0


# --- calendar days (民事诉讼法 第85条) --------------------------------------------------------------


def test_civil_procedure_art85_event_day_is_excluded(cal):
    """民事诉讼法 第85条: 期间开始的日不计算在内."""
    assert _due(cal, "2026-03-02", 1, "calendar_days") == date(2026, 3, 3)
    assert _due(cal, "2026-03-02", 15, "calendar_days") == date(2026, 3, 17)


def test_civil_procedure_art85_period_ending_in_national_day_rolls_forward(cal):
    """民事诉讼法 第85条: last day 2026-10-01 is a holiday → the period ends on Oct 8."""
    result = cal.add_calendar_days(date(2026, 9, 16), 15)
    assert result.due_date == date(2026, 10, 8)
    assert "民事诉讼法 第85条" in result.basis and "2026-10-01" in result.basis


def test_civil_procedure_art85_rest_day_inside_spring_festival_rolls_forward(cal):
    """民事诉讼法 第85条: 2025-02-01 (Sat inside 春节) and 2025-01-30 both move to Feb 5."""
    assert _due(cal, "2025-01-17", 15, "calendar_days") == date(2025, 2, 5)
    assert _due(cal, "2025-01-15", 15, "calendar_days") == date(2025, 2, 5)


def test_civil_procedure_art85_weekend_last_day_rolls_but_make_up_day_does_not(cal):
    """民事诉讼法 第85条 / 民法典 第203条: a Saturday is a 法定休假日; a 调休 Saturday is not."""
    assert _due(cal, "2026-03-02", 5, "calendar_days") == date(2026, 3, 9)
    assert _due(cal, "2026-02-13", 15, "calendar_days") == date(2026, 2, 28)


# --- hours ------------------------------------------------------------------------------------


def test_hours_run_24x7_through_holidays(cal):
    """行政强制法 第19条 24-hour report: clock hours, holidays included."""
    result = cal.add_hours(datetime(2026, 9, 30, 16, 0, tzinfo=UTC), 24)
    assert result.due_at == datetime(2026, 10, 1, 16, 0, tzinfo=UTC)
    assert result.due_date == date(2026, 10, 2)  # Shanghai date of 00:00+08:00
    assert not result.provisional


def test_hours_from_a_date_start_at_shanghai_midnight(cal):
    result = cal.due(date(2026, 10, 1), 72, "hours")
    assert result.due_at == datetime(2026, 10, 3, 16, 0, tzinfo=UTC)


# --- publication and provisional results --------------------------------------------------------


def test_unpublished_year_gives_provisional_result(cal):
    """domain.md §6: before the State Council notice, a deadline is computed but marked provisional."""
    assert not cal.is_published(2027)
    late = cal.add_working_days(date(2026, 12, 28), 5)
    assert late.provisional and "2027" in late.basis
    assert late.due_date == date(2027, 1, 5)  # 2027-01-01 presumed off (放假办法 第2条)
    assert not cal.add_working_days(date(2026, 12, 20), 3).provisional
    assert cal.add_calendar_days(date(2026, 12, 20), 15).provisional
    assert not cal.add_hours(datetime(2026, 12, 31, 12, tzinfo=UTC), 48).provisional


def test_fixed_statutory_dates_rest_in_an_unpublished_year(cal):
    """放假办法 第2条 fixes 元旦, 5月1–2日 and 10月1–3日 even before the notice."""
    assert cal.is_holiday(date(2027, 10, 1)) and cal.is_holiday(date(2027, 5, 2))
    assert cal.is_working_day(date(2027, 10, 4))  # a Monday, unknown until the notice


def test_override_file_adds_a_fictional_2027_calendar(tmp_path):
    """A local override makes 2027 published: its holidays and 调休 days count, not provisional."""
    cal = LegalCalendar(_write(tmp_path, FICTIONAL_2027), environ={})
    assert cal.is_published(2027)
    result = cal.add_working_days(date(2027, 2, 4), 2)
    assert result.due_date == date(2027, 2, 15)  # Feb 5–13 off, Feb 14 (Sun) works
    assert not result.provisional
    assert cal.add_working_days(date(2027, 9, 30), 1).due_date == date(2027, 10, 8)
    assert "测试用虚构" in cal.published_year(2027).notice


def test_override_file_is_found_through_environment(tmp_path):
    path = _write(tmp_path, FICTIONAL_2027)
    cal = LegalCalendar(environ={"QUANZE_HOLIDAYS_FILE": str(path)})
    assert cal.is_published(2027) and cal.is_holiday(date(2027, 2, 8))


def test_override_year_replaces_the_package_dates_of_that_year(tmp_path):
    correction = {"years": {"2026": {"notice": "更正", "holidays": [
        {"name": "国庆节", "from": "2026-10-01", "to": "2026-10-03"}], "workdays": []}}}
    cal = LegalCalendar(_write(tmp_path, correction), environ={})
    assert not cal.is_holiday(date(2026, 2, 16)) and cal.is_working_day(date(2026, 2, 16))
    assert not cal.is_working_day(date(2026, 2, 14))  # no longer a make-up Saturday
    assert cal.is_holiday(date(2026, 10, 3)) and cal.is_working_day(date(2026, 10, 5))
    assert cal.is_holiday(date(2025, 10, 8))  # other years untouched


# --- bad input ---------------------------------------------------------------------------------


@pytest.mark.parametrize("unit", ["weeks", "", "WORKING_DAYS"])
def test_unknown_unit_is_refused(cal, unit):
    with pytest.raises(ValidationFailed) as err:
        cal.due(date(2026, 3, 2), 3, unit)
    assert "unit" in err.value.errors and "unknown unit" in err.value.errors["unit"][0]


@pytest.mark.parametrize("amount", [-1, 2.5, "3", True, None])
def test_negative_or_non_integer_amount_is_refused(cal, amount):
    with pytest.raises(ValidationFailed) as err:
        cal.due(date(2026, 3, 2), amount, "working_days")
    assert "amount" in err.value.errors


@pytest.mark.parametrize("unit, amount", [("working_days", 10_001), ("calendar_days", 36_601),
                                          ("hours", 10**9)])
def test_amount_beyond_any_legal_period_is_refused(cal, unit, amount):
    with pytest.raises(ValidationFailed) as err:
        cal.due(date(2026, 3, 2), amount, unit)
    assert "limit" in err.value.errors["amount"][0]


@pytest.mark.parametrize("start", [date(1900, 1, 1), date(9999, 12, 30)])
def test_start_outside_supported_dates_is_refused(cal, start):
    with pytest.raises(ValidationFailed) as err:
        cal.add_calendar_days(start, 3)
    assert "supported range" in err.value.errors["start"][0]


def test_naive_datetime_is_refused(cal):
    with pytest.raises(ValidationFailed) as err:
        cal.add_hours(datetime(2026, 3, 2, 9, 0), 24)
    assert "时区" in err.value.errors["start"][0]


def test_start_that_is_not_a_date_is_refused(cal):
    with pytest.raises(ValidationFailed) as err:
        cal.add_calendar_days("2026-03-02", 3)
    assert "start" in err.value.errors


@pytest.mark.parametrize("document, field", [
    ("{not json", None),
    ({"years": []}, "years"),
    ({"years": {"2027": {"holidays": []}}}, "years.2027.notice"),
    ({"years": {"2027": {"notice": "n", "holidays": [{"name": "春节", "from": "2027-02-13",
                                                      "to": "2027-02-05"}]}}},
     "years.2027.holidays[0]"),
    ({"years": {"2027": {"notice": "n", "holidays": [{"name": "春节", "from": "2027-02-30"}]}}},
     "years.2027.holidays[0].from"),
    ({"years": {"2027": {"notice": "n", "workdays": [{"name": "春节", "date": "2027-02-10"}]}}},
     "years.2027.workdays[0]"),
    ({"years": {"2027": {"notice": "n", "holidays": [{"name": "x", "from": "2027-02-13"}],
                         "workdays": [{"name": "x", "date": "2027-02-13"}]}}}, "years.2027"),
])
def test_bad_override_file_is_refused_naming_the_field(tmp_path, document, field):
    path = _write(tmp_path, document)
    with pytest.raises(ValidationFailed) as err:
        LegalCalendar(path, environ={})
    assert str(path) in err.value.message
    assert (field or str(path)) in err.value.errors


def test_missing_override_file_is_refused(tmp_path):
    with pytest.raises(ValidationFailed) as err:
        LegalCalendar(environ={"QUANZE_HOLIDAYS_FILE": str(tmp_path / "absent.json")})
    assert "absent.json" in err.value.message
