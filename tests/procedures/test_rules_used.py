"""Every deadline rule is started by some procedure step or removed (issue 11 §5)."""

from __future__ import annotations

import json
from importlib import resources
from pathlib import Path

from workflows.procedures import ALL

BPMN = Path(__file__).resolve().parents[2] / "bpmn"
WORKFLOWS = Path(__file__).resolve().parents[2] / "workflows"


def _rule_keys() -> set[str]:
    raw = json.loads(resources.files("workflows.data").joinpath("deadline_rules.json").read_text("utf-8"))
    return {r["key"] for r in raw["rules"]}


def _declared() -> set[str]:
    return {key for p in ALL for key in p.rule_keys}


def test_every_rule_is_started_by_some_procedure():
    """A rule no procedure declares is dead data: the failure lists each unused rule by key."""
    unused = sorted(_rule_keys() - _declared())
    assert unused == [], f"deadline rules no procedure starts: {unused}"


def test_a_declared_rule_is_named_by_code():
    """A declaration is not a loophole: each key is named by its BPMN file or by workflows code that starts it."""
    code = "".join(f.read_text("utf-8") for f in WORKFLOWS.rglob("*.py"))
    for p in ALL:
        text = (BPMN / p.bpmn).read_text("utf-8") + code
        missing = [key for key in p.rule_keys if key not in text]
        assert missing == [], f"{p.id} declares rules nothing names: {missing}"
