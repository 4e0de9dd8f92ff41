"""Mutual notification, work orders, duty access and joint enforcement, end to end."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import select

from models import (
    Deadline,
    DutyAccessRequest,
    HumanTask,
    JointOperation,
    MutualNotification,
    WorkOrder,
)
from tests.support.coordination_world import build_coordination_county, deadlines_of, snapshot
from tests.support.procedure_world import in_transaction
from workflows.core.errors import LegalRuleViolation, NotFound, PermissionDenied, ValidationFailed
from workflows.deadlines.figures import deadline_figures
from workflows.procedures.duty_access.steps import request_duty_access
from workflows.procedures.joint_enforcement.steps import propose_joint_operation
from workflows.procedures.mutual_notification.steps import (
    acknowledge_notification,
    send_notification,
)
from workflows.procedures.work_order.steps import (
    receive_work_order,
    suggest_dispatch,
    work_order_rates,
)
from workflows.tasks import processes


@pytest.fixture
def world(session, clock, tmp_path):
    return build_coordination_county(session, clock, tmp_path)


def _notify(session, world, kind="licence", **kw):
    return in_transaction(session, send_notification, session, world.engine, world.users["cgj_officer"],
                          world.orgs["cgj"].id, world.orgs["zk"].id, kind, "许可决定", "准予某户设摊", **kw)


def test_licence_notice_is_acknowledged_within_the_design_default(session, world):
    """相互告知: the recipient acknowledges within 2 working days — a design default, not law
    (issue 12 point 10); the 1 working day belongs to the sender."""
    notice = _notify(session, world)
    task = session.scalars(select(HumanTask).where(HumanTask.instance_id == notice.instance_id)).one()
    assert task.due_at.isoformat() == "2026-03-04T15:59:59.999999+00:00"  # end of the second working day
    in_transaction(session, acknowledge_notification, session, world.engine, notice.id, world.users["zk_officer"], "已知悉")
    session.expire_all()
    row = session.get(MutualNotification, notice.id)
    assert row.acknowledged_at is not None and row.acknowledgement_note == "已知悉"
    assert deadlines_of(session, notice.instance_id) == {"notify_recipient_ack": "met"}


def _sender_period(session, notice) -> Deadline:
    session.expire_all()
    return session.scalars(select(Deadline).where(Deadline.case_ref == f"MN-{notice.id}",
                                                  Deadline.instance_id.is_(None))).one()


def test_sender_notifies_a_major_decision_within_five_working_days_of_it(session, world):
    """Issue 12 point 10: the 5 working days are the sender's, counted from its decision; a notice
    sent on the decision day meets the period; the recipient's acknowledgement runs apart."""
    notice = in_transaction(session, send_notification, session, world.engine, world.users["zk_officer"],
                            world.orgs["zk"].id, world.orgs["cgj"].id, "penalty", "处罚决定", "罚款", major=True)
    sender = _sender_period(session, notice)
    assert (sender.rule_key, sender.org_id, str(sender.status)) == ("notify_major_ack", world.orgs["zk"].id, "met")
    assert sender.met_at <= sender.due_at
    assert deadlines_of(session, notice.instance_id) == {"notify_recipient_ack": "pending"}
    in_transaction(session, acknowledge_notification, session, world.engine, notice.id, world.users["cgj_officer"])
    assert world.instance(session, notice.instance_id).status == "completed"


def test_licence_notice_sent_days_after_the_decision_is_late_for_the_sender(session, world):
    """Issue 12 point 10: a licence decided on 2026-02-25 and notified on 2026-03-02 missed the
    sender's 1 working day (counted from the decision); the figures count it late."""
    notice = _notify(session, world, decided_on=date(2026, 2, 25))
    sender = _sender_period(session, notice)
    assert sender.rule_key == "notify_licence_ack" and sender.met_at > sender.due_at


def test_a_decision_dated_in_the_future_is_refused_and_nothing_written(session, world):
    before = snapshot(session, MutualNotification)
    with pytest.raises(ValidationFailed):
        _notify(session, world, decided_on=date(2026, 3, 9))
    assert snapshot(session, MutualNotification) == before


