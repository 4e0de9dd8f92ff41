"""Scripts are code: the sandbox refuses imports, builtins and dunder escapes (design.md §3)."""

from __future__ import annotations

import shutil

import pytest
from click.testing import CliRunner
from sqlalchemy import func, select

from models import ProcessInstance
from tests.support.engine_support import BPMN_SRC, World, build_world, demo_lanes
from workflows.core.services import ServiceRegistry
from workflows.engine import ScriptRefused, StepFailed, check_source
from workflows.engine.definitions import check_folder
from workflows.engine.sandbox import Sandbox
from workflows.tasks import processes

ESCAPES = [
    "__import__('os')",
    "import os",
    "from os import system",
    "open('/etc/passwd')",
    "().__class__.__bases__[0].__subclasses__()",
    "__builtins__",
    "eval('1+1')",
    "getattr(len, '__self__')",
    "globals()",
    "'{0.__class__}'.format(1)",
    "(x for x in []).gi_frame",
    "len.__self__",
    "type(1)",
    "def f():\n    pass",
]


@pytest.mark.parametrize("source", ESCAPES)
def test_escape_attempts_are_refused(source):
    """No import, no builtins beyond the named helpers, no '_' names or unsafe attributes."""
    sandbox = Sandbox({})
    with pytest.raises((ScriptRefused, NameError)):
        sandbox.execute(f"x = {source}" if "\n" not in source and "import" not in source
                        else source, {})


def test_helpers_and_plain_data_still_work():
    """A script changes task data through plain expressions and the named helpers."""
    sandbox = Sandbox({"double": lambda n: 2 * n})
    data = {"items": ["a", "b"], "n": 2}
    sandbox.execute("count = len(items)\nlabel = ','.join(sorted(items))\nm = double(n)", data)
    assert data == {"items": ["a", "b"], "n": 2, "count": 2, "label": "a,b", "m": 4}
    assert sandbox.evaluate("count > 1 and label.startswith('a')", data) is True


def _folder_with(tmp_path, old: str, new: str):
    folder = tmp_path / "bad_bpmn"
    folder.mkdir()
    text = (BPMN_SRC / "engine_demo.bpmn").read_text("utf-8")
    assert old in text
    (folder / "engine_demo.bpmn").write_text(text.replace(old, new), "utf-8")
    return folder


def test_check_names_file_and_element_of_a_dunder_script(tmp_path):
    """`quanze bpmn check` reports the file and element id of a refused script, exit 1."""
    from web.cli import _register, cli

    folder = _folder_with(tmp_path, 'summary = "agrees"', 'summary = ().__class__')
    registry = ServiceRegistry()
    registry.register("tests.record_outcome", lambda ctx, summary: summary)
    errors = check_folder(folder, registry, demo_lanes())
    assert [(e.file_name, e.element_id) for e in errors] == [("engine_demo.bpmn", "summarize")]
    _register()
    result = CliRunner().invoke(cli, ["bpmn", "check", "--dir", str(folder)])
    assert result.exit_code == 1
    assert "engine_demo.bpmn: summarize:" in result.output
    assert "engine_demo.bpmn: apply:" in result.output  # tests.* is not on the real allow-list


def test_check_reports_xsd_errors_with_the_file(tmp_path):
    """BPMN 2.0 XSD validation runs on every file."""
    folder = _folder_with(tmp_path, "<bpmn:incoming>f1</bpmn:incoming>",
                          "<bpmn:bogus>f1</bpmn:bogus>")
    errors = check_folder(folder, ServiceRegistry())
    assert errors and errors[0].file_name == "engine_demo.bpmn"
    assert "bogus" in errors[0].message
    assert errors[0].element_id.startswith("draft (line")  # the element holding the bad tag


@pytest.fixture
def world(session, clock, tmp_path) -> World:
    """A synced engine over tests/support/bpmn with the users of each lane."""
    return build_world(session, clock, tmp_path)


@pytest.mark.parametrize("name", ["open", "print", "vars", "getattr", "type", "eval"])
def test_check_refuses_builtins_the_run_time_withholds(tmp_path, name):
    """The check equals the run time (issue 13): a builtin the sandbox lacks is refused by name."""
    folder = _folder_with(tmp_path, 'summary = "agrees"', f"summary = {name}('x')")
    errors = check_folder(folder, ServiceRegistry())
    assert any(f"not available in the sandbox: {name}" in str(e) for e in errors), errors
    with pytest.raises(ScriptRefused, match=name):
        Sandbox({}).execute(f"summary = {name}('x')", {})


def test_pure_builtins_and_del_run_as_the_check_says():
    """range, zip, enumerate, float, isinstance … are provided; `del name` drops a variable."""
    script = ("pairs = [[i, float(x)] for i, x in enumerate(values)]\n"
              "total = sum(v for i, v in zip(range(3), values))\n"
              "ok = isinstance(total, int) and len(list(reversed(values))) == 3\n"
              "scratch = 1\ndel scratch\ndel values")
    check_source(script)
    data = {"values": [1, 2, 3]}
    Sandbox({}).execute(script, data)
    assert data == {"pairs": [[0, 1.0], [1, 2.0], [2, 3.0]], "total": 6, "ok": True}


def test_a_variable_shadowing_a_withheld_builtin_is_accepted():
    """A script's own variable named like a builtin is data, not the builtin."""
    data: dict = {}
    Sandbox({}).execute("type = 'penalty'\nlabel = type.upper()", data)
    assert data == {"type": "penalty", "label": "PENALTY"}


def test_script_failing_at_runtime_fails_the_step(session, session_factory, world, tmp_path):
    """A name the data lacks passes the check but fails the step; nothing is saved."""
    shutil.copy(_folder_with(tmp_path, 'summary = "agrees"', "summary = no_such_value + 1")
                / "engine_demo.bpmn", world.engine.bpmn_dir / "engine_demo.bpmn")
    world.engine.sync_definitions(session)
    processes.start(session, world.engine, "engine_demo", world.start_data(), world.officer)
    processes.complete(session, world.engine, processes.list_tasks(session, world.officer)[0].id,
                       world.officer, {"title": "t", "item_codes": ["A1"]})
    opinion = processes.list_tasks(session, world.leader)[0]
    with pytest.raises(StepFailed, match="no_such_value"):
        processes.complete(session, world.engine, opinion.id, world.leader, {"agrees": True})
    session.rollback()
    with session_factory() as other:
        assert other.scalar(select(func.max(ProcessInstance.version))) == 2
