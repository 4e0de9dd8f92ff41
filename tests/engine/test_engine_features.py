"""Engine features the procedures need: call activities across files, forms of a called
process, roles by organization kind (on SQLite and PostgreSQL)."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from models import HumanTask, ProcessDefinition, ProcessInstance
from tests.support.engine_support import World, build_world
from workflows.calendar.legal_calendar import LegalCalendar
from workflows.core.errors import ValidationFailed
from workflows.core.forms import Field, Form
from workflows.deadlines.periods import compute_due, shipped_rule_periods
from workflows.engine import Engine
from workflows.engine.definitions import check_folder
from workflows.engine.scripting import StepContext
from workflows.tasks import processes

CHECK = Form([
    Field("verdict", "choice", required=True, choices=("pass", "fail"),
          label_zh="结论", label_en="Verdict"),
])

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
    w.engine.forms.register("feature_callee", "check", CHECK)
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
    fresh = Engine(world.engine.bpmn_dir, clock, LegalCalendar(), world.services, world.engine.forms, world.engine.lanes)
    fresh.sync_definitions(session)
    session.commit()
    processes.complete(session, fresh, _task(session, old.id).id, world.officer,
                       {"verdict": "fail"})
    assert session.get(ProcessInstance, old.id).status == "completed"


def test_check_names_a_call_activity_whose_target_exists_nowhere(tmp_path, world):
    """`quanze bpmn check`: file and call activity id of a missing called process."""
    (tmp_path / "feature_caller.bpmn").write_text(caller_xml("no_such_process"), encoding="utf-8")
    errors = check_folder(tmp_path, world.services, world.engine.lanes)
    assert [(e.file_name, e.element_id) for e in errors] == [("feature_caller.bpmn", "call")]
    assert "no_such_process" in errors[0].message


def test_check_refuses_an_unknown_kind_in_role_by_org_kind(tmp_path, world):
    """A roleByOrgKind naming no organization kind fails the check with the task id."""
    bad = callee_xml().replace("county_department:", "county_dept:")
    (tmp_path / "feature_callee.bpmn").write_text(bad, encoding="utf-8")
    errors = check_folder(tmp_path, world.services, world.engine.lanes)
    assert [(e.file_name, e.element_id) for e in errors] == [("feature_callee.bpmn", "check")]
    assert "county_dept" in errors[0].message


RACE = (HEAD.format(pid="feature_race")
        + '<bpmn:message id="m" name="answer_received"/>'
        '<bpmn:process id="feature_race" isExecutable="true">'
        '<bpmn:startEvent id="s"/><bpmn:sequenceFlow id="f0" sourceRef="s" targetRef="g"/>'
        '<bpmn:eventBasedGateway id="g"/>'
        '<bpmn:sequenceFlow id="f1" sourceRef="g" targetRef="answer"/>'
        '<bpmn:sequenceFlow id="f2" sourceRef="g" targetRef="lapse"/>'
        '<bpmn:intermediateCatchEvent id="answer"><bpmn:messageEventDefinition messageRef="m">'
        '<bpmn:extensionElements><spiffworkflow:messageVariable>answer</spiffworkflow:messageVariable>'
        '</bpmn:extensionElements></bpmn:messageEventDefinition></bpmn:intermediateCatchEvent>'
        '<bpmn:intermediateCatchEvent id="lapse"><bpmn:timerEventDefinition>'
        "<bpmn:timeDate>rule_due('transfer_answer')</bpmn:timeDate>"
        '</bpmn:timerEventDefinition></bpmn:intermediateCatchEvent>'
        '<bpmn:sequenceFlow id="f3" sourceRef="answer" targetRef="answered"/>'
        '<bpmn:endEvent id="answered"/>'
        '<bpmn:sequenceFlow id="f4" sourceRef="lapse" targetRef="lapsed"/>'
        '<bpmn:endEvent id="lapsed"/>'
        '</bpmn:process>\n' + DI.format(pid="feature_race"))


@pytest.fixture
def race(session, world) -> World:
    """A message racing a legal period behind an event-based gateway."""
    (world.engine.bpmn_dir / "feature_race.bpmn").write_text(RACE, encoding="utf-8")
    world.engine.sync_definitions(session)
    session.commit()
    return world


def _due_of_rule(world, key: str):
    """The due instant of a shipped rule counted from now on the engine's calendar."""
    period = shipped_rule_periods()[key]
    return compute_due(world.engine.calendar, period, world.engine.clock.now()).due_at


def test_a_timer_behind_an_event_based_gateway_sets_next_wake_and_fires(session, race, clock):
    """The gateway's period (transfer_answer, 5 working days) is stored and woken by the scheduler."""
    due = _due_of_rule(race, "transfer_answer")
    instance = processes.start(session, race.engine, "feature_race", data={}, actor=race.officer)
    session.expire_all()
    row = session.get(ProcessInstance, instance.id)
    assert (row.status, row.next_wake_at) == ("waiting", due)
    clock.set(due)
    fresh = Engine(race.engine.bpmn_dir, clock, LegalCalendar(), race.services, race.engine.forms, race.engine.lanes)  # loads the blob
    fresh.sync_definitions(session)
    session.commit()
    assert processes.wake_due_instances(session, fresh, clock.now()) == 1
    session.expire_all()
    row = session.get(ProcessInstance, instance.id)
    assert (row.status, row.next_wake_at) == ("completed", None)
    # The fired timer is kept in the state as an event; the blob restores.
    spec, subs = fresh.specs_of(session.get(ProcessDefinition, row.definition_id))
    restored = fresh.serializer.loads(row.state, spec, subs, fresh.script_engine(StepContext()))
    assert restored.completed


def test_a_message_behind_an_event_based_gateway_is_delivered(session, race):
    """send_message finds the catch event behind the gateway; the payload alone lands in data."""
    instance = processes.start(session, race.engine, "feature_race", data={}, actor=race.officer)
    processes.send_message(session, race.engine, instance.id, "answer_received",
                           payload={"accepted": True}, actor=race.officer)
    session.expire_all()
    row = session.get(ProcessInstance, instance.id)
    assert (row.status, row.next_wake_at) == ("completed", None)


def test_check_refuses_two_timers_behind_one_event_based_gateway(tmp_path, world):
    """Only one timer instant is kept per waiting gateway: a second timer fails the check."""
    second = ('<bpmn:sequenceFlow id="f5" sourceRef="g" targetRef="lapse2"/>'
              '<bpmn:intermediateCatchEvent id="lapse2"><bpmn:timerEventDefinition>'
              "<bpmn:timeDate>rule_due('transfer_designation')</bpmn:timeDate>"
              '</bpmn:timerEventDefinition></bpmn:intermediateCatchEvent>'
              '<bpmn:sequenceFlow id="f6" sourceRef="lapse2" targetRef="lapsed"/></bpmn:process>')
    (tmp_path / "feature_race.bpmn").write_text(RACE.replace("</bpmn:process>", second),
                                                 encoding="utf-8")
    errors = check_folder(tmp_path, world.services, world.engine.lanes)
    assert [(e.file_name, e.element_id) for e in errors] == [("feature_race.bpmn", "g")]