def test_acknowledging_someone_elses_notification_is_refused(session, world):
    """Only the recipient may sign; a stranger's acknowledgement writes nothing."""
    notice = _notify(session, world)
    before = snapshot(session, MutualNotification)
    with pytest.raises(PermissionDenied):
        in_transaction(session, acknowledge_notification, session, world.engine, notice.id, world.users["qh_leader"])
    assert snapshot(session, MutualNotification) == before
    assert session.get(MutualNotification, notice.id).acknowledged_at is None


def test_bad_notices_write_nothing(session, world):
    """故字〔2020〕6号 相互告知 runs department ↔ township: two departments, an unknown kind refused, nothing written."""
    before = snapshot(session, MutualNotification)
    with pytest.raises(ValidationFailed):
        _notify(session, world, kind="rumour")
    with pytest.raises(LegalRuleViolation):
        in_transaction(session, send_notification, session, world.engine, world.users["cgj_officer"],
                       world.orgs["cgj"].id, world.orgs["nyj"].id, "licence", "x", "y")
    assert snapshot(session, MutualNotification) == before


def _order(session, world, urgency="general"):
    return in_transaction(session, receive_work_order, session, world.engine, world.users["zk_centre"],
                          world.orgs["zk"].id, "complaint", urgency, "占道经营")


def test_work_order_dispatch_objection_feedback_and_rates(session, world):
    """北京接诉即办条例 第12–14条, 第32条: dispatch, objection back to the first receiver, feedback, rates."""
    order = _order(session, world)
    world.act(session, order.instance_id, "dispatch", "zk_centre", {"assigned_org_id": world.orgs["zk_safety"].id})
    world.act(session, order.instance_id, "handle_township", "zk_safety_officer",
              {"outcome": "object", "objection_reason": "属于执法队职责"})
    assert world.open_tasks(session, order.instance_id) == ["dispatch"]
    world.act(session, order.instance_id, "dispatch", "zk_centre", {"assigned_org_id": world.orgs["zk_team"].id})
    world.act(session, order.instance_id, "handle_township", "zk_team_officer",
              {"outcome": "done", "feedback": "已劝离", "resolved": True})
    world.act(session, order.instance_id, "callback", "zk_centre", {"satisfaction": "satisfied"})
    session.expire_all()
    row = session.get(WorkOrder, order.id)
    assert row.first_receiver_org_id == world.orgs["zk"].id and len(row.objections) == 1
    assert world.instance(session, order.instance_id).status == "completed"
    now = world.engine.clock.now()
    rates = work_order_rates(session, start=now - timedelta(days=1), end=now + timedelta(days=1))
    assert rates == {"received": 1, "dispatched": 1, "response_rate": 1.0, "resolution_rate": 1.0,
                     "satisfaction_rate": 1.0}
    figures = deadline_figures(session, start=now - timedelta(days=1), end=now + timedelta(days=30))
    zk = next(f for f in figures if f["name"] == "郑口镇")
    assert zk["met_on_time"] >= 3


def test_emergency_order_escalated_to_the_county_platform(session, world):
    """An emergency ticket: dispatch within 1 hour (DB11/T 2021 [D]); up to the county platform."""
    order = _order(session, world, "emergency")
    task = world.task(session, order.instance_id, "dispatch")
    assert task.due_at == world.engine.clock.now() + timedelta(hours=1)
    world.act(session, order.instance_id, "dispatch", "zk_centre", {"assigned_org_id": world.orgs["county"].id})
    world.act(session, order.instance_id, "handle_county", "county_platform",
              {"outcome": "done", "feedback": "已协调", "resolved": False})
    assert deadlines_of(session, order.instance_id) == {"wo_dispatch_emergency": "met", "wo_feedback_emergency": "met"}


def test_dispatch_outside_the_township_is_refused(session, world):
    """北京接诉即办条例 第11–12条: a township dispatches to its own organs or up; 青罕镇's team is refused."""
    order = _order(session, world)
    before = snapshot(session, WorkOrder)
    with pytest.raises(LegalRuleViolation) as err:
        world.act(session, order.instance_id, "dispatch", "zk_centre", {"assigned_org_id": world.orgs["qh_team"].id})
    assert "第11–12条" in err.value.article
    assert snapshot(session, WorkOrder) == before


