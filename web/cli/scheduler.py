"""`quanze scheduler`: run the deadline and timer scheduler alone (one or more per PostgreSQL)."""

from __future__ import annotations

import logging
import signal
import threading
from pathlib import Path

import click

from scheduler import start_in_process
from web.cli.common import echo_json, report_errors
from workflows.calendar.legal_calendar import LegalCalendar
from workflows.engine.folder import bpmn_folder
from workflows.jobs import webhooks
from workflows.jobs.due_work import run_due_work
from workflows.procedures import build_engine


@click.command("scheduler")
@click.option("--sweep-seconds", default=30.0, show_default=True, type=click.FloatRange(min=1),
              help="Safety-net sweep interval; between sweeps it wakes at the next due instant.")
@click.option("--bpmn-dir", default=None, type=click.Path(file_okay=False),
              help="BPMN folder for waking process timers (default: $QUANZE_BPMN_DIR, else the "
                   "folder shipped with the package; refuses to start without one).")
@click.option("--webhook-url", envvar="QUANZE_WEBHOOK_URL",
              help="POST deadline events here as JSON (env QUANZE_WEBHOOK_URL).")
@click.option("--once", is_flag=True, help="Catch up everything due now, print a summary, exit.")
@click.pass_obj
@report_errors
def scheduler_cmd(state, sweep_seconds: float, bpmn_dir: str | None, webhook_url: str | None,
                  once: bool) -> None:
    """Fire due deadlines and wake BPMN timers until stopped (Ctrl-C or SIGTERM)."""
    calendar = LegalCalendar()
    folder = bpmn_folder(bpmn_dir)  # never the working directory; refuses without one
    if once:
        _run_once(state, calendar, folder, webhook_url)
        return
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    logging.getLogger("apscheduler").setLevel(logging.WARNING)  # one line per job run is noise
    stop = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stop.set())
    handle = start_in_process(state.session_factory, state.clock, calendar, bpmn_dir=folder,
                              webhook_url=webhook_url or "", sweep_seconds=sweep_seconds)
    click.echo(f"调度器运行中 / scheduler running on {state.engine.url.render_as_string(hide_password=True)}")
    stop.wait()
    handle.shutdown()
    click.echo("调度器已停止 / scheduler stopped")


def _run_once(state, calendar, bpmn_dir: Path, webhook_url: str | None) -> None:
    """One catch-up pass and one webhook pass, as a cron job would run them."""
    engine = build_engine(bpmn_dir, state.clock, calendar)
    with state.session() as session:
        report = run_due_work(session, state.clock, engine=engine, webhook_url=webhook_url)
        delivered = webhooks.deliver_due(session, state.clock)
    echo_json({"expired": report.expired, "warned": report.warned,
               "instances_woken": report.instances_woken, "webhooks_delivered": delivered.delivered,
               "next_wake_at": report.next_wake_at})


def register(cli: click.Group) -> None:
    """Attach `quanze scheduler`."""
    cli.add_command(scheduler_cmd)
