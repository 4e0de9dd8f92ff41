"""`quanze calendar add|show`: legal due dates across statutory holidays (法定节假日)."""

from __future__ import annotations

from datetime import date, datetime

import click

from web.cli.common import echo_json, report_errors
from workflows.calendar.legal_calendar import LegalCalendar, PeriodResult
from workflows.core.clock import SHANGHAI

WEEKDAYS = ["星期一 / Mon", "星期二 / Tue", "星期三 / Wed", "星期四 / Thu", "星期五 / Fri",
            "星期六 / Sat", "星期日 / Sun"]


def parse_start(_ctx, _param, value: str) -> date | datetime:
    """click callback: a date (YYYY-MM-DD) or an ISO datetime that carries its zone."""
    try:
        return date.fromisoformat(value)
    except ValueError:
        pass
    try:
        instant = datetime.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(
            f"'{value}' 不是日期或时间，应为 YYYY-MM-DD 或 2026-03-02T09:00+08:00 / "
            "not a date (YYYY-MM-DD) or an ISO datetime with zone"
        ) from None
    if instant.tzinfo is None:
        raise click.BadParameter(
            f"'{value}' 缺少时区，例如 +08:00 或 Z / datetime without a zone (add +08:00 or Z)"
        )
    return instant


def _one_amount(working_days, calendar_days, hours) -> tuple[int, str]:
    given = [(v, u) for v, u in ((working_days, "working_days"), (calendar_days, "calendar_days"),
                                 (hours, "hours")) if v is not None]
    if len(given) != 1:
        raise click.UsageError(
            "请只给出 --working-days、--calendar-days、--hours 中的一个 / "
            "give exactly one of --working-days, --calendar-days, --hours"
        )
    return given[0]


def _print_result(result: PeriodResult) -> None:
    local = result.due_at.astimezone(SHANGHAI)
    click.echo(f"到期日 / due date:    {result.due_date} ({WEEKDAYS[result.due_date.weekday()]})")
    click.echo(f"到期时刻 / due at:    {result.due_at.isoformat()} "
               f"({local:%Y-%m-%d %H:%M:%S} Asia/Shanghai)")
    marker = "是 / yes — 该年节假日安排尚未公布 / calendar not published" if result.provisional \
        else "否 / no"
    click.echo(f"暂定 / provisional:   {marker}")
    click.echo(f"依据 / basis:         {result.basis}")


@click.group("calendar")
@click.option("--holidays-file", envvar="QUANZE_HOLIDAYS_FILE", type=click.Path(dir_okay=False),
              help="Local holiday override JSON (env QUANZE_HOLIDAYS_FILE).")
@click.pass_context
def calendar_group(ctx: click.Context, holidays_file: str | None) -> None:
    """Legal calendar: statutory holidays, make-up working days (调休) and due dates."""
    ctx.meta["holidays_file"] = holidays_file


@calendar_group.command("add")
@click.option("--from", "start", required=True, callback=parse_start,
              help="Triggering date (YYYY-MM-DD, Shanghai) or ISO datetime with zone.")
@click.option("--working-days", type=int, help="Working days (工作日).")
@click.option("--calendar-days", type=int, help="Calendar days (日), rolled past rest days.")
@click.option("--hours", type=int, help="Clock hours, 24×7.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.pass_context
@report_errors
def add_cmd(ctx, start, working_days, calendar_days, hours, as_json: bool) -> None:
    """When does a period starting at --from end?"""
    amount, unit = _one_amount(working_days, calendar_days, hours)
    result = LegalCalendar(ctx.meta.get("holidays_file")).due(start, amount, unit)
    if as_json:
        echo_json(result.to_dict())
    else:
        _print_result(result)


def _year_listing(cal: LegalCalendar, year: int) -> dict:
    published = cal.published_year(year)
    return {
        "year": year,
        "published": published is not None,
        "notice": published.notice if published else None,
        "source": published.source if published else None,
        "holidays": [{"name": p.name, "from": p.first.isoformat(), "to": p.last.isoformat(),
                      "days": (p.last - p.first).days + 1} for p in cal.holiday_periods(year)],
        "workdays": [{"date": d.isoformat(), "name": n} for d, n in cal.makeup_workdays(year)],
    }


@calendar_group.command("show")
@click.argument("year", type=click.IntRange(1949, 2200))
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.pass_context
@report_errors
def show_cmd(ctx, year: int, as_json: bool) -> None:
    """List a year's holidays (放假) and make-up working days (调休上班)."""
    listing = _year_listing(LegalCalendar(ctx.meta.get("holidays_file")), year)
    if as_json:
        echo_json(listing)
        return
    if listing["published"]:
        click.echo(f"{year}年：{listing['notice']} （来源 / source: {listing['source']}）")
    else:
        click.echo(f"{year}年节假日安排尚未公布 / not published: 仅列放假办法第2条的固定日期，"
                   "计算结果为暂定 / fixed statutory dates only, results provisional")
    click.echo("放假 / days off:")
    for p in listing["holidays"]:
        click.echo(f"  {p['from']} ～ {p['to']}  {p['days']}天/days  {p['name']}")
    click.echo("调休上班 / make-up working days:")
    for w in listing["workdays"]:
        weekday = WEEKDAYS[date.fromisoformat(w["date"]).weekday()]
        click.echo(f"  {w['date']} ({weekday})  {w['name']}")
    if not listing["workdays"]:
        click.echo("  （无 / none）")


def register(cli: click.Group) -> None:
    """Attach this module's commands."""
    cli.add_command(calendar_group)
