"""A procedure as plain data, for `quanze procedures [--json]` and the docs."""

from __future__ import annotations

from pathlib import Path

from lxml import etree

from workflows.engine.definitions import BPMN_NS, call_targets
from workflows.procedures.declaration import FORMLESS, Procedure
from workflows.procedures.dues import due_rule_keys, user_task_dues


def _name(fn) -> str:
    return f"{fn.__module__}.{fn.__qualname__}"


def _user_tasks(p: Procedure, content: bytes | None) -> dict[str, str | None]:
    """User task id → due expression, in file order (the declared forms' when the file cannot be read)."""
    if content is None:
        return {task: form.due for task, form in p.forms.items()}
    found = etree.fromstring(content).xpath("//bpmn:process[@id=$pid]", pid=p.id, namespaces=BPMN_NS)
    return user_task_dues(p, found[0]) if found else {}


def describe(p: Procedure, bpmn_dir: str | Path) -> dict:
    """Id, file, labels, user tasks with their forms and due dates, service tasks, rule keys, lanes, start."""
    path = Path(bpmn_dir) / p.bpmn
    content = path.read_bytes() if path.is_file() else None
    tasks = []
    for task, due in _user_tasks(p, content).items():
        form = p.forms.get(task)
        tasks.append({"task": task, "declared": form is not None, "formless": form is FORMLESS,
                      "fields": [f.name for f in form.fields] if form is not None else [],
                      "due": due, "due_rules": due_rule_keys(due), "no_deadline": p.no_deadline.get(task)})
    start = p.start
    return {
        "id": p.id, "package": f"workflows.procedures.{p.package}", "bpmn": str(path),
        "bpmn_exists": content is not None, "label_zh": p.label_zh, "label_en": p.label_en,
        "user_tasks": tasks,
        "service_tasks": {name: _name(fn) for name, fn in sorted(p.services.items())},
        "rule_keys": list(p.rule_keys),
        "lanes": {name: {"roles": [r.value for r in lane.roles], "org_key": lane.org_key}
                  for name, lane in p.lanes.items()},
        "calls": [target for _element, target in call_targets(content)] if content else [],
        "start": None if start is None else {
            "key": start.key, "place": start.place, "function": _name(start.entry),
            "who": [{"role": role.value, "org_kind": kind.value} for role, kind in start.who]},
    }
