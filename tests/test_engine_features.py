"""Engine features the procedures need: call activities across files, forms of a called
process, roles by organization kind (on SQLite and PostgreSQL)."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from models import HumanTask, ProcessDefinition, ProcessInstance
from tests.engine_support import World, build_world
from workflows import processes
from workflows.engine import Engine
from workflows.engine.definitions import check_folder
from workflows.errors import ValidationFailed
from workflows.forms import Field, Form, register_form
from workflows.legal_calendar import LegalCalendar

register_form("feature_callee", "check", Form([
    Field("verdict", "choice", required=True, choices=("pass", "fail"),
          label_zh="结论", label_en="Verdict"),
]))

HEAD = ('<?xml version="1.0" encoding="UTF-8"?>\n'
        '<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" '
        'xmlns:bpmndi="http://www.omg.org/spec/BPMN/20100524/DI" '
        'xmlns:spiffworkflow="http://spiffworkflow.org/bpmn/schema/1.0/core" '
        'id="D_{pid}" targetNamespace="https://quanze.example/test">\n')
DI = ('<bpmndi:BPMNDiagram id="Di_{pid}"><bpmndi:BPMNPlane id="Pl_{pid}" bpmnElement="{pid}"/>'
      '</bpmndi:BPMNDiagram>\n</bpmn:definitions>\n')


def caller_xml(called: str = "feature_callee") -> str:
    """A process whose only step is a call activity to a process of another file."""
    return (HEAD.format(pid="feature_caller")
            + '<bpmn:process id="feature_caller" isExecutable="true">'
            '<bpmn:startEvent id="s"/><bpmn:sequenceFlow id="f1" sourceRef="s" targetRef="call"/>'
            f'<bpmn:callActivity id="call" calledElement="{called}"/>'
            '<bpmn:sequenceFlow id="f2" sourceRef="call" targetRef="e"/><bpmn:endEvent id="e"/>'
            '</bpmn:process>\n' + DI.format(pid="feature_caller"))


def callee_xml(title: str = "核查 / check") -> str:
    """The called process: one user task whose role depends on the handling organ's kind."""
    props = ('<spiffworkflow:property name="roleByOrgKind" '
             'value="township:township_officer, county_department:county_officer"/>'
             '<spiffworkflow:property name="orgKey" value="handling_org_id"/>'
             f'<spiffworkflow:property name="title" value="{title}"/>')
    return (HEAD.format(pid="feature_callee")
            + '<bpmn:process id="feature_callee" isExecutable="true">'
            '<bpmn:startEvent id="cs"/><bpmn:sequenceFlow id="g1" sourceRef="cs" targetRef="check"/>'
            '<bpmn:userTask id="check"><bpmn:extensionElements><spiffworkflow:properties>'
            f'{props}</spiffworkflow:properties></bpmn:extensionElements></bpmn:userTask>'
            '<bpmn:sequenceFlow id="g2" sourceRef="check" targetRef="ce"/><bpmn:endEvent id="ce"/>'
            '</bpmn:process>\n' + DI.format(pid="feature_callee"))


@pytest.fixture
def world(session, clock, tmp_path) -> World:
    """The engine test world plus a caller and a callee in two files."""
    w = build_world(session, clock, tmp_path)
    (w.engine.bpmn_dir / "feature_caller.bpmn").write_text(caller_xml(), encoding="utf-8")
    (w.engine.bpmn_dir / "feature_callee.bpmn").write_text(callee_xml(), encoding="utf-8")
    w.engine.sync_definitions(session)
    session.commit()
    return w


def _start(session, world, org_id) -> ProcessInstance:
    return processes.start(session, world.engine, "feature_caller",
                           data={"handling_org_id": org_id}, actor=world.officer)


def _task(session, instance_id) -> HumanTask:
    return session.scalars(select(HumanTask).where(HumanTask.instance_id == instance_id)).one()


def test_call_activity_runs_a_process_of_another_file(session, world):
    """The callee's task is assigned, validated by the callee's own form and completed."""
    instance = _start(session, world, world.dept.id)
    task = _task(session, instance.id)
    assert (task.task_spec_name, task.form_key) == ("check", "feature_callee.check")
    processes.complete(session, world.engine, task.id, world.officer, {"verdict": "pass"})
    assert session.get(ProcessInstance, instance.id).status == "completed"


def test_role_by_org_kind_hands_the_step_to_the_organs_own_role(session, world):
    """A township gets township_officer, a county department county_officer (one BPMN)."""
    in_town = _task(session, _start(session, world, world.township.id).id)
    in_dept = _task(session, _start(session, world, world.dept.id).id)
    assert (in_town.role, in_town.organization_id) == ("township_officer", world.township.id)
    assert (in_dept.role, in_dept.organization_id) == ("county_officer", world.dept.id)


def test_the_called_process_form_refuses_bad_data_and_writes_nothing(session, world):
    """The callee's form (no formKey in the BPMN) reports the field; the task stays open."""
    instance = _start(session, world, world.dept.id)
    task = _task(session, instance.id)
    version = instance.version
    with pytest.raises(ValidationFailed) as err:
        processes.complete(session, world.engine, task.id, world.officer, {"verdict": "maybe"})
    session.rollback()
    assert "verdict" in err.value.errors
    assert _task(session, instance.id).state == "ready"
    assert session.get(ProcessInstance, instance.id).version == version


def test_called_files_are_stored_hashed_and_pinned_with_the_caller(session, world, clock):
    """A changed callee is a new caller version; an old instance keeps the old callee."""
    old = _start(session, world, world.dept.id)
    first = session.get(ProcessDefinition, old.definition_id)
    assert set(first.includes) == {"feature_callee.bpmn"}
    (world.engine.bpmn_dir / "feature_callee.bpmn").write_text(callee_xml("新标题 / new"),
                                                                encoding="utf-8")
    world.engine.sync_definitions(session)
    session.commit()
    new = _start(session, world, world.dept.id)
    assert new.definition_id != old.definition_id
    assert session.scalar(select(func.count()).select_from(ProcessDefinition).where(
        ProcessDefinition.process_id == "feature_caller")) == 2
    assert _task(session, new.id).title == "新标题 / new"
    assert _task(session, old.id).title == "核查 / check"
    # A fresh engine (empty spec cache, no live workflows) restores the old instance from the
    # stored definition and its stored callee.
    fresh = Engine(world.engine.bpmn_dir, clock, LegalCalendar(), world.services)
    fresh.sync_definitions(session)
    session.commit()
    processes.complete(session, fresh, _task(session, old.id).id, world.officer,
                       {"verdict": "fail"})
    assert session.get(ProcessInstance, old.id).status == "completed"


def test_check_names_a_call_activity_whose_target_exists_nowhere(tmp_path, world):
    """`quanze bpmn check`: file and call activity id of a missing called process."""
    (tmp_path / "feature_caller.bpmn").write_text(caller_xml("no_such_process"), encoding="utf-8")
    errors = check_folder(tmp_path, world.services)
    assert [(e.file_name, e.element_id) for e in errors] == [("feature_caller.bpmn", "call")]
    assert "no_such_process" in errors[0].message


def test_check_refuses_an_unknown_kind_in_role_by_org_kind(tmp_path, world):
    """A roleByOrgKind naming no organization kind fails the check with the task id."""
    bad = callee_xml().replace("county_department:", "county_dept:")
    (tmp_path / "feature_callee.bpmn").write_text(bad, encoding="utf-8")
    errors = check_folder(tmp_path, world.services)
    assert [(e.file_name, e.element_id) for e in errors] == [("feature_callee.bpmn", "check")]
    assert "county_dept" in errors[0].message
