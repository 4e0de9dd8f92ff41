"""`quanze bpmn check` and `quanze instances list/show` for operators."""

from __future__ import annotations

import sys

import click

from web.cli.common import echo_json, report_errors
from workflows.engine.definitions import bpmn_files, check_folder
from workflows.procedures import ALL, configured_default_lane, forms, lanes, services
from workflows.procedures.check import check_procedures
from workflows.tasks.processes import list_instances, show_instance


def _check_errors(bpmn_dir: str):
    try:
        default = configured_default_lane()
    except ValueError as exc:  # $QUANZE_DEFAULT_LANE is not 'role:org_key'
        raise click.UsageError(str(exc)) from None
    return check_folder(bpmn_dir, services(), lanes(ALL, default)) + check_procedures(ALL, bpmn_dir)


def register(cli: click.Group) -> None:
    """Attach the engine commands to the root group."""

    @cli.group()
    def bpmn() -> None:
        """BPMN procedure files (bpmn/)."""

    @bpmn.command("check")
    @click.option("--dir", "bpmn_dir", default="bpmn", show_default=True,
                  type=click.Path(file_okay=False), help="Folder of .bpmn files.")
    def bpmn_check(bpmn_dir: str) -> None:
        """Validate every file (XSD, sandbox, service allow-list, lanes) against the declared procedures."""
        files = bpmn_files(bpmn_dir)
        errors = _check_errors(bpmn_dir)
        for error in errors:
            click.echo(f"错误 / error: {error}", err=True)
        if errors:
            click.echo(f"{len(errors)} 个错误 / errors in {len(files)} files", err=True)
            sys.exit(1)
        click.echo(f"通过 / ok: {len(files)} files")

    @cli.group()
    def instances() -> None:
        """Running and finished procedure instances."""

    @instances.command("list")
    @click.option("--status", type=click.Choice(["running", "waiting", "completed", "cancelled",
                                                 "error"]))
    @click.option("--process", "process_id", help="Only instances of this process id.")
    @click.option("--json", "as_json", is_flag=True, help="Print JSON.")
    @click.pass_obj
    @report_errors
    def instances_list(state, status, process_id, as_json) -> None:
        """List instances, newest first."""
        with state.session() as session:
            rows = list_instances(session, status=status, process_id=process_id)
            data = [{"id": r.id, "process_id": r.process_id, "business_key": r.business_key,
                     "status": r.status, "version": r.version, "started_at": r.started_at,
                     "next_wake_at": r.next_wake_at} for r in rows]
        if as_json:
            echo_json(data)
            return
        for r in data:
            wake = f" wake={r['next_wake_at'].isoformat()}" if r["next_wake_at"] else ""
            click.echo(f"{r['id']:>6}  {r['process_id']:<24} {r['status']:<10} "
                       f"{r['business_key'] or '-'}{wake}")

    @instances.command("show")
    @click.argument("instance_id", type=int)
    @click.pass_obj
    @report_errors
    def instances_show(state, instance_id: int) -> None:
        """Show one instance with its tasks and audit history."""
        with state.session() as session:
            echo_json(show_instance(session, instance_id, forms()))
