"""Declared procedures: one list, registries built from it, and a check that catches each gap."""

from __future__ import annotations

import importlib
import json
import pkgutil
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from models import OrgKind, Role
from workflows import procedures
from workflows.core.forms import Field, Form
from workflows.core.services import ServiceRegistry, marked_services, service_task
from workflows.engine.definitions import check_folder, process_ids_of
from workflows.procedures import ALL
from workflows.procedures.check import check_procedures, rule_keys_in, shipped_rule_keys
from workflows.procedures.declaration import (
    FORMLESS,
    Lane,
    Procedure,
    Start,
    form_registry,
    lane_registry,
    service_registry,
)

BPMN = Path(__file__).resolve().parents[2] / "bpmn"

BROKEN_XML = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
  xmlns:bpmndi="http://www.omg.org/spec/BPMN/20100524/DI"
  xmlns:spiffworkflow="http://spiffworkflow.org/bpmn/schema/1.0/core"
  id="D_broken" targetNamespace="https://quanze.example/test">
<bpmn:process id="broken_demo" isExecutable="true">
<bpmn:laneSet id="ls"><bpmn:lane id="Township" name="Township">
<bpmn:flowNodeRef>fill</bpmn:flowNodeRef><bpmn:flowNodeRef>ack</bpmn:flowNodeRef>
<bpmn:flowNodeRef>forgot</bpmn:flowNodeRef></bpmn:lane></bpmn:laneSet>
<bpmn:startEvent id="s"/>
<bpmn:sequenceFlow id="f1" sourceRef="s" targetRef="fill"/>
<bpmn:userTask id="fill"><bpmn:extensionElements><spiffworkflow:properties>
<spiffworkflow:property name="due" value="rule_due('{rule}')"/>
</spiffworkflow:properties></bpmn:extensionElements></bpmn:userTask>
<bpmn:sequenceFlow id="f2" sourceRef="fill" targetRef="ack"/>
<bpmn:userTask id="ack"/>
<bpmn:sequenceFlow id="f3" sourceRef="ack" targetRef="forgot"/>
<bpmn:userTask id="forgot"/>
<bpmn:sequenceFlow id="f4" sourceRef="forgot" targetRef="record"/>
<bpmn:serviceTask id="record"><bpmn:extensionElements>
<spiffworkflow:serviceTaskOperator id="broken.record" resultVariable="out"><spiffworkflow:parameters/></spiffworkflow:serviceTaskOperator>
</bpmn:extensionElements></bpmn:serviceTask>
<bpmn:sequenceFlow id="f5" sourceRef="record" targetRef="e"/>
<bpmn:endEvent id="e"/>
</bpmn:process>
<bpmndi:BPMNDiagram id="Di"><bpmndi:BPMNPlane id="Pl" bpmnElement="broken_demo"/></bpmndi:BPMNDiagram>
</bpmn:definitions>
"""
FILL = Form([Field("note", "text", label_zh="说明", label_en="Note")])
RULES = {"known_rule"}


@service_task("broken.record")
def _record(ctx) -> dict:
    """A service task of the test procedure."""
    return {}


def _folder(tmp_path, rule: str = "known_rule") -> Path:
    folder = tmp_path / "bpmn"
    folder.mkdir()
    (folder / "broken_demo.bpmn").write_text(BROKEN_XML.replace("{rule}", rule), encoding="utf-8")
    return folder


def _procedure(**changes) -> Procedure:
    """A test procedure that matches its file, except for what `changes` breaks."""
    fields = dict(id="broken_demo", package="broken_demo", bpmn="broken_demo.bpmn", label_zh="测试",
                  label_en="Test", forms={"fill": FILL, "ack": FORMLESS, "forgot": FORMLESS},
                  services={"broken.record": _record}, rule_keys=("known_rule",),
                  lanes={"Township": Lane(Role.TOWNSHIP_LEADER, "township_id")},
                  no_deadline={"ack": "an acknowledgement: no article sets a period", "forgot": "none either"})
    fields.update(changes)
    return Procedure(**fields)


def _messages(errors) -> list[tuple[str, str]]:
    return [(e.element_id, e.message.split(" / ")[0]) for e in errors]


def test_the_list_names_fifteen_procedures_each_in_its_file():
    """Twelve BPMN process ids, one declaration each, every one defined by its own file."""
    assert len(ALL) == 15 and len({p.id for p in ALL}) == 15
    for p in ALL:
        assert p.id in process_ids_of((BPMN / p.bpmn).read_bytes()), p.id
        assert p.bpmn.removesuffix(".bpmn") == p.id and p.package in p.id
    assert {pid for f in BPMN.glob("*.bpmn") for pid in process_ids_of(f.read_bytes())} == {p.id for p in ALL}


def test_the_shipped_procedures_pass_both_checks():
    """Every user task has a form, every rule key exists, every service task is registered."""
    assert [str(e) for e in check_procedures(ALL, BPMN)] == []
    assert [str(e) for e in check_folder(BPMN, procedures.services(), procedures.lanes())] == []


def test_the_test_procedure_passes_when_it_matches_its_file(tmp_path):
    """Form-less tasks count as declared: FORMLESS is an explicit mark, not an omission."""
    folder = _folder(tmp_path)
    assert check_procedures([_procedure()], folder, RULES) == []


def test_a_user_task_without_a_declared_form_fails(tmp_path):
    """`forgot` is neither given a form nor marked form-less."""
    errors = check_procedures([_procedure(forms={"fill": FILL, "ack": FORMLESS})], _folder(tmp_path), RULES)
    assert _messages(errors) == [("forgot", "用户任务未声明表单")]


def test_a_form_for_no_task_fails(tmp_path):
    """A stale form (its task was renamed in the file) is reported too."""
    forms = {"fill": FILL, "ack": FORMLESS, "forgot": FORMLESS, "renamed": FILL}
    errors = check_procedures([_procedure(forms=forms)], _folder(tmp_path), RULES)
    assert _messages(errors) == [("renamed", "表单对应的用户任务不存在")]


def test_a_rule_key_used_by_the_file_but_missing_from_the_rules_fails(tmp_path):
    """rule_due('no_such_rule') in the file: missing from the rules and from the declaration."""
    errors = check_procedures([_procedure()], _folder(tmp_path, "no_such_rule"), RULES)
    assert _messages(errors) == [("no_such_rule", "期限规则不存在"), ("no_such_rule", "期限规则未由流程声明")]


def test_a_rule_key_declared_by_the_procedure_but_missing_from_the_rules_fails(tmp_path):
    """A key the Python steps use (declared) must exist in deadline_rules.json as well."""
    errors = check_procedures([_procedure(rule_keys=("known_rule", "typo_rule"))], _folder(tmp_path), RULES)
    assert _messages(errors) == [("typo_rule", "期限规则不存在")]


def test_a_user_task_neither_dated_nor_declared_without_deadline_fails(tmp_path):
    """Issue 10 §10: `ack` has no due date and no reason for none; a reason for a dated or unknown task fails too."""
    folder = _folder(tmp_path)
    errors = check_procedures([_procedure(no_deadline={"forgot": "no period"})], folder, RULES)
    assert _messages(errors) == [("ack", "用户任务无期限")]
    every = {"ack": "x", "forgot": "x", "fill": "x", "gone": "x"}
    errors = check_procedures([_procedure(no_deadline=every)], folder, RULES)
    assert _messages(errors) == [("fill", "声明无期限的任务有期限"), ("gone", "声明无期限的用户任务不存在")]
    with pytest.raises(ValueError, match="ack"):
        _procedure(no_deadline={"ack": " "})
    dated_by_form = _procedure(forms={"fill": FILL, "ack": Form([], due="rule_due('known_rule')"), "forgot": FORMLESS},
                               no_deadline={"forgot": "no period"})
    assert check_procedures([dated_by_form], folder, RULES) == []


def test_a_service_task_with_no_registered_service_fails(tmp_path):
    """The file names broken.record; a procedure that does not declare it leaves it unregistered."""
    folder = _folder(tmp_path)
    bare = _procedure(services={})
    assert _messages(check_procedures([bare], folder, RULES)) == [("broken.record", "服务任务未由流程声明")]
    errors = check_folder(folder, service_registry([bare]), lane_registry([bare]))
    assert [(e.element_id, e.message.split(" / ")[0]) for e in errors] == [("record", "服务任务未登记")]
    assert check_folder(folder, service_registry([_procedure()]), lane_registry([_procedure()])) == []


def test_a_missing_file_or_process_id_fails(tmp_path):
    """The declared file must exist and define the declared process id."""
    folder = _folder(tmp_path)
    errors = check_procedures([_procedure(bpmn="gone.bpmn")], folder, RULES)
    assert ("broken_demo", "流程文件不存在") in _messages(errors)
    errors = check_procedures([_procedure(id="other_id")], folder, RULES)
    assert _messages(errors)[0] == ("other_id", "流程编号不存在")
    assert ("broken_demo", "流程未声明") in _messages(errors)  # and the file's process has no owner


def test_an_undeclared_lane_or_role_fails(tmp_path):
    """Lanes map to roles through the declaration; a task naming a role its lane does not declare fails."""
    folder = _folder(tmp_path)
    assert _messages(check_procedures([_procedure(lanes={})], folder, RULES))[0] == ("fill", "泳道未声明")
    path = folder / "broken_demo.bpmn"
    path.write_text(path.read_text(encoding="utf-8").replace(
        '<spiffworkflow:property name="due"',
        '<spiffworkflow:property name="role" value="county_officer"/><spiffworkflow:property name="due"'),
        encoding="utf-8")
    assert _messages(check_procedures([_procedure()], folder, RULES))[0] == ("fill", "泳道角色未声明")
    also = _procedure(lanes={"Township": Lane(Role.TOWNSHIP_LEADER, "township_id", also=(Role.COUNTY_OFFICER,))})
    assert check_procedures([also], folder, RULES) == []


def test_a_lane_is_declared_as_a_role_and_an_organization_key():
    """A declaration naming only roles (the old form) is refused when it is made, naming the lane."""
    with pytest.raises(TypeError, match="Township"):
        _procedure(lanes={"Township": (Role.TOWNSHIP_LEADER,)})


def test_the_bpmn_files_name_only_shipped_rule_keys():
    """rule_due('…') keys of every shipped file exist in deadline_rules.json."""
    used = {key for f in BPMN.glob("*.bpmn") for key in rule_keys_in(f.read_text(encoding="utf-8"))}
    assert used and used <= shipped_rule_keys()


def test_decorators_only_mark_and_registries_come_from_the_list():
    """Nothing registers at import: a fresh registry holds exactly what the declarations hold."""
    assert _record.service_task_name == "broken.record"
    assert set(marked_services(sys.modules[__name__])) == {"broken.record"}
    registry = procedures.services()
    assert registry.get("broken.record") is None  # marked here, declared by no shipped procedure
    assert registry.names() == {name for p in ALL for name in p.services}
    assert procedures.services() is not registry  # built anew at each composition root
    forms = form_registry([_procedure()])
    assert forms.has("broken_demo", "ack") and not forms.has("work_order", "dispatch")


def test_one_service_name_bound_to_two_functions_fails():
    """Two procedures may not claim the same operator name for different functions."""
    other = _procedure(id="other", services={"broken.record": lambda ctx: {}})
    with pytest.raises(ValueError, match="broken.record"):
        service_registry([_procedure(), other])
    assert isinstance(service_registry([_procedure(), _procedure()]), ServiceRegistry)


def test_the_delegation_legal_review_form_is_declared_once():
    """Grant and entrustment both pass 法制审核 with the same form object (第24条, 第20条)."""
    by_id = procedures.by_id()
    assert by_id["grant"].forms["legal_review"] is by_id["entrustment"].forms["legal_review"]


def test_start_declarations_name_who_may_start_and_where():
    """Menu starts carry a runner; a start on an unknown place is a programming error."""
    starts = procedures.starts()
    assert list(starts) == ["entrustment", "grant", "duty_access", "evaluation", "clue_verification", "case_filing",
                            "summary_penalty", "crime_transfer", "case_transfer", "case_measures", "joint_enforcement",
                            "mutual_notification", "work_order"]
    assert starts["evaluation"].who == ((Role.COUNTY_APPROVER, OrgKind.COUNTY_GOVERNMENT),)
    assert set(procedures.starts("case")) == {"crime_transfer", "case_transfer", "case_measures"}
    with pytest.raises(ValueError):
        Start("x", (), entry=print, place="elsewhere", run=print)
    with pytest.raises(ValueError):
        Start("x", (), entry=print)  # a menu start without a runner


def test_cli_lists_every_procedure_and_checks_the_folder(tmp_path):
    """`quanze procedures --json`: 15 procedures with file, user tasks and forms, rule keys, starters."""
    from web.cli import _register, cli

    _register()
    result = CliRunner().invoke(cli, ["procedures", "--json", "--dir", str(BPMN)])
    assert result.exit_code == 0, result.output
    listed = {d["id"]: d for d in json.loads(result.output)}
    assert len(listed) == 15
    order = listed["work_order"]
    assert order["bpmn_exists"] and order["bpmn"].endswith("work_order.bpmn")
    assert [t["task"] for t in order["user_tasks"]] == ["dispatch", "handle_township", "handle_county", "callback"]
    assert order["user_tasks"][-1]["fields"] == ["satisfaction"]
    assert order["user_tasks"][0]["due_rules"] == ["wo_dispatch_emergency", "wo_dispatch_general"]
    assert "第13条" in order["user_tasks"][-1]["no_deadline"] and order["user_tasks"][-1]["due"] is None
    hold = next(t for t in listed["joint_enforcement"]["user_tasks"] if t["task"] == "hold_township")
    assert hold["due"] == "end_of_day(planned_on)" and hold["due_rules"] == [] and hold["no_deadline"] is None
    assert "wo_dispatch_general" in order["rule_keys"]
    assert order["start"]["who"][0] == {"role": "township_officer", "org_kind": "township"}
    assert listed["legal_review"]["start"] is None and listed["case_handling"]["calls"] == ["legal_review"]
    assert CliRunner().invoke(cli, ["bpmn", "check", "--dir", str(BPMN)]).exit_code == 0
    folder = _folder(tmp_path)  # a file no procedure declares, and the twelve files missing
    checked = CliRunner().invoke(cli, ["bpmn", "check", "--dir", str(folder)])
    assert checked.exit_code == 1 and "broken_demo.bpmn: broken_demo: 流程未声明" in checked.output


def test_every_marked_service_task_is_declared_by_a_procedure():
    """A @service_task function no declaration collects would be lost silently: none is."""
    marked: dict = {}
    for info in pkgutil.walk_packages(procedures.__path__, "workflows.procedures."):
        marked.update(marked_services(importlib.import_module(info.name)))
    assert marked and set(marked) == procedures.services().names()
