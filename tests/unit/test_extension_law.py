"""Issue 12 points 7 and 10: extensions only where the basis provides them, approved by the head
of the organ in whose name the decision is made; each rule says what kind of basis it is."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func, select

from models import (
    Case,
    DeadlineExtension,
    DeadlineRule,
    DelegationMode,
    Membership,
    PartyKind,
    PowerItem,
    Role,
    User,
)
from tests.support.deadline_world import build_world
from workflows.calendar.legal_calendar import LegalCalendar
from workflows.core.db import unit_of_work
from workflows.core.errors import LegalRuleViolation, PermissionDenied, ValidationFailed
from workflows.deadlines.extensions import extend
from workflows.deadlines.records import start_deadline
from workflows.deadlines.rules import BASIS_KINDS, load_rule_specs, upsert_rules

SPECS = {s["key"]: s for s in load_rule_specs()}


@pytest.fixture(scope="module")
def calendar():
    return LegalCalendar()


@pytest.fixture
def world(session, clock):
    return build_world(session, clock)


def _head(session, clock, org, name="dept_head") -> User:
    with unit_of_work(session):
        user = User(username=name, display_name=name, password_hash="x", created_at=clock.now())
        user.memberships = [Membership(organization_id=org.id, role=Role.DEPARTMENT_HEAD)]
        session.add(user)
    return user


def _case(session, clock, world, mode: DelegationMode, number: str) -> Case:
    """A case handled by the township; the decision's name follows the mode (第20条, 第24条)."""
    subject = world.township if mode == DelegationMode.GRANT else world.department
    handler = world.department if mode == DelegationMode.ASSIST else world.township
    with unit_of_work(session):
        item = session.scalars(select(PowerItem).where(PowerItem.code == "CF-X")).first()
        if item is None:
            item = PowerItem(code="CF-X", name_zh="事项", department_id=world.department.id,
                             legal_basis="《某法》", modes_allowed=[])
            session.add(item)
            session.flush()
        case = Case(case_number=number, item_id=item.id, township_id=world.township.id,
                    handling_org_id=handler.id, enforcement_subject_org_id=subject.id,
                    responsible_org_id=subject.id, mode_at_filing=mode, filed_on=date(2026, 3, 2),
                    party_name="某甲", party_kind=PartyKind.CITIZEN, facts_summary="事实",
                    violation_on=date(2026, 2, 1), created_at=clock.now())
        session.add(case)
    return case


def _start(session, clock, calendar, world, key, case_ref="故郑执罚〔2026〕1号", org=None):
    return start_deadline(session, clock, calendar, key, org=org or world.township, case_ref=case_ref)


@pytest.mark.parametrize("key, article", [
    ("apl48_withdraw_publication", "行政处罚法 第48条"), ("apl61_service", "行政处罚法 第61条"),
    ("apl64_hearing_request", "行政处罚法 第64条第(一)项"), ("o310_head_decide", "国务院令第310号 第5条"),
    ("gb118_publish_penalty", "国办发〔2018〕118号")])
def test_period_fixed_by_law_cannot_be_extended_even_collectively(session, clock, calendar, world,
                                                                  key, article):
    """Point 7: 第48、61、64条, 310号令 and 118号 give no extension — not by the head, not collectively."""
    d = _start(session, clock, calendar, world, key)
    for collective in (False, True):
        with pytest.raises(LegalRuleViolation) as err:
            extend(session, clock, calendar, d.id, reason="复杂", approver=world.leader,
                   new_due=d.due_at.replace(year=d.due_at.year + 1), collective=collective)
        assert err.value.article == article
    assert session.scalar(select(func.count(DeadlineExtension.id))) == 0


def test_collective_extension_of_apl60_comes_after_the_heads_art60(session, clock, calendar, world):
    """Point 7 (第60条 through the sector rule): +30 by the head first, then collective."""
    d = _start(session, clock, calendar, world, "apl60_decide")
    with pytest.raises(LegalRuleViolation):
        extend(session, clock, calendar, d.id, reason="复杂", approver=world.leader,
               new_due=d.due_at.replace(month=d.due_at.month + 3), collective=True)
    extend(session, clock, calendar, d.id, reason="复杂", approver=world.leader, amount=30)
    extend(session, clock, calendar, d.id, reason="集体讨论", approver=world.leader,
           new_due=d.due_at.replace(month=d.due_at.month + 2), collective=True)
    assert d.extension_count == 2


