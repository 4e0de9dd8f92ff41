"""`quanze procedures [--json]`: every declared procedure with its file, forms, rules and starters."""

from __future__ import annotations

import click

from web.cli.common import echo_json
from workflows.procedures import ALL
from workflows.procedures.listing import describe


def _line(d: dict) -> list[str]:
    start = d["start"]
    who = ", ".join(f"{w['role']}@{w['org_kind']}" for w in start["who"]) if start else "-"
    lines = [f"{d['id']}  {d['label_zh']} / {d['label_en']}  ({d['bpmn']}, {d['package']})",
             f"  发起 / start: {start['key'] + ' by ' + who + ' via ' + start['function'] if start else '-'}"]
    for t in d["user_tasks"]:
        form = "未声明 / NOT DECLARED" if not t["declared"] else ("无表单 / form-less" if t["formless"]
                                                                 else ", ".join(t["fields"]))
        due = t["due"] or ("无期限 / no deadline: " + t["no_deadline"] if t["no_deadline"] else "未定期限 / UNDATED")
        lines.append(f"  用户任务 / user task {t['task']}: {form}; 期限 / due: {due}")
    lines.append(f"  服务任务 / service tasks: {', '.join(d['service_tasks']) or '-'}")
    lines.append(f"  期限规则 / rule keys: {', '.join(d['rule_keys']) or '-'}")
    return lines


def register(cli: click.Group) -> None:
    """Attach `quanze procedures`."""

    @cli.command("procedures")
    @click.option("--dir", "bpmn_dir", default="bpmn", show_default=True,
                  type=click.Path(file_okay=False), help="Folder of .bpmn files.")
    @click.option("--json", "as_json", is_flag=True, help="Print JSON.")
    def procedures_cmd(bpmn_dir: str, as_json: bool) -> None:
        """List every procedure of workflows.procedures.ALL."""
        data = [describe(p, bpmn_dir) for p in ALL]
        if as_json:
            echo_json(data)
            return
        for d in data:
            click.echo("\n".join(_line(d)))
