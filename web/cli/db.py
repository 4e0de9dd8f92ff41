"""`quanze init` and `quanze db …`: create the schema, load the sample, make migrations."""

from __future__ import annotations

import click

from web.cli.common import report_errors
from workflows.core import schema
from workflows.core.audit import ensure_head
from workflows.core.db import unit_of_work
from workflows.deadlines.rules import seed_deadline_rules
from workflows.sample.gucheng import load_gucheng_sample


@click.command("init")
@click.option("--sample", is_flag=True, help="Load the Gucheng (故城县) sample data and demo users.")
@click.pass_obj
@report_errors
def init_cmd(state, sample: bool) -> None:
    """Create or upgrade the database; optionally load the Gucheng sample."""
    schema.upgrade(state.engine)
    with state.session() as session, unit_of_work(session):
        ensure_head(session)
    with state.session() as session:
        seed_deadline_rules(session, state.clock)  # legal periods as data (design.md §4)
    click.echo(f"数据库已就绪 / database ready: {state.engine.url.render_as_string(hide_password=True)}")
    if sample:
        with state.session() as session:
            summary = load_gucheng_sample(session, state.clock)
        click.echo(f"已载入故城县示例数据 / Gucheng sample loaded: {summary}")


@click.group("db")
def db_group() -> None:
    """Schema maintenance."""


@db_group.command("upgrade")
@click.pass_obj
def db_upgrade(state) -> None:
    """Apply all migrations."""
    schema.upgrade(state.engine)
    click.echo("ok")


@db_group.command("revision")
@click.argument("message")
@click.pass_obj
def db_revision(state, message: str) -> None:
    """Autogenerate a migration from the models (developers)."""
    from alembic import command

    schema.upgrade(state.engine)
    command.revision(schema.alembic_config(state.engine), message=message, autogenerate=True)


def register(cli: click.Group) -> None:
    """Attach this module's commands."""
    cli.add_command(init_cmd)
    cli.add_command(db_group)