def test_entrusted_case_is_extended_by_the_entrusting_departments_head_art20(session, clock, calendar, world):
    """Point 7 (第20条): the decision carries the department's name, so its head approves —
    not the township leader whose team does the work."""
    case = _case(session, clock, world, DelegationMode.ENTRUST, "故城管罚〔2026〕9号")
    head = _head(session, clock, world.department)
    d = _start(session, clock, calendar, world, "apl60_decide", case_ref=case.case_number)
    with pytest.raises(PermissionDenied) as err:
        extend(session, clock, calendar, d.id, reason="复杂", approver=world.leader, amount=30)
    assert world.department.name in str(err.value)
    assert extend(session, clock, calendar, d.id, reason="复杂", approver=head, amount=30)


def test_departments_own_case_is_extended_by_its_own_head_not_the_county(session, clock, calendar, world):
    """Point 7: a department's own case — its head approves; the county government does not."""
    case = _case(session, clock, world, DelegationMode.ASSIST, "故城管罚〔2026〕10号")
    head = _head(session, clock, world.department)
    d = _start(session, clock, calendar, world, "apl60_decide", case_ref=case.case_number,
               org=world.department)
    with pytest.raises(PermissionDenied):
        extend(session, clock, calendar, d.id, reason="复杂", approver=world.approver, amount=30)
    assert extend(session, clock, calendar, d.id, reason="复杂", approver=head, amount=30)


def test_granted_case_is_extended_by_the_township_head_art24(session, clock, calendar, world):
    """Point 7 (第24条): a granted case runs in the township's name; its head approves."""
    case = _case(session, clock, world, DelegationMode.GRANT, "故郑执罚〔2026〕11号")
    head = _head(session, clock, world.department)
    d = _start(session, clock, calendar, world, "apl60_decide", case_ref=case.case_number)
    with pytest.raises(PermissionDenied):
        extend(session, clock, calendar, d.id, reason="复杂", approver=head, amount=30)
    assert extend(session, clock, calendar, d.id, reason="复杂", approver=world.leader, amount=30)


def test_every_rule_names_the_kind_of_its_basis():
    """Point 10: statute, sector rule, local practice or design default; defaults are labelled D."""
    assert {s["basis_kind"] for s in SPECS.values()} <= set(BASIS_KINDS)
    assert all(s["source_label"] == "D" for s in SPECS.values() if s["basis_kind"] == "design_default")
    for key in ("transfer_designation", "transfer_out_of_remit"):
        assert SPECS[key]["basis_kind"] == "design_default" and SPECS[key]["source_label"] == "D"
    assert SPECS["apl60_decide"]["basis_kind"] == "statute" and SPECS["apl60_decide"]["extension_collective"]


def test_order_310_citations_are_the_right_articles():
    """Point 10 (国务院令第310号): forwarding 第7条, filing supervision 第9条, items 第12条."""
    assert SPECS["o310_police_forward"]["legal_basis"].startswith("国务院令第310号 第7条")
    assert SPECS["o310_materials_handover"]["legal_basis"].startswith("国务院令第310号 第12条")
    supervision = SPECS["o310_procuratorate_request"]["legal_basis"]
    assert supervision.startswith("国务院令第310号 第9条") and "第14条" not in supervision


def test_samr_clue_check_binds_market_regulation_only(session, clock, calendar, world):
    """Point 10: 市场监督管理行政处罚程序规定 is a sector rule; a township is not bound by it."""
    assert SPECS["samr_clue_verify"]["basis_kind"] == "sector_rule"
    assert SPECS["samr_clue_verify"]["legal_basis"].startswith("市场监督管理行政处罚程序规定")
    with pytest.raises(LegalRuleViolation):
        _start(session, clock, calendar, world, "samr_clue_verify")


def test_mutual_notification_periods_are_the_senders_time_from_its_decision():
    """Point 10: 1 and 5 working days run from the sender's decision, not the recipient's receipt."""
    for key in ("notify_licence_ack", "notify_major_ack"):
        assert "告知方" in SPECS[key]["name_zh"] and "decision" in SPECS[key]["start_event"]
        assert SPECS[key]["basis_kind"] == "local_practice"


def test_rule_with_unknown_basis_kind_is_refused_and_nothing_written(session, clock):
    bad = {**SPECS["apl61_service"], "key": "x_rule", "basis_kind": "folklore"}
    with pytest.raises(ValidationFailed) as err:
        upsert_rules(session, clock, [bad])
    assert "x_rule.basis_kind" in err.value.errors
    assert session.scalar(select(func.count(DeadlineRule.id))) == 0
