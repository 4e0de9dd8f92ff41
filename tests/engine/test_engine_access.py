"""Who may act on a task, and messages between instances carrying explicit payloads only."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func, select

from models import AuditEvent, EnforcementCertificate, HumanTask, ProcessInstance, Role
from tests.support.engine_support import World, build_world, make_user
from workflows.core.errors import Conflict, LegalRuleViolation, PermissionDenied, ValidationFailed
from workflows.engine.scripting import StepContext
from workflows.tasks import processes

DRAFT = {"title": "草稿", "item_codes": ["A1"]}


@pytest.fixture
def world(session, clock, tmp_path) -> World:
    """A synced engine over tests/support/bpmn with the users of each lane."""
    return build_world(session, clock, tmp_path)


def _count(session_factory, model) -> int:
    with session_factory() as other:
        return other.scalar(select(func.count()).select_from(model))


def _to_review(session, world: World) -> HumanTask:
    processes.start(session, world.engine, "engine_demo", world.start_data(), world.officer)
    processes.complete(session, world.engine, processes.list_tasks(session, world.officer)[0].id,
                       world.officer, DRAFT)
    processes.complete(session, world.engine, processes.list_tasks(session, world.leader)[0].id,
                       world.leader, {"agrees": False})
    return processes.list_tasks(session, world.reviewer)[0]


def test_inbox_is_by_role_in_organization(session, world):
    """Lanes map to roles; organizations come from the instance data."""
    processes.start(session, world.engine, "engine_demo", world.start_data(), world.officer)
    assert [t.task_spec_name for t in processes.list_tasks(session, world.officer)] == ["draft"]
    assert processes.list_tasks(session, world.leader) == []
    assert processes.list_tasks(session, world.outsider) == []


def test_wrong_role_or_organization_may_not_act(session, session_factory, world):
    """A township officer cannot claim or complete the department's draft; nothing changes."""
    processes.start(session, world.engine, "engine_demo", world.start_data(), world.officer)
    task = processes.list_tasks(session, world.officer)[0]
    audits = _count(session_factory, AuditEvent)
    with pytest.raises(PermissionDenied, match="county_officer"):
        processes.claim(session, world.engine, task.id, world.outsider)
    with pytest.raises(PermissionDenied):
        processes.complete(session, world.engine, task.id, world.leader, DRAFT)
    session.rollback()
    assert session.get(HumanTask, task.id).state == "ready"
    assert _count(session_factory, AuditEvent) == audits


def test_task_claimed_by_another_user_is_refused(session, world, clock):
    """Once claimed, only the claimant may complete or release it; claiming twice conflicts."""
    other = make_user(session, "officer2", clock, [(world.dept, Role.COUNTY_OFFICER)])
    session.commit()
    processes.start(session, world.engine, "engine_demo", world.start_data(), world.officer)
    task = processes.list_tasks(session, world.officer)[0]
    processes.claim(session, world.engine, task.id, world.officer)
    with pytest.raises(PermissionDenied, match="认领"):
        processes.complete(session, world.engine, task.id, other, DRAFT)
    with pytest.raises(PermissionDenied):
        processes.release(session, world.engine, task.id, other)
    with pytest.raises(Conflict, match="已被认领"):
        processes.claim(session, world.engine, task.id, world.officer)


def test_certificate_required_article_42(session, world, clock):
    """行政处罚法 第42条: a task flagged needsCertificate needs a certificate valid today."""
    review = _to_review(session, world)
    assert review.needs_certificate
    cert = session.scalars(select(EnforcementCertificate)).one()
    cert.valid_until = date(2026, 3, 1)  # expired the day before the clock's today
    session.commit()
    with pytest.raises(LegalRuleViolation) as err:
        processes.complete(session, world.engine, review.id, world.reviewer,
                           {"decision": "approve"})
    assert err.value.article == "行政处罚法 第42条"
    session.rollback()
    assert session.get(HumanTask, review.id).state == "ready"
    cert.valid_until = date(2027, 1, 1)
    session.commit()
    processes.complete(session, world.engine, review.id, world.reviewer, {"decision": "approve"})
    assert session.get(HumanTask, review.id).state == "completed"


def test_message_carries_only_its_explicit_payload(session, world):
    """A thrown message delivers the payload expression's dict, never the sender's task data."""
    target = session.get(ProcessInstance, _to_review(session, world).instance_id)
    processes.complete(session, world.engine, processes.list_tasks(session, world.reviewer)[0].id,
                       world.reviewer, {"decision": "approve"})
    target.business_key = "TARGET-1"
    session.commit()
    assert target.status == "waiting"
    processes.start(session, world.engine, "engine_sender",
                    {"department_id": world.dept.id, "target_key": "TARGET-1", "note": "已签收",
                     "secret_case_notes": "不应外传"}, world.officer)
    session.expire_all()
    target = session.get(ProcessInstance, target.id)
    assert target.status == "completed"
    workflow = world.engine.load(session, target, StepContext())
    data = workflow.last_task.data
    assert data["ack"] == {"target_business_key": "TARGET-1", "note": "已签收"}
    assert "secret_case_notes" not in data and "target_key" not in data


def test_bad_messages_are_refused(session, world):
    """No waiting catch event, or a payload that is not a JSON object: clear errors."""
    inst = processes.start(session, world.engine, "engine_demo", world.start_data(),
                           world.officer)
    with pytest.raises(Conflict, match="ack"):
        processes.send_message(session, world.engine, inst.id, "ack", {"ok": 1}, world.officer)
    session.rollback()
    with pytest.raises(ValidationFailed):
        processes.send_message(session, world.engine, inst.id, "ack", ["x"], world.officer)
    session.rollback()
    assert session.get(ProcessInstance, inst.id).version == 1


def test_task_properties_override_the_lane_role_and_organization_key(session, world):
    """`role` / `orgKey` extension properties beat the lane default (Township → leader)."""
    path = world.engine.bpmn_dir / "engine_demo.bpmn"
    text = path.read_text("utf-8")
    old = '<spiffworkflow:property name="due" value="due(\'working_days\', 5)"/>'
    assert old in text
    path.write_text(text.replace(old, old + '<spiffworkflow:property name="role" '
                                 'value="township_officer"/>'), "utf-8")
    world.engine.sync_definitions(session)
    processes.start(session, world.engine, "engine_demo", world.start_data(), world.officer)
    processes.complete(session, world.engine, processes.list_tasks(session, world.officer)[0].id,
                       world.officer, DRAFT)
    assert processes.list_tasks(session, world.leader) == []
    opinion = processes.list_tasks(session, world.outsider)[0]
    assert (opinion.role, opinion.organization_id) == ("township_officer", world.township.id)
