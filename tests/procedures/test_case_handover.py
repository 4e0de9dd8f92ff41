"""After a transfer is accepted or designated (第25条), the competent organ handles the case, once."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from models import AuditEvent, Case, CaseTransfer, Deadline, HumanTask, ProcessInstance, Role
from tests.support.case_world import build_case_county
from tests.support.crash import Worker, worker_config
from tests.support.procedure_world import _user, fingerprint, in_transaction
from workflows.cases.rules import Officer
from workflows.core.audit_verify import verify_chain
from workflows.core.errors import Conflict
from workflows.jobs.due_work import run_due_work
from workflows.procedures.case_handling.filing import file_case
from workflows.procedures.case_transfer.handover import hand_over_case, hand_over_pending
from workflows.procedures.case_transfer.steps import transfer_case
from workflows.registry.delegations import DelegationDraft, add_delegations
from workflows.tasks import processes

MATERIALS = [{"title": "现场检查笔录", "pages": 3}, {"title": "询问笔录", "pages": 5}]
NUMBER = "故城管罚〔2026〕9号"


@pytest.fixture
def c(session, clock, tmp_path):
    """The bureau files CGJ-02 in 郑口镇 on 2 March; a grant of CGJ-02 to 郑口镇 takes effect that day too late."""
    county = build_case_county(session, clock, tmp_path,
                               extra_files=("case_transfer_send.bpmn", "case_transfer_receive.bpmn"))
    with session.begin():
        for n in (1, 2):
            county.users[f"cgj_team{n}"] = _user(session, clock, f"cgj_team{n}", county.orgs["cgj"],
                                                 Role.COUNTY_OFFICER, f"冀执cgj{n}")
    team = [Officer(county.users[f"cgj_team{n}"].id, f"冀执cgj{n}") for n in (1, 2)]
    county.case = in_transaction(
        session, file_case, session, county.engine, county.users["cgj_team1"], item_code="CGJ-02",
        township=county.orgs["zk"], handling_org=county.orgs["cgj"], case_number=NUMBER, party_name="李四",
        party_kind="citizen", facts_summary="占道经营", violation_on=date(2026, 2, 1), officers=team)
    add_delegations(session, clock, [DelegationDraft(
        item_code="CGJ-02", township=county.orgs["zk"].id, mode="grant", effective_from=date(2026, 3, 2),
        document_no="故政〔2026〕2号", document_title="赋权决定")])
    session.commit()
    return county


def _transfer(session, c) -> CaseTransfer:
    return in_transaction(session, transfer_case, session, c.engine, c.users["cgj_team1"], c.case.id,
                          reason="事项已赋权乡镇 / item granted to the township", materials=MATERIALS)


def _receiver(session, t) -> int:
    return session.scalars(select(ProcessInstance.id).where(ProcessInstance.business_key == t.receiver_key)).one()


def _handling(session, case_number) -> list[tuple[str, int | None, int | None]]:
    session.expire_all()
    return [(i.status, i.township_id, i.department_id) for i in session.scalars(
        select(ProcessInstance).where(ProcessInstance.business_key == case_number).order_by(ProcessInstance.id))]


def test_accepted_transfer_starts_the_receivers_case_handling_and_closes_the_senders(session, c):
    """行政处罚法 第24条: 郑口镇 accepts; it investigates with the materials; the bureau's instance is cancelled."""
    old_instance = c.case.instance_id
    t = _transfer(session, c)
    c.act(session, _receiver(session, t), "answer_township", "zk_officer1", {"answer": "accept"})
    new_id = hand_over_case(session, c.engine, t.id)
    session.expire_all()
    case = session.get(Case, c.case.id)
    assert case.instance_id == new_id != old_instance and case.handling_org_id == c.orgs["zk"].id
    assert _handling(session, NUMBER) == [("cancelled", c.orgs["zk"].id, c.orgs["cgj"].id),
                                          ("running", c.orgs["zk"].id, c.orgs["cgj"].id)]
    investigate = session.scalars(select(HumanTask).where(HumanTask.instance_id == new_id)).one()
    assert (investigate.task_spec_name, investigate.role, investigate.organization_id) == (
        "investigate", "township_officer", c.orgs["zk"].id)
    assert "现场检查笔录" in session.get(ProcessInstance, new_id).state  # the materials travelled
    old_tasks = session.scalars(select(HumanTask.state).where(HumanTask.instance_id == old_instance)).all()
    assert set(old_tasks) == {"cancelled"}
    old_clock = session.scalars(select(Deadline.status).where(Deadline.instance_id == old_instance)).all()
    assert old_clock and set(old_clock) == {"cancelled"}
    reason = session.scalar(select(AuditEvent.details).where(
        AuditEvent.instance_id == old_instance, AuditEvent.action == "instance.cancelled"))["reason"]
    assert "第25条" in reason and "郑口镇" in reason
    assert hand_over_case(session, c.engine, t.id) == new_id  # never twice
    assert len(_handling(session, NUMBER)) == 2


