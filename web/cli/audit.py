"""`quanze audit verify`: check the sha256 chain of the audit trail (执法全过程记录)."""

from __future__ import annotations

import sys

import click
from sqlalchemy.exc import SQLAlchemyError

from web.cli.common import echo_json
from workflows.core.audit import verify_chain


@click.group("audit")
def audit_group() -> None:
    """The append-only audit trail."""


@audit_group.command("verify")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.pass_obj
def verify_cmd(state, as_json: bool) -> None:
    """Walk the chain; exit 1 when a row was changed, removed or inserted."""
    try:
        with state.session() as session:
            report = verify_chain(session)
    except SQLAlchemyError as exc:
        click.echo(f"错误 / error: 无法读取审计表，是否已运行 quanze init？ / cannot read the "
                   f"audit tables, run `quanze init` first ({exc.__class__.__name__})", err=True)
        sys.exit(2)
    if as_json:
        echo_json({"ok": report.ok, "checked": report.checked,
                   "first_bad_seq": report.first_bad_seq, "reason": report.reason})
    elif report.ok:
        click.echo(f"审计链完整 / audit chain intact: {report.checked} 条记录 / events checked")
    else:
        click.echo(f"审计链被破坏 / audit chain BROKEN at seq {report.first_bad_seq}: "
                   f"{report.reason} ({report.checked} 条完好 / events verified before it)", err=True)
    if not report.ok:
        sys.exit(1)


def register(cli: click.Group) -> None:
    """Attach this module's commands."""
    cli.add_command(audit_group)
