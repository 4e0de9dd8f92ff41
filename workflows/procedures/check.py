"""Check declarations against their BPMN files and the deadline rules (`quanze bpmn check`)."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from lxml import etree

from workflows.deadlines.rules import load_rule_specs
from workflows.engine.definitions import BPMN_NS, DefinitionError, bpmn_files, process_ids_of
from workflows.procedures.declaration import Procedure
from workflows.procedures.dues import RULE_CALL, SPIFF_NS, task_properties, user_task_dues


def rule_keys_in(xml: str) -> set[str]:
    """Deadline-rule keys a BPMN file names through rule_due('…')."""
    return set(RULE_CALL.findall(xml))


def shipped_rule_keys() -> set[str]:
    """Every key of workflows/data/deadline_rules.json."""
    return {spec["key"] for spec in load_rule_specs()}


def _process(root, process_id: str):
    found = root.xpath("//bpmn:process[@id=$pid]", pid=process_id, namespaces=BPMN_NS)
    return found[0] if found else None


def _task_roles(task) -> set[str]:
    """Roles a user task may go to by its own properties (role, roleByOrgKind), else none."""
    props = task_properties(task)
    if "roleByOrgKind" in props:
        return {pair.split(":", 1)[1].strip() for pair in props["roleByOrgKind"].split(",") if ":" in pair}
    return {props["role"]} if "role" in props else set()


def _lane_errors(p: Procedure, process) -> list[DefinitionError]:
    """Every lane holding a user task is declared, and each task's role is one the lane declares."""
    errors = []
    declared = {name: {r.value for r in lane.roles} for name, lane in p.lanes.items()}
    for lane in process.iterfind(".//bpmn:lane", BPMN_NS):
        refs = set(lane.xpath("bpmn:flowNodeRef/text()", namespaces=BPMN_NS))
        for task in process.iterfind(".//bpmn:userTask", BPMN_NS):
            if task.get("id") not in refs:
                continue
            name = lane.get("id")
            default = p.lanes[name].role.value if name in p.lanes else None
            roles = _task_roles(task) or ({default} if default else set())
            if name not in declared:
                errors.append(DefinitionError(p.bpmn, task.get("id"), f"泳道未声明 / lane {name!r} of "
                                              f"procedure {p.id} is not declared with its roles"))
            elif not roles <= declared[name]:
                errors.append(DefinitionError(p.bpmn, task.get("id"), f"泳道角色未声明 / lane {name!r} "
                                              f"declares {sorted(declared[name])}, task goes to {sorted(roles)}"))
    return errors


def _file_errors(p: Procedure, root, xml: str, rules: set[str]) -> list[DefinitionError]:
    process = _process(root, p.id)
    if process is None:
        return [DefinitionError(p.bpmn, p.id, f"流程编号不存在 / file defines no process {p.id!r}")]
    errors = []
    tasks = {t.get("id") for t in process.iterfind(".//bpmn:userTask", BPMN_NS)}
    errors += [DefinitionError(p.bpmn, t, f"用户任务未声明表单 / user task has no declared form "
                                          f"(declare one, or FORMLESS) in procedure {p.id}")
               for t in sorted(tasks - set(p.forms))]
    errors += [DefinitionError(p.bpmn, t, f"表单对应的用户任务不存在 / a form is declared for "
                                          f"no user task of {p.id}") for t in sorted(set(p.forms) - tasks)]
    used = {op.get("id") for op in process.iterfind(".//spiffworkflow:serviceTaskOperator", SPIFF_NS)}
    errors += [DefinitionError(p.bpmn, name, f"服务任务未由流程声明 / service task {name!r} is not "
                                             f"declared by procedure {p.id}") for name in sorted(used - set(p.services))]
    # The file's rule_due calls, and those of due expressions declared on forms for tasks the file gives none.
    named = rule_keys_in(xml) | {k for form in p.forms.values() if getattr(form, "due", None)
                                 for k in RULE_CALL.findall(form.due)}
    errors += [DefinitionError(p.bpmn, key, f"期限规则不存在 / rule key {key!r} is missing from "
                                            "deadline_rules.json") for key in sorted((named | set(p.rule_keys)) - rules)]
    errors += [DefinitionError(p.bpmn, key, f"期限规则未由流程声明 / rule key {key!r} is used by the "
                                            f"file but not declared by {p.id}") for key in sorted(named - set(p.rule_keys))]
    return errors + _lane_errors(p, process) + _due_errors(p, process)


def _due_errors(p: Procedure, process) -> list[DefinitionError]:
    """Every user task has a due date or is declared without deadline with its reason, never both (issue 10 §10)."""
    dues = user_task_dues(p, process)
    errors = [DefinitionError(p.bpmn, t, f"用户任务无期限 / user task has no due date (a BPMN due property or "
                                         f"its form's due) and is not declared in {p.id}'s no_deadline")
              for t, due in dues.items() if due is None and t not in p.no_deadline]
    errors += [DefinitionError(p.bpmn, t, f"声明无期限的任务有期限 / task is declared without deadline in "
                                          f"{p.id} but has the due date {dues[t]!r}")
               for t in p.no_deadline if dues.get(t)]
    errors += [DefinitionError(p.bpmn, t, f"声明无期限的用户任务不存在 / no_deadline names no user task of {p.id}")
               for t in p.no_deadline if t not in dues]
    return errors


def check_procedures(procedures: Iterable[Procedure], bpmn_dir: str | Path,
                     rules: set[str] | None = None) -> list[DefinitionError]:
    """Every way a declaration and its BPMN file or the rules disagree; empty when they agree."""
    procedures = tuple(procedures)
    rules = shipped_rule_keys() if rules is None else rules
    folder = Path(bpmn_dir)
    errors: list[DefinitionError] = []
    for p in procedures:
        path = folder / p.bpmn
        if not path.is_file():
            errors.append(DefinitionError(p.bpmn, p.id, f"流程文件不存在 / BPMN file of {p.id} is missing"))
            continue
        content = path.read_bytes()
        try:
            root = etree.fromstring(content)
        except etree.XMLSyntaxError as exc:
            errors.append(DefinitionError(p.bpmn, p.id, str(exc)))
            continue
        errors += _file_errors(p, root, content.decode("utf-8"), rules)
        errors += [DefinitionError(p.bpmn, p.id, f"公布任务未声明表单 / publication task {t!r} is "
                                                 "not a declared user task")
                   for t in p.publications if t not in p.forms]
    declared = {p.id for p in procedures}
    for path in bpmn_files(folder):
        errors += [DefinitionError(path.name, pid, f"流程未声明 / process {pid!r} is declared by no "
                                                   "procedure (workflows/procedures ALL)")
                   for pid in sorted(process_ids_of(path.read_bytes()) - declared)]
    return errors