def test_designated_organ_gets_the_case_handling(session, c):
    """行政处罚法 第25条: after an objection the county designates the bureau; it handles the case anew."""
    old_instance = c.case.instance_id
    t = _transfer(session, c)
    rid = _receiver(session, t)
    c.act(session, rid, "answer_township", "zk_officer1", {"answer": "object", "objection_reason": "需专业检测"})
    c.act(session, rid, "designate", "approver",
          {"designated_org_id": c.orgs["cgj"].id, "designation_note": "由原部门办理"})
    session.expire_all()
    new = session.get(ProcessInstance, session.get(CaseTransfer, t.id).handling_instance_id)
    assert session.get(ProcessInstance, old_instance).status == "cancelled"
    task = session.scalars(select(HumanTask).where(HumanTask.instance_id == new.id)).one()
    assert (task.role, task.organization_id) == ("county_officer", c.orgs["cgj"].id)
    assert hand_over_pending(session, c.engine) == []


def test_hand_over_happens_in_the_accepting_step_without_any_scheduler(session, c):
    """行政处罚法 第25条 (issue 13): once the acceptance commits, the old handler cannot go on.

    No scheduler runs: the accepting step itself cancels the bureau's case handling, so its
    officer's investigation is refused and the township's new instance holds the case.
    """
    old_instance = c.case.instance_id
    investigate = c.task(session, old_instance, "investigate")
    t = _transfer(session, c)
    c.act(session, _receiver(session, t), "answer_township", "zk_officer1", {"answer": "accept"})
    session.expire_all()
    assert session.get(CaseTransfer, t.id).handling_instance_id == session.get(Case, c.case.id).instance_id
    assert session.get(HumanTask, investigate.id).state == "cancelled"
    with pytest.raises(Conflict):
        in_transaction(session, processes.complete, session, c.engine, investigate.id,
                       c.users["cgj_team1"], {"investigation_report": "继续调查", "proposed_decision": "penalty"})
    assert session.get(ProcessInstance, old_instance, populate_existing=True).status == "cancelled"
    assert run_due_work(session, c.clock, engine=c.engine).instances_woken == 0
    assert hand_over_pending(session, c.engine) == []  # nothing left for a scheduler to do


def test_hand_over_of_an_unanswered_transfer_is_refused_and_writes_nothing(session, c):
    """A transfer still waiting for its answer cannot be handed over: the sender keeps the case."""
    t = _transfer(session, c)
    before = fingerprint(session)
    with pytest.raises(Conflict) as err:
        hand_over_case(session, c.engine, t.id)
    session.rollback()
    assert "尚未被接收或指定管辖" in str(err.value)
    assert fingerprint(session) == before


def test_worker_killed_before_the_accepting_step_commits_leaves_the_case_with_the_sender(
        engine, session, c):
    """Issue 13 crash, 第25条: SIGKILL after the acceptance and its hand-over are written but
    before COMMIT: neither is visible, the bureau still holds the case; redone, both land."""
    old_instance = c.case.instance_id
    t = _transfer(session, c)
    receiver = _receiver(session, t)
    answer = c.task(session, receiver, "answer_township")
    before = fingerprint(session)
    worker = Worker(worker_config(
        engine, c.engine.bpmn_dir, c.clock.now(), action="complete", procedures=True,
        task_id=answer.id, user_id=c.users["zk_officer1"].id, data={"answer": "accept"},
        block_at=1, block_where="any_commit")).go()
    worker.blocked()
    worker.kill()
    session.expire_all()
    # Killed after the step's writes: its transaction held the acceptance's and the hand-over's
    # audit rows (completed, instance started, sender cancelled …), and none of them survives.
    assert worker.audit_rows >= before[3] + 3
    assert fingerprint(session) == before
    assert session.get(ProcessInstance, old_instance).status != "cancelled"
    assert verify_chain(session).ok
    c.act(session, receiver, "answer_township", "zk_officer1", {"answer": "accept"})
    session.expire_all()
    new_instance = session.get(Case, c.case.id).instance_id
    assert session.get(CaseTransfer, t.id).handling_instance_id == new_instance != old_instance
    assert session.get(ProcessInstance, old_instance).status == "cancelled"
    assert verify_chain(session).ok
