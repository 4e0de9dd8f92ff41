"""Issue 12 point 9 — limitation (行政处罚法 第36条): counted from the act, or from the end of a
continuing act, to the day it was discovered; the case records both dates."""

from __future__ import annotations

from datetime import date

import pytest

from tests.support.case_world import build_case_county, file
from tests.support.procedure_world import fingerprint
from workflows.core.errors import LegalRuleViolation, ValidationFailed


@pytest.fixture
def c(session, clock, tmp_path):
    return build_case_county(session, clock, tmp_path)


def test_period_runs_to_discovery_not_to_filing_article_36(session, c):
    """第36条 「未被发现的」: an act of 2024-01-10 discovered on 2025-12-01 is in time though the
    filing (2026-03-02) is more than two years after the act; both dates are recorded."""
    case = file(session, c, violation_on=date(2024, 1, 10), discovered_on=date(2025, 12, 1))
    assert (case.violation_on, case.discovered_on, case.act_ended_on) == (
        date(2024, 1, 10), date(2025, 12, 1), None)


def test_discovered_after_two_years_is_refused_article_36(session, c):
    """第36条: discovered more than two years after the act: no penalty, nothing written."""
    before = fingerprint(session)
    with pytest.raises(LegalRuleViolation) as err:
        file(session, c, violation_on=date(2023, 6, 1), discovered_on=date(2025, 6, 2))
    assert err.value.article == "行政处罚法 第36条"
    assert (err.value.details["counted_from"], err.value.details["limitation_ends"]) == (
        "2023-06-01", "2025-06-01")
    assert fingerprint(session) == before


def test_continuing_act_counts_from_the_day_it_ended_article_36(session, c):
    """第36条 「有连续或者继续状态的，从行为终了之日起计算」: begun 2022-05-01, ended 2025-01-31,
    discovered 2026-02-20 — in time; the end date is recorded."""
    case = file(session, c, violation_on=date(2022, 5, 1), act_ended_on=date(2025, 1, 31),
                discovered_on=date(2026, 2, 20))
    assert (case.act_ended_on, case.discovered_on) == (date(2025, 1, 31), date(2026, 2, 20))


def test_continuing_act_discovered_two_years_after_it_ended_is_refused_article_36(session, c):
    with pytest.raises(LegalRuleViolation) as err:
        file(session, c, violation_on=date(2020, 5, 1), act_ended_on=date(2023, 1, 31),
             discovered_on=date(2026, 2, 20))
    assert err.value.details["counted_from"] == "2023-01-31"


def test_no_discovery_date_means_the_filing_day_and_is_recorded(session, c):
    case = file(session, c, violation_on=date(2026, 2, 10))
    assert case.discovered_on == case.filed_on


@pytest.mark.parametrize("changes, field", [
    ({"discovered_on": date(2026, 3, 3)}, "discovered_on"),        # after the filing
    ({"discovered_on": date(2026, 2, 1)}, "discovered_on"),        # before the act
    ({"act_ended_on": date(2026, 2, 1)}, "act_ended_on"),          # ends before it began
])
def test_dates_out_of_order_are_refused_and_nothing_written(session, c, changes, field):
    before = fingerprint(session)
    with pytest.raises(ValidationFailed) as err:
        file(session, c, violation_on=date(2026, 2, 10), **changes)
    assert field in err.value.errors and fingerprint(session) == before
