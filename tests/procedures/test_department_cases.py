"""Cases a county department handles itself run on the same case-handling BPMN (roleByOrgKind)."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from models import Case, HumanTask, Role
from tests.support.case_world import PAYABLE, build_case_county, notify_and_defend
from tests.support.procedure_world import _user, fingerprint, in_transaction
from workflows.cases.rules import Officer
from workflows.core.errors import LegalRuleViolation, PermissionDenied
from workflows.procedures.case_handling.filing import file_case


@pytest.fixture
def c(session, clock, tmp_path):
    """The case county plus two certified officers of the county urban-management bureau."""
    county = build_case_county(session, clock, tmp_path)
    with session.begin():
        for n in (1, 2):
            county.users[f"cgj_team{n}"] = _user(session, clock, f"cgj_team{n}", county.orgs["cgj"],
                                                 Role.COUNTY_OFFICER, f"冀执cgj{n}")
    return county


def _team(c) -> list[Officer]:
    return [Officer(c.users[f"cgj_team{n}"].id, f"冀执cgj{n}") for n in (1, 2)]


def _file(session, c, item: str, number: str = "故城管罚〔2026〕1号", actor: str = "cgj_team1"):
    return in_transaction(session, file_case, session, c.engine, c.users[actor], item_code=item,
                          township=c.orgs["zk"], handling_org=c.orgs["cgj"], case_number=number,
                          party_name="李四", party_kind="citizen", facts_summary="占道经营",
                          violation_on=date(2026, 2, 1), officers=_team(c))


def _task(session, iid: int, name: str) -> HumanTask:
    return session.scalars(select(HumanTask).where(
        HumanTask.instance_id == iid, HumanTask.task_spec_name == name,
        HumanTask.state.in_(("ready", "claimed")))).one()


def test_a_departments_own_case_runs_end_to_end(session, c):
    """CGJ-02 is not delegated: the bureau files, investigates, decides and publishes (第36、60条)."""
    case = _file(session, c, "CGJ-02")
    iid = case.instance_id
    investigate = _task(session, iid, "investigate")
    assert (investigate.role, investigate.organization_id) == ("county_officer", c.orgs["cgj"].id)
    c.act(session, iid, "investigate", "cgj_team1", {
        "investigation_report": "查明占道", "proposed_decision": "penalty", "proposed_fine": "3000"})
    notify_and_defend(session, c, iid, officer="cgj_team1")
    decide = _task(session, iid, "decide")
    assert (decide.role, decide.organization_id) == ("county_officer", c.orgs["cgj"].id)
    c.act(session, iid, "decide", "cgj_team2", {**PAYABLE, "decision_kind": "penalty", "fine_amount": "3000",
                                                "within_benchmark": True})
    c.act(session, iid, "publish", "cgj_team1", {"published_on": "2026-03-03",
                                                 "publication_channel": "县城管局网站"})
    session.expire_all()
    row = session.get(Case, case.id)
    assert row.status == "published" and row.handling_org_id == c.orgs["cgj"].id


def test_a_department_is_refused_on_an_item_granted_to_the_township_article_24(session, c):
    """行政处罚法 第24条 practice: CGJ-01 is granted to 郑口镇; the bureau may not file; nothing written."""
    before = fingerprint(session)
    with pytest.raises(LegalRuleViolation) as err:
        _file(session, c, "CGJ-01")
    assert err.value.details["article"] == "行政处罚法 第24条"
    assert err.value.details["competent_org"] == c.orgs["zk"].name
    assert fingerprint(session) == before


def test_a_township_officer_role_in_a_department_cannot_file(session, c):
    """A department's case is filed by its county officers; another role is refused, nothing written."""
    with session.begin():
        c.users["cgj_clerk"] = _user(session, c.clock, "cgj_clerk", c.orgs["cgj"], Role.TOWNSHIP_OFFICER)
    before = fingerprint(session)
    with pytest.raises(PermissionDenied):
        _file(session, c, "CGJ-02", actor="cgj_clerk")
    assert fingerprint(session) == before
