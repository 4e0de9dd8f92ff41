"""Joint enforcement follow-ups (联合执法后续案件): a routed finding becomes a case with the competent organ."""

from __future__ import annotations

import shutil
from datetime import UTC, date, datetime

import pytest
from sqlalchemy import select

import workflows.procedures.legal_review.steps  # noqa: F401
from models import Case, HumanTask, JointFinding, ProcessInstance, Role
from tests.support.case_world import CASE_FILES
from tests.support.coordination_world import build_coordination_county
from tests.support.procedure_world import BPMN_DIR, _user, fingerprint, in_transaction
from workflows.cases.rules import Officer
from workflows.core.errors import Conflict, LegalRuleViolation, PermissionDenied, ValidationFailed
from workflows.procedures.joint_enforcement.follow_up import file_follow_up_case
from workflows.procedures.joint_enforcement.steps import propose_joint_operation
from workflows.registry.delegations import DelegationDraft, add_delegations
from workflows.tasks import processes


@pytest.fixture
def world(session, clock, tmp_path):
    """The coordination county, the case files, and two certified officers of the urban-management bureau."""
    county = build_coordination_county(session, clock, tmp_path)
    for name in CASE_FILES:
        shutil.copy(BPMN_DIR / name, county.engine.bpmn_dir / name)
    with session.begin():
        for n in (1, 2):
            county.users[f"cgj_team{n}"] = _user(session, clock, f"cgj_team{n}", county.orgs["cgj"],
                                                 Role.COUNTY_OFFICER, f"冀执cgj{n}")
    county.engine.sync_definitions(session)
    session.commit()
    return county


def _consolidated_finding(session, world, items=("CGJ-01",)) -> JointFinding:
    """郑口镇 leads a joint check; the bureau finds CGJ-01 street trading; the result is published."""
    op = in_transaction(session, propose_joint_operation, session, world.engine, world.users["zk_officer"],
                        world.orgs["zk"].id, title="春季联合检查", plan="分组检查", planned_on="2026-03-05",
                        participant_ids=[world.orgs["cgj"].id])
    task = session.scalars(select(HumanTask).where(HumanTask.instance_id == op.instance_id)).one()
    in_transaction(session, processes.complete, session, world.engine, task.id, world.users["cgj_officer"],
                   {"joins": True})
    world.act(session, op.instance_id, "hold_township", "zk_officer", {"held_on": "2026-03-05"})
    world.act(session, op.instance_id, "findings_department", "cgj_officer",
              {"finding": "占道经营两处", "item_codes": list(items)})
    world.clock.set(datetime(2026, 3, 6, 1, 0, tzinfo=UTC))  # the day after the operation
    session.expire_all()
    return session.scalars(select(JointFinding)).first()


def _team(world) -> list[Officer]:
    return [Officer(world.users[f"cgj_team{n}"].id, f"冀执cgj{n}") for n in (1, 2)]


def _file(session, world, finding_id, actor="cgj_team1", number="故城管罚〔2026〕21号"):
    return in_transaction(session, file_follow_up_case, session, world.engine, world.users[actor], finding_id,
                          case_number=number, party_name="王五", party_kind="citizen",
                          violation_on=date(2026, 3, 5), officers=_team(world))


def test_routed_finding_becomes_a_case_with_the_competent_organ(session, world):
    """行政处罚法 第22–24条: the registry routed CGJ-01 in 郑口镇 to the bureau; it files and handles the case."""
    finding = _consolidated_finding(session, world)
    assert finding.routed_org_id == world.orgs["cgj"].id
    case = _file(session, world, finding.id)
    session.expire_all()
    row = session.get(Case, case.id)
    assert row.handling_org_id == world.orgs["cgj"].id and row.facts_summary == "占道经营两处"
    assert session.get(JointFinding, finding.id).case_id == row.id
    assert session.get(ProcessInstance, row.instance_id).process_id == "case_handling"
    assert world.open_tasks(session, row.instance_id) == ["investigate"]


def test_second_case_from_one_finding_is_refused_and_writes_nothing(session, world):
    """One finding, one case: a second filing is a conflict naming the first case."""
    finding = _consolidated_finding(session, world)
    first = _file(session, world, finding.id)
    before = fingerprint(session)
    with pytest.raises(Conflict) as err:
        _file(session, world, finding.id, number="故城管罚〔2026〕22号")
    assert str(first.id) in str(err.value)
    assert fingerprint(session) == before


def test_only_the_routed_organs_officers_may_file(session, world):
    """The bureau is competent for CGJ-01 in 郑口镇 (郑口镇 only assists): a township officer is refused."""
    finding = _consolidated_finding(session, world)
    before = fingerprint(session)
    with pytest.raises(PermissionDenied):
        _file(session, world, finding.id, actor="zk_officer")
    assert fingerprint(session) == before
    assert session.get(JointFinding, finding.id).case_id is None


def test_grant_effective_since_routing_is_refused_naming_the_new_organ(session, world):
    """行政处罚法 第24条: CGJ-01 was granted to 郑口镇 after routing; the bureau's filing names the township."""
    finding = _consolidated_finding(session, world)
    add_delegations(session, world.clock, [DelegationDraft(
        item_code="CGJ-01", township=world.orgs["zk"].id, mode="grant", effective_from=date(2026, 3, 6),
        document_no="故政〔2026〕3号", document_title="赋权决定")])
    session.commit()
    before = fingerprint(session)
    with pytest.raises(LegalRuleViolation) as err:
        _file(session, world, finding.id)
    assert "郑口镇" in str(err.value) and "第22–24条" in err.value.article
    assert fingerprint(session) == before


def test_finding_without_an_item_is_refused(session, world):
    """A finding that names no power item cannot become a case: a field error, nothing written."""
    finding = _consolidated_finding(session, world, items=())
    assert finding.item_code is None
    before = fingerprint(session)
    with pytest.raises(ValidationFailed) as err:
        _file(session, world, finding.id)
    assert "item_code" in err.value.errors
    assert fingerprint(session) == before
