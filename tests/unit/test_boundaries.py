"""The import boundaries of design.md §2 hold for every module."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

FORBIDDEN = {
    "models": {"flask", "web", "workflows", "scheduler", "SpiffWorkflow", "marshmallow",
               "apscheduler", "flask_smorest", "flask_babel"},
    "workflows": {"flask", "web", "scheduler", "marshmallow", "apscheduler", "flask_smorest",
                  "flask_babel"},
    "scheduler": {"flask", "web", "flask_smorest", "flask_babel", "marshmallow"},
}


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names |= {a.name.split(".")[0] for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module.split(".")[0])
    return names


def _violations() -> list[str]:
    found = []
    for package in ("models", "workflows", "scheduler", "web", "benchmarks"):
        for py in (ROOT / package).rglob("*.py"):
            names = _imports(py)
            rel = py.relative_to(ROOT)
            found += [f"{rel} imports {n}" for n in sorted(names & FORBIDDEN.get(package, set()))]
            if "SpiffWorkflow" in names and rel.parts[:2] != ("workflows", "engine"):
                found.append(f"{rel} imports SpiffWorkflow outside workflows/engine/")
    return found


def test_no_module_crosses_a_boundary():
    assert _violations() == []


def test_checker_catches_a_violation(tmp_path, monkeypatch):
    bad = ROOT / "models" / "_boundary_probe.py"
    bad.write_text("import flask\n", encoding="utf-8")
    try:
        assert "models/_boundary_probe.py imports flask" in _violations()
    finally:
        bad.unlink()
