"""`quanze registry who|list`: who may act on an item in a township on a date (权力清单)."""

from __future__ import annotations

import click

from web.cli.common import echo_json, parse_date, report_errors
from workflows.registry.powers import Competence, power_list, who

MODE_LABELS = {
    "grant": "赋权 / grant",
    "entrust": "委托 / entrust",
    "statutory": "法定 / statutory",
    "assist": "县直部门实施，乡镇协助 / department acts, township assists",
}


def _print_competence(c: Competence) -> None:
    click.echo(f"事项 / item:               {c.item_code} {c.item_name}")
    click.echo(f"乡镇 / township:           {c.township}    日期 / on: {c.on}")
    click.echo(f"方式 / mode:               {MODE_LABELS[c.mode]}")
    click.echo(f"执法主体 / in whose name:  {c.enforcement_subject.name}")
    click.echo(f"责任主体 / answers for it: {c.responsible_subject.name}")
    click.echo(f"实施机构 / acts:           {c.acting_org.name}")
    if c.assisting_org:
        click.echo(f"协助 / assists:            {c.assisting_org.name}")
    if c.delegation_id:
        period = f"{c.effective_from} — {c.effective_to or '长期 / open'}"
        click.echo(f"文件 / document:           {c.document_no or '—'} (#{c.delegation_id}, {period})")
    if c.via_item_code:
        click.echo(f"随同 / travels with:       {c.via_item_code}")
    click.echo(f"依据 / basis:              {c.basis}")


@click.group("registry")
def registry_group() -> None:
    """The power registry: competence per item, township and date."""


@registry_group.command("who")
@click.option("--item", "item_code", required=True, help="Catalogue item code.")
@click.option("--township", required=True, help="Township name (e.g. 郑口镇) or id.")
@click.option("--on", "on", callback=parse_date, help="Legal date YYYY-MM-DD; default: today (Shanghai).")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.pass_obj
@report_errors
def who_cmd(state, item_code: str, township: str, on, as_json: bool) -> None:
    """Who acts on an item in a township, in whose name, and who answers for it."""
    with state.session() as session:
        answer = who(session, item_code, township, on or state.clock.today())
    if as_json:
        echo_json(answer.to_dict())
    else:
        _print_competence(answer)


@registry_group.command("list")
@click.option("--township", required=True, help="Township name (e.g. 郑口镇) or id.")
@click.option("--on", "on", callback=parse_date, help="Legal date YYYY-MM-DD; default: today (Shanghai).")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.pass_obj
@report_errors
def list_cmd(state, township: str, on, as_json: bool) -> None:
    """A township's power list (权力清单) on a date: every catalogue item."""
    with state.session() as session:
        answers = power_list(session, township, on or state.clock.today())
    if as_json:
        echo_json([a.to_dict() for a in answers])
        return
    for a in answers:
        doc = a.document_no or "—"
        click.echo(f"{a.item_code:<20} {a.mode:<9} {a.enforcement_subject.name:<24} {doc:<18} "
                   f"{a.item_name}")
    counts = {m: sum(a.mode == m for a in answers) for m in MODE_LABELS}
    click.echo(f"共 {len(answers)} 项 / {len(answers)} items: " +
               ", ".join(f"{m} {n}" for m, n in counts.items()))


def register(cli: click.Group) -> None:
    """Attach this module's commands."""
    cli.add_command(registry_group)
