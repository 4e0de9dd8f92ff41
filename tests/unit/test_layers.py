"""The layers of design.md §2 as import-linter contracts (pyproject.toml), and no hidden imports."""

from __future__ import annotations

import ast
import subprocess
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")
FIRST_PARTY = ("models", "workflows", "scheduler")


def _lint(cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run([str(LINT_IMPORTS), "--no-cache"], cwd=cwd, capture_output=True,
                          text=True, check=False)


def test_every_contract_is_kept():
    """web → scheduler → workflows (by subject) → models; only the engine touches SpiffWorkflow."""
    result = _lint(ROOT)
    assert result.returncode == 0, result.stdout[-4000:]


def _tree(base: Path, files: dict[str, str]) -> None:
    for name, text in files.items():
        path = base / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")


def test_the_contracts_catch_each_kind_of_violation(tmp_path):
    """The same contracts over a small tree that breaks them: each broken contract is named."""
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    contracts = config["tool"]["importlinter"]["contracts"]
    _tree(tmp_path, {
        "models/__init__.py": "import flask\n",  # models-pure
        "scheduler/__init__.py": "", "scheduler/runner.py": "",
        "benchmarks/__init__.py": "import SpiffWorkflow\n",  # spiff
        "web/__init__.py": "import scheduler.runner\n",  # web-public-scheduler
        "workflows/__init__.py": "", "workflows/data/__init__.py": "",
        **{f"workflows/{name}/__init__.py": "" for name in (
            "sample", "jobs", "procedures", "tasks", "engine", "cases", "deadlines", "registry",
            "documents", "accounts", "calendar")},
        "workflows/core/__init__.py": "import workflows.registry\nimport marshmallow\n",
        "workflows/procedures/a.py": "import workflows.procedures.b\n",
        "workflows/procedures/b.py": "import workflows.procedures.a\n",  # acyclic
        "flask/__init__.py": "", "marshmallow/__init__.py": "", "SpiffWorkflow/__init__.py": "",
    })
    lines = ['[tool.importlinter]',
             'root_packages = ["models", "workflows", "web", "scheduler", "benchmarks"]',
             'include_external_packages = true']
    (tmp_path / "pyproject.toml").write_text("\n".join(lines) + "\n" + "".join(
        _contract_toml(c) for c in contracts), encoding="utf-8")
    result = _lint(tmp_path)
    assert result.returncode == 1
    broken = [c["name"] for c in contracts if f"{c['name']} BROKEN" in " ".join(
        result.stdout.split())]
    assert sorted(c["id"] for c in contracts if c["name"] in broken) == [
        "acyclic", "models-pure", "spiff", "web-public-scheduler", "workflows-layers",
        "workflows-pure"], result.stdout[-4000:]


def _contract_toml(contract: dict) -> str:
    def value(v):
        if isinstance(v, bool):
            return "true" if v else "false"
        if isinstance(v, list):
            return "[" + ", ".join(value(x) for x in v) + "]"
        return '"' + str(v).replace('"', '\\"') + '"'

    return "\n[[tool.importlinter.contracts]]\n" + "".join(
        f"{key} = {value(v)}\n" for key, v in contract.items())


def _function_level_imports(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found = []
    for function in ast.walk(tree):
        if not isinstance(function, ast.FunctionDef | ast.AsyncFunctionDef):
            continue
        for node in ast.walk(function):
            names = [node.module or ""] if isinstance(node, ast.ImportFrom) else (
                [a.name for a in node.names] if isinstance(node, ast.Import) else [])
            found += [f"{path.relative_to(ROOT)}:{node.lineno} imports {n} in {function.name}()"
                      for n in names if n.split(".")[0] in FIRST_PARTY]
    return found


def test_no_import_of_the_house_hides_inside_a_function():
    """An import moved into a function hides a cycle from the reader: imports go at the top."""
    found = []
    for package in ("models", "workflows", "scheduler", "web", "benchmarks"):
        for path in sorted((ROOT / package).rglob("*.py")):
            found += _function_level_imports(path)
    assert found == []