def test_objection_to_a_dispatch_needs_reasons(session, world):
    """An objection without reasons is refused; nothing is written."""
    order = _order(session, world)
    world.act(session, order.instance_id, "dispatch", "zk_centre", {"assigned_org_id": world.orgs["zk_team"].id})
    before = snapshot(session, WorkOrder)
    with pytest.raises(ValidationFailed):
        world.act(session, order.instance_id, "handle_township", "zk_team_officer", {"outcome": "object"})
    assert snapshot(session, WorkOrder) == before


def _duty(session, world, **kw):
    args = {"title": "农村人居环境巡查", "description": "每周巡查", "legal_basis": "县政府常务会议纪要",
            "township_ids": [world.orgs["zk"].id, world.orgs["qh"].id], "staff": 2, "funding_yuan": "50000", **kw}
    return in_transaction(session, request_duty_access, session, world.engine, world.users["cgj_officer"],
                          world.orgs["cgj"].id, **args)


def test_duty_access_opinions_in_parallel_then_county_approval(session, world):
    """故字〔2020〕6号 五(一): townships' opinions in parallel, county approves with targets, staff, funding."""
    request = _duty(session, world)
    tasks = session.scalars(select(HumanTask).where(HumanTask.instance_id == request.instance_id)).all()
    assert sorted(t.organization_id for t in tasks) == sorted([world.orgs["zk"].id, world.orgs["qh"].id])
    for task in tasks:
        user = "zk_leader" if task.organization_id == world.orgs["zk"].id else "qh_leader"
        in_transaction(session, processes.complete, session, world.engine, task.id, world.users[user],
                       {"agrees": user == "zk_leader", "opinion": "意见"})
    world.act(session, request.instance_id, "county_decision", "approver",
              {"decision": "approve", "targets": "每周一次", "approved_staff": 2, "approved_funding_yuan": "50000"})
    session.expire_all()
    row = session.get(DutyAccessRequest, request.id)
    assert row.status == "approved" and row.approved_staff == 2 and len(row.opinions) == 2
    assert set(deadlines_of(session, request.instance_id).values()) == {"met"}


def test_duty_access_without_funding_or_staff_is_refused(session, world):
    """费随事转 (故字〔2020〕6号 五(一); 山东乡镇条例 第26条): no staff/funding, no request; nothing written."""
    before = snapshot(session, DutyAccessRequest)
    with pytest.raises(LegalRuleViolation) as err:
        _duty(session, world, staff=0, funding_yuan="0")
    assert "第26条" in err.value.article
    assert snapshot(session, DutyAccessRequest) == before


def test_joint_operation_confirm_findings_route_publish(session, world):
    """浙江条例 第13–14条: parallel confirmations, findings, follow-ups routed by the registry, publication."""
    op = in_transaction(session, propose_joint_operation, session, world.engine, world.users["zk_officer"],
                        world.orgs["zk"].id, title="春季联合检查", plan="分组检查", planned_on="2026-03-05",
                        participant_ids=[world.orgs["cgj"].id, world.orgs["nyj"].id])
    confirms = session.scalars(select(HumanTask).where(HumanTask.instance_id == op.instance_id)).all()
    assert len(confirms) == 2
    for task in confirms:
        user = "cgj_officer" if task.organization_id == world.orgs["cgj"].id else "nyj_officer"
        in_transaction(session, processes.complete, session, world.engine, task.id, world.users[user],
                       {"joins": user == "cgj_officer"})
    world.act(session, op.instance_id, "hold_township", "zk_officer", {"held_on": "2026-03-05"})
    world.act(session, op.instance_id, "findings_department", "cgj_officer",
              {"finding": "占道经营两处", "item_codes": ["CGJ-01"]})
    world.act(session, op.instance_id, "publish_township", "zk_officer",
              {"result_summary": "发现问题两处", "published_on": "2026-03-06", "publication_channel": "县政府网站"})
    session.expire_all()
    row = session.get(JointOperation, op.id)
    assert row.status == "published" and [p.confirmed for p in row.participants] == [True, False]
    assert row.findings[0].routed_org_id == world.orgs["cgj"].id and row.findings[0].routed_mode == "assist"


