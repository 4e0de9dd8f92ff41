"""`quanze audit verify|anchor|rekey`: check the keyed audit chain (执法全过程记录), anchor its
head, re-key a chain written before the key existed."""

from __future__ import annotations

import sys
from datetime import UTC, datetime
from pathlib import Path

import click
from sqlalchemy.exc import SQLAlchemyError

from web.cli.common import echo_json
from workflows.core.audit_rekey import RekeyRefused, rekey_chain
from workflows.core.audit_verify import anchor_file as default_anchor_file
from workflows.core.audit_verify import latest_anchor, verify_chain, write_anchor
from workflows.core.errors import ValidationFailed

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


@audit_group.command("rekey")
@click.option("--anchor-file", type=click.Path(dir_okay=False, path_type=Path), help=_ANCHOR_HELP)
@click.option("--previous-key-file", "previous", multiple=True,
              type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="A key rows were signed with before (e.g. instance/audit.key); repeatable.")
@click.pass_obj
def rekey_cmd(state, anchor_file: Path | None, previous: tuple[Path, ...]) -> None:
    """Re-sign a chain written before QUANZE_AUDIT_KEY (unkeyed sha256 rows), then anchor it.

    Refuses, writing nothing, without QUANZE_AUDIT_KEY or when the chain is not intact.
    """
    path = anchor_file or default_anchor_file()
    keys = [p.read_text(encoding="utf-8").strip().encode("utf-8") for p in previous]
    try:
        with state.session() as session:
            report = rekey_chain(session, state.clock.now(), keys, latest_anchor(path))
            anchor = write_anchor(session, path, state.clock.now()) if report.rewritten else None
    except ValidationFailed as exc:
        click.echo(f"错误 / error: {exc.errors}", err=True)
        sys.exit(2)
    except RekeyRefused as exc:
        click.echo(exc.message, err=True)
        sys.exit(1)
    except SQLAlchemyError as exc:
        _no_tables(exc)
    if anchor is None:
        click.echo(f"无需重新签名 / nothing to re-key: {report.rows} 条记录均已签名 / rows "
                   f"already keyed")
        return
    click.echo(f"已重新签名 / re-keyed: {report.rewritten} / {report.rows} 条记录 / rows "
               f"({report.unkeyed} 条未签名 / unkeyed); 已锚定 / anchored: seq {anchor.seq} "
               f"{anchor.hash} → {path}")


def register(cli: click.Group) -> None:
    """Attach this module's commands."""
    cli.add_command(audit_group)
