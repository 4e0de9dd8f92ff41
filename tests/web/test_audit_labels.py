"""Every audit action has a Chinese and an English label, and an instance's record shows them (issue 10 §5)."""

from __future__ import annotations

import ast
import re
from pathlib import Path

from sqlalchemy import func, select

from models import ProcessInstance
from tests.web.test_procedures_web import _act, _start
from web.labels import AUDIT_ACTIONS
from workflows.procedures.clue_verification.steps import DECISIONS

WORKFLOWS = Path(__file__).resolve().parents[2] / "workflows"
ACTION, ACTION_PREFIX = re.compile(r"[a-z_]+\.[a-z_]+"), re.compile(r"[a-z_]+\.[a-z_]*")
WRITERS = {"record", "append", "audit", "_audit", "audit_change"}  # the functions that write audit rows
# Actions built from a value: every value the code can give them (clue.extend records nothing).
FAMILIES = {
    "clue.": [f"clue.{d}" for d in DECISIONS if d != "extend"],
    "deadline.interrupt_": ["deadline.interrupt_not_waiting", "deadline.interrupt_failed"],
}


# The firing pass names its two batch actions in a loop (workflows/jobs/firing.py).
FIRING = {"deadline.expired", "deadline.warned"}


def _actions_in_code() -> set[str]:
    """Every action a writer is called with in workflows/, literal or from a known family."""
    firing = (WORKFLOWS / "jobs" / "firing.py").read_text(encoding="utf-8")
    assert all(f'"{action}"' in firing for action in FIRING)
    found = set(FIRING)
    for path in WORKFLOWS.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.Call):
                continue
            name = getattr(node.func, "attr", getattr(node.func, "id", ""))
            if name not in WRITERS:
                continue
            for arg in [*node.args, *(k.value for k in node.keywords if k.arg == "action")]:
                text = arg.value if isinstance(arg, ast.Constant) and isinstance(arg.value, str) else None
                if text and ACTION.fullmatch(text):
                    found.add(text)
                elif text and name == "audit_change" and text.isidentifier():
                    found.add(f"deadline.{text}")
                elif (isinstance(arg, ast.JoinedStr) and isinstance(arg.values[0], ast.Constant)
                      and ACTION_PREFIX.fullmatch(arg.values[0].value)):
                    prefix = arg.values[0].value
                    assert prefix in FAMILIES or prefix == "deadline.", f"{path}: unknown action family {prefix!r}"
                    found.update(FAMILIES.get(prefix, []))
    return found


def test_every_action_the_code_writes_has_a_label_in_both_languages(app):
    actions = _actions_in_code()
    assert {"task.completed", "instance.started", "deadline.started", "deadline.expired", "clue.file"} <= actions
    assert sorted(actions - set(AUDIT_ACTIONS)) == []
    with app.test_request_context("/?lang=zh_CN"):
        chinese = {k: str(v) for k, v in AUDIT_ACTIONS.items()}
    with app.test_request_context("/?lang=en"):
        english = {k: str(v) for k, v in AUDIT_ACTIONS.items()}
    assert all(chinese[k] != k and english[k] != chinese[k] and english[k].isascii() for k in AUDIT_ACTIONS)


def test_the_instance_record_shows_labels_and_task_titles_not_codes(client, session_factory):
    """执法全过程记录 (第47条): 流程发起 / 办理任务 with the task's title, never `task.completed` or a task id."""
    assert _start(client, session_factory).status_code == 302
    with session_factory() as s:
        instance_id = s.scalar(select(func.max(ProcessInstance.id)))
    _act(client, session_factory, instance_id, "township_opinion", "zk_leader", {"agrees": "true"})
    page = client.get(f"/instances/{instance_id}").get_data(as_text=True)
    record = page[page.index("全过程记录"):]
    assert "流程发起" in record and "办理任务" in record and "对委托书提出意见" in record
    assert not {"instance.started", "task.completed", "township_opinion"} & set(re.findall(r"[\w.]+", record))
    client.get("/lang/en?next=/")
    page = client.get(f"/instances/{instance_id}").get_data(as_text=True)
    record = page[page.index("Full-process record"):]
    assert "Process started" in record and "Task completed" in record and "give the township&#39;s opinion" in record
    assert not {"instance.started", "task.completed", "township_opinion"} & set(re.findall(r"[\w.]+", record))