def test_department_initiated_operation_with_a_township_taking_part(session, world):
    """Any organ may initiate (浙江条例 第14条): a department invites a township and another department."""
    op = in_transaction(session, propose_joint_operation, session, world.engine, world.users["cgj_officer"],
                        world.orgs["cgj"].id, township_id=world.orgs["qh"].id, title="夜市整治", plan="联合巡查",
                        planned_on="2026-03-04", participant_ids=[world.orgs["qh"].id, world.orgs["sjj"].id])
    assert sorted(world.open_tasks(session, op.instance_id)) == ["confirm_department", "confirm_township"]
    world.act(session, op.instance_id, "confirm_township", "qh_officer", {"joins": True})
    world.act(session, op.instance_id, "confirm_department", "sjj_officer", {"joins": True})
    world.act(session, op.instance_id, "hold_department", "cgj_officer", {"held_on": "2026-03-04"})
    world.act(session, op.instance_id, "findings_township", "qh_officer", {"finding": "无证摊点", "item_codes": ["CGJ-02"]})
    world.act(session, op.instance_id, "findings_department", "sjj_officer", {"finding": "未发现问题"})
    world.act(session, op.instance_id, "publish_department", "cgj_officer",
              {"result_summary": "整治完成", "published_on": "2026-03-05", "publication_channel": "政务公开栏"})
    session.expire_all()
    row = session.get(JointOperation, op.id)
    assert row.status == "published" and row.township_id == world.orgs["qh"].id
    assert {f.item_code for f in row.findings} == {"CGJ-02", None}
    assert set(deadlines_of(session, op.instance_id).values()) == {"met"}


def test_joint_operation_with_nobody_joining_is_called_off(session, world):
    """Every invited organ declines: the operation ends, recorded as cancelled."""
    op = in_transaction(session, propose_joint_operation, session, world.engine, world.users["zk_officer"],
                        world.orgs["zk"].id, title="检查", plan="方案", planned_on="2026-03-05",
                        participant_ids=[world.orgs["cgj"].id])
    world.act(session, op.instance_id, "confirm_department", "cgj_officer", {"joins": False, "response_note": "人手不足"})
    assert world.instance(session, op.instance_id).status == "completed"
    assert session.get(JointOperation, op.id).status == "cancelled"


def test_joint_plan_with_bad_input_writes_nothing(session, world):
    """No plan, no participants, a date in the past: refused together, nothing written."""
    before = snapshot(session, JointOperation)
    with pytest.raises(ValidationFailed):
        in_transaction(session, propose_joint_operation, session, world.engine, world.users["zk_officer"],
                       world.orgs["zk"].id, title="x", plan=" ", planned_on="2026-03-05", participant_ids=[])
    assert snapshot(session, JointOperation) == before


def test_dispatch_catalogue_suggests_the_county_for_an_item_the_township_does_not_hold(session, world):
    """派单目录: CGJ-01 stays with the department, so the ticket is suggested up to the county platform."""
    order = in_transaction(session, receive_work_order, session, world.engine, world.users["zk_centre"],
                           world.orgs["zk"].id, "hazard", "general", "违规搭建", item_code="CGJ-01")
    assert world.open_tasks(session, order.instance_id) == ["dispatch"]
    suggestion = suggest_dispatch(session, world.orgs["zk"], "CGJ-01", world.engine.clock.today())
    assert suggestion["level"] == "county" and suggestion["org_ids"] == [world.orgs["county"].id]
    assert "城市管理" in suggestion["competent_org"]


def test_unknown_item_or_case_is_refused_and_nothing_written(session, world):
    """A ticket on an unknown item, a notice on an unknown case: NotFound, nothing written."""
    before = snapshot(session, WorkOrder, MutualNotification)
    with pytest.raises(NotFound):
        in_transaction(session, receive_work_order, session, world.engine, world.users["zk_centre"],
                       world.orgs["zk"].id, "complaint", "general", "x", item_code="NO-SUCH")
    with pytest.raises(NotFound):
        _notify(session, world, case_id=99999)
    assert snapshot(session, WorkOrder, MutualNotification) == before
