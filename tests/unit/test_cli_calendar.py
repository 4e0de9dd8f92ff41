"""`quanze calendar add|show` and `quanze audit verify` through click's test runner."""

from __future__ import annotations

import json
import os
from datetime import UTC, datetime

import pytest
from click.testing import CliRunner
from sqlalchemy import text, update

from models import AuditEvent
from web.cli import _register, cli
from workflows.core.audit import record
from workflows.core.db import unit_of_work


@pytest.fixture(scope="module", autouse=True)
def commands():
    _register()


@pytest.fixture
def run():
    """Invoke the CLI with no holiday override from the developer's environment."""
    runner = CliRunner()

    def invoke(*args, env=None):
        return runner.invoke(cli, list(args), env={"QUANZE_HOLIDAYS_FILE": None, **(env or {})})

    return invoke


def test_add_working_days_prints_due_date_instant_and_marker(run):
    """行政处罚法 第85条: 3 working days from 2026-02-13 (make-up Saturday counts)."""
    result = run("calendar", "add", "--from", "2026-02-13", "--working-days", "3")
    assert result.exit_code == 0, result.output
    assert "2026-02-25" in result.output
    assert "2026-02-25T15:59:59.999999+00:00" in result.output
    assert "provisional:   否 / no" in result.output


def test_add_calendar_days_json_rolls_past_national_day(run):
    """民事诉讼法 第85条: last day 2026-10-01 is a holiday, so the period ends on Oct 8."""
    result = run("calendar", "add", "--from", "2026-09-16T10:00+08:00", "--calendar-days", "15",
                 "--json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["due_date"] == "2026-10-08" and data["provisional"] is False
    assert data["start_at"] == "2026-09-16T02:00:00+00:00"


def test_add_hours_from_an_instant(run):
    result = run("calendar", "add", "--from", "2026-09-30T16:00Z", "--hours", "24", "--json")
    assert json.loads(result.output)["due_at"] == "2026-10-01T16:00:00+00:00"


def test_add_in_unpublished_year_is_marked_provisional(run):
    result = run("calendar", "add", "--from", "2026-12-28", "--working-days", "5")
    assert result.exit_code == 0
    assert "是 / yes" in result.output and "2027" in result.output


@pytest.mark.parametrize("value, message", [("2026-13-01", "不是日期"), ("next monday", "不是日期"),
                                            ("2026-03-02T09:00", "缺少时区")])
def test_malformed_or_naive_from_is_refused(run, value, message):
    result = run("calendar", "add", "--from", value, "--working-days", "3")
    assert result.exit_code == 2
    assert message in result.output and "--from" in result.output


@pytest.mark.parametrize("amounts", [[], ["--working-days", "3", "--hours", "4"]])
def test_exactly_one_amount_is_required(run, amounts):
    result = run("calendar", "add", "--from", "2026-03-02", *amounts)
    assert result.exit_code == 2 and "exactly one" in result.output


def test_negative_amount_is_refused(run):
    result = run("calendar", "add", "--from", "2026-03-02", "--calendar-days", "-3")
    assert result.exit_code == 2 and "amount" in result.output and "negative" in result.output


def test_show_lists_holidays_and_make_up_days(run):
    result = run("calendar", "show", "2026")
    assert result.exit_code == 0
    assert "2026-02-15 ～ 2026-02-23" in result.output and "春节" in result.output
    assert "2026-02-14" in result.output and "2026-10-10" in result.output


def test_show_and_add_use_an_override_file(run, tmp_path):
    path = tmp_path / "h.json"
    path.write_text(json.dumps({"years": {"2027": {
        "notice": "2027 虚构通知", "holidays": [{"name": "元旦", "from": "2027-01-01", "to": "2027-01-03"}],
        "workdays": []}}}, ensure_ascii=False), encoding="utf-8")
    shown = run("calendar", "show", "2027", "--json", env={"QUANZE_HOLIDAYS_FILE": str(path)})
    data = json.loads(shown.output)
    assert data["published"] and data["holidays"][0]["days"] == 3
    added = run("calendar", "--holidays-file", str(path), "add", "--from", "2026-12-31",
                "--working-days", "1", "--json")
    due = json.loads(added.output)
    assert due["due_date"] == "2027-01-04" and due["provisional"] is False


def test_bad_override_file_gives_clear_error(run, tmp_path):
    path = tmp_path / "bad.json"
    path.write_text('{"years": {"2027": {"holidays": []}}}', encoding="utf-8")
    result = run("calendar", "--holidays-file", str(path), "show", "2027")
    assert result.exit_code == 2 and "years.2027.notice" in result.output


# --- audit verify -------------------------------------------------------------------------------


def _url_of(engine) -> str:
    """A URL the CLI can open for the test engine (PostgreSQL: keep its fresh schema)."""
    if engine.dialect.name != "postgresql":
        return engine.url.render_as_string(hide_password=False)
    with engine.connect() as conn:
        schema = conn.execute(text("SHOW search_path")).scalar()
    return f"{os.environ['QUANZE_TEST_DATABASE_URL']}?options=-csearch_path%3D{schema}"


@pytest.fixture
def audit_db(engine, session):
    """The test database (SQLite file, or PostgreSQL) with three chained audit rows."""
    with unit_of_work(session):
        for i in range(3):
            record(session, at=datetime(2026, 3, 2, 1, i, tzinfo=UTC), action="test.step",
                   subject_type="thing", subject_id=i, data={"i": i})
    return _url_of(engine), engine


def test_audit_verify_passes_on_an_intact_chain(run, audit_db):
    """执法全过程记录: an untouched chain verifies, exit code 0."""
    url, _ = audit_db
    result = run("--database-url", url, "audit", "verify")
    assert result.exit_code == 0, result.output
    assert "intact: 3" in result.output


def test_audit_verify_fails_on_a_tampered_row(run, audit_db):
    url, engine = audit_db
    with engine.begin() as conn:
        conn.execute(update(AuditEvent).where(AuditEvent.seq == 2).values(action="forged"))
    result = run("--database-url", url, "audit", "verify", "--json")
    assert result.exit_code == 1
    assert json.loads(result.output)["first_bad_seq"] == 2


def test_audit_verify_on_an_empty_database_explains(run, tmp_path):
    """A database never initialised gives a hint, not a traceback (a temp SQLite file)."""
    result = run("--database-url", f"sqlite:///{tmp_path / 'empty.db'}", "audit", "verify")
    assert result.exit_code == 2 and "quanze init" in result.output
