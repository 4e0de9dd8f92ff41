"""`quanze audit verify|anchor`: check the keyed audit chain (执法全过程记录) and anchor its head."""

from __future__ import annotations

import sys
from datetime import UTC, datetime
from pathlib import Path

import click
from sqlalchemy.exc import SQLAlchemyError

from web.cli.common import echo_json
from workflows.core.audit_verify import anchor_file as default_anchor_file
from workflows.core.audit_verify import latest_anchor, verify_chain, write_anchor

_ANCHOR_HELP = "Anchor file (default $QUANZE_AUDIT_ANCHOR_FILE or instance/audit-anchors.jsonl)."


@click.group("audit")
def audit_group() -> None:
    """The append-only audit trail."""


def _no_tables(exc: SQLAlchemyError) -> None:
    click.echo(f"错误 / error: 无法读取审计表，是否已运行 quanze init？ / cannot read the "
               f"audit tables, run `quanze init` first ({exc.__class__.__name__})", err=True)
    sys.exit(2)


@audit_group.command("verify")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.option("--anchor-file", type=click.Path(dir_okay=False, path_type=Path), help=_ANCHOR_HELP)
@click.pass_obj
def verify_cmd(state, as_json: bool, anchor_file: Path | None) -> None:
    """Walk the chain against the last anchor; exit 1 naming inserted, deleted, rewritten rows."""
    anchor = latest_anchor(anchor_file or default_anchor_file())
    try:
        with state.session() as session:
            report = verify_chain(session, anchor=anchor)
    except SQLAlchemyError as exc:
        _no_tables(exc)
    if as_json:
        echo_json({"ok": report.ok, "checked": report.checked,
                   "first_bad_seq": report.first_bad_seq, "reason": report.reason,
                   "anchor": None if anchor is None else {"seq": anchor.seq, "at": anchor.at},
                   "problems": [{"kind": p.kind, "seqs": list(p.seqs)} for p in report.problems]})
    elif report.ok:
        click.echo(f"审计链完整 / audit chain intact: {report.checked} 条记录 / events checked"
                   + ("" if anchor is None else f"; 锚点 / anchor seq {anchor.seq} ({anchor.at})"))
    else:
        click.echo(f"审计链被破坏 / audit chain BROKEN: {report.reason} "
                   f"({report.checked} 条真实记录 / authentic events)", err=True)
    if not report.ok:
        sys.exit(1)


@audit_group.command("anchor")
@click.option("--anchor-file", type=click.Path(dir_okay=False, path_type=Path), help=_ANCHOR_HELP)
@click.pass_obj
def anchor_cmd(state, anchor_file: Path | None) -> None:
    """Verify, then append the current head (seq, hash) to the anchor file (run daily)."""
    path = anchor_file or default_anchor_file()
    try:
        with state.session() as session:
            report = verify_chain(session, anchor=latest_anchor(path))
            if not report.ok:
                click.echo(f"审计链被破坏，不予锚定 / chain broken, not anchored: {report.reason}",
                           err=True)
                sys.exit(1)
            anchor = write_anchor(session, path, datetime.now(UTC))
    except SQLAlchemyError as exc:
        _no_tables(exc)
    click.echo(f"已锚定 / anchored: seq {anchor.seq} {anchor.hash} → {path}")


def register(cli: click.Group) -> None:
    """Attach this module's commands."""
    cli.add_command(audit_group)
