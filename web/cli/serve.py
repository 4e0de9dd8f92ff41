"""`quanze serve`: the web application with the deadline scheduler in the same process."""

from __future__ import annotations

import click
from waitress import serve

from scheduler import start_in_process
from web.app import create_app, settle_heap
from workflows.calendar.legal_calendar import LegalCalendar
from workflows.core.errors import QuanzeError


def _start_scheduler(state, app):
    """Start the scheduler in this process, sharing the app's BPMN engine."""
    try:
        engine = app.extensions["quanze"].workflow_engine()
    except QuanzeError as exc:  # invalid BPMN: deadlines still fire, timers wait for a fix
        click.echo(f"错误 / error: {exc.message} {exc.details.get('errors', '')}", err=True)
        engine = None
    return start_in_process(state.session_factory, state.clock, LegalCalendar(), engine=engine, bpmn_dir=None)


@click.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=5000, show_default=True, type=click.IntRange(1, 65535))
@click.option("--threads", default=4, show_default=True, type=click.IntRange(1, 64))
@click.option("--no-scheduler", is_flag=True, help="Serve pages only (run `quanze scheduler` elsewhere).")
@click.pass_obj
def serve_cmd(state, host: str, port: int, threads: int, no_scheduler: bool) -> None:
    """Serve the site with waitress; the scheduler runs in-process unless told otherwise."""
    app = create_app({"ENGINE": state.engine, "CLOCK": state.clock})
    scheduler = None if no_scheduler else _start_scheduler(state, app)
    settle_heap(app)  # after the scheduler built the engine: the long-lived heap stays out of collections
    click.echo(f"权责 Quanze: http://{host}:{port}/")
    try:
        serve(app, host=host, port=port, threads=threads)
    finally:
        if scheduler is not None:
            scheduler.shutdown()


def register(cli: click.Group) -> None:
    """Attach `serve`."""
    cli.add_command(serve_cmd)
