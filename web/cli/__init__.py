"""The `quanze` command line; each command group lives in its own module."""

from __future__ import annotations

import click

from models.db import default_database_url
from web.cli.state import CliState


@click.group()
@click.option(
    "--database-url",
    envvar="QUANZE_DATABASE_URL",
    help="SQLAlchemy URL; default: SQLite in ./instance (env QUANZE_DATABASE_URL).",
)
@click.pass_context
def cli(ctx: click.Context, database_url: str | None) -> None:
    """Quanze (权责): delegated-power transfers to townships."""
    ctx.obj = CliState(database_url or default_database_url())
    ctx.call_on_close(ctx.obj.close)


def _register() -> None:
    # Imported here, not at module top, so `import web.cli` stays side-effect free.
    from web.cli import audit as audit_cmds
    from web.cli import calendar as calendar_cmds
    from web.cli import catalogue as catalogue_cmds
    from web.cli import db as db_cmds
    from web.cli import engine as engine_cmds
    from web.cli import procedures as procedure_cmds
    from web.cli import registry as registry_cmds
    from web.cli import scheduler as scheduler_cmds
    from web.cli import serve as serve_cmds

    for module in (db_cmds, calendar_cmds, audit_cmds, registry_cmds, engine_cmds,
                   catalogue_cmds, serve_cmds, scheduler_cmds, procedure_cmds):
        module.register(cli)


def main() -> None:
    """Console-script entry point."""
    _register()
    cli()
