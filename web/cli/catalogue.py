"""`quanze import-items`, `quanze import-delegations`, `quanze export-powers`."""

from __future__ import annotations

import functools
import sys
from pathlib import Path

import click
from tqdm import tqdm

from web.cli.common import echo_json, parse_date, report_errors
from workflows.core.errors import ValidationFailed
from workflows.registry.importing.delegations import import_delegations
from workflows.registry.importing.export import export_powers
from workflows.registry.importing.items import ImportOptions, import_items

PROGRESS_HELP = "Show a progress bar on stderr (default: when stderr is a terminal)."


class ProgressBars:
    """A tqdm bar per import stage, fed by the library's progress(stage, done, total)."""

    LABELS = {"validate": "校验 / validate", "write": "写入 / write"}

    def __init__(self) -> None:
        self._bars: dict[str, tqdm] = {}

    def __call__(self, stage: str, done: int, total: int) -> None:
        bar = self._bars.get(stage)
        if bar is None:
            bar = self._bars[stage] = tqdm(total=total, desc=self.LABELS.get(stage, stage),
                                           unit="行", file=sys.stderr, leave=False)
        bar.update(done - bar.n)

    def close(self) -> None:
        """Close every bar."""
        for bar in self._bars.values():
            bar.close()


def _row_errors(fn):
    """List every bad row as '第N行 / row N: field: message' and exit 2."""

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        try:
            return fn(*args, **kwargs)
        except ValidationFailed as exc:
            click.echo(f"错误 / error: {exc.message}", err=True)
            errors = exc.errors if isinstance(exc.errors, list) else [
                {"field": f, "message": m} for f, msgs in exc.errors.items() for m in msgs]
            for e in errors:
                where = f"第{e['row']}行 / row {e['row']}: " if "row" in e else ""
                rule = f"（{e['article']}）" if e.get("article") else ""
                click.echo(f"  {where}{e['field']}: {e['message']}{rule}", err=True)
            sys.exit(2)

    return wrapper


def _progress(show: bool | None) -> ProgressBars | None:
    """Progress bars when asked for, or by default when stderr is a terminal."""
    return ProgressBars() if (sys.stderr.isatty() if show is None else show) else None


def _run_with_progress(show: bool | None, call):
    """Run the import with bars, closing them however it ends."""
    bars = _progress(show)
    try:
        return call(bars)
    finally:
        if bars:
            bars.close()


@click.command("import-items")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--county-name", help="Replace the ××县 placeholder, e.g. 故城县.")
@click.option("--city-name", help="Replace the ××市 placeholder, e.g. 衡水市.")
@click.option("--progress/--no-progress", default=None, help=PROGRESS_HELP)
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
@click.pass_obj
@report_errors
@_row_errors
def import_items_cmd(state, file: Path, county_name, city_name, progress, as_json) -> None:
    """Import catalogue items (事项清单) from CSV or XLSX; any bad row imports nothing."""
    def call(bars):
        options = ImportOptions(county_name=county_name, city_name=city_name, progress=bars)
        with state.session() as session:
            return import_items(session, state.clock, file, options=options)

    report = _run_with_progress(progress, call)
    summary = report.summary()
    if as_json:
        echo_json(summary)
        return
    click.echo(f"已导入 {summary['rows']} 项：新增 {summary['created']}，更新 {summary['updated']}，"
               f"未变 {summary['unchanged']} / imported {summary['rows']} items: "
               f"{summary['created']} new, {summary['updated']} updated, "
               f"{summary['unchanged']} unchanged")


@click.command("import-delegations")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--progress/--no-progress", default=None, help=PROGRESS_HELP)
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
@click.pass_obj
@report_errors
@_row_errors
def import_delegations_cmd(state, file: Path, progress, as_json) -> None:
    """Import existing delegations (赋权/委托) with their documents and dates."""
    def call(bars):
        with state.session() as session:
            return import_delegations(session, state.clock, file, progress=bars)

    summary = _run_with_progress(progress, call).summary()
    if as_json:
        echo_json(summary)
        return
    click.echo(f"已导入 {summary['created']} 条赋权/委托记录 / imported {summary['created']} delegations")


@click.command("export-powers")
@click.option("--township", required=True, help="Township name, e.g. 郑口镇.")
@click.option("--on", "on", callback=parse_date, help="Legal date YYYY-MM-DD (default: today).")
@click.option("--format", "fmt", required=True, type=click.Choice(["csv", "xlsx", "json"]))
@click.option("--output", type=click.Path(dir_okay=False, path_type=Path),
              help="File to write (default: stdout for csv and json).")
@click.pass_obj
@report_errors
def export_powers_cmd(state, township: str, on, fmt: str, output: Path | None) -> None:
    """Export a township's power and responsibility lists (权力清单/责任清单)."""
    if fmt == "xlsx" and output is None:
        raise click.UsageError("XLSX 需要 --output 文件 / xlsx needs --output FILE")
    with state.session() as session:
        data = export_powers(session, township, on or state.clock.today(), fmt)
    if output is None:
        click.echo(data.decode("utf-8-sig"), nl=False)
        return
    output.write_bytes(data)
    click.echo(f"已写入 / written: {output}", err=True)


def register(cli: click.Group) -> None:
    """Attach this module's commands."""
    for command in (import_items_cmd, import_delegations_cmd, export_powers_cmd):
        cli.add_command(command)
