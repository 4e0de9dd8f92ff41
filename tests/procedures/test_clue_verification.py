"""线索核查 (市场监督管理行政处罚程序规定 第18条): 15 working days, the head files or not, one extension."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func, select

from models import AuditEvent, Deadline, OrgKind, ProcessInstance, Role
from tests.support.case_world import build_case_county, reload
from tests.support.procedure_world import _item, _org, _user, in_transaction
from workflows.core.errors import LegalRuleViolation, ValidationFailed
from workflows.procedures.clue_verification.steps import register_clue


@pytest.fixture
def c(session, clock, tmp_path):
    """The case county with a market-regulation bureau (officer and head) and one of its items."""
    county = build_case_county(session, clock, tmp_path, extra_files=("clue_verification.bpmn",))
    with session.begin():
        samr = county.orgs["samr"] = _org(session, "故城县市场监督管理局", OrgKind.COUNTY_DEPARTMENT)
        county.users["samr_officer"] = _user(session, clock, "samr_officer", samr, Role.COUNTY_OFFICER)
        county.users["samr_head"] = _user(session, clock, "samr_head", samr, Role.DEPARTMENT_HEAD)
        _item(session, "SJ-01", samr)
    return county


def _clue(session, c, user="samr_officer", org="samr", **kw):
    args = {"township_id": c.orgs["zk"].id, "item_code": "SJ-01", "source": "complaint",
            "description": "群众举报超市销售过期食品"} | kw
    return in_transaction(session, register_clue, session, c.engine, c.users[user], c.orgs[org].id, **args)


def _period(session) -> Deadline:
    session.expire_all()
    return session.scalars(select(Deadline).where(Deadline.rule_key == "samr_clue_verify")).one()


def _counts(session) -> tuple:
    session.expire_all()
    return tuple(session.scalar(select(func.count()).select_from(m)) for m in (ProcessInstance, Deadline, AuditEvent))


def test_clue_verified_extended_once_then_filed_saved_and_reloaded(session, c):
    """第18条: 15 working days from receipt (Mon 2 March → Mon 23 March); extended once by 15; filed."""
    iid = _clue(session, c, found_on=date(2026, 3, 2)).id
    assert _period(session).due_at.date() == date(2026, 3, 23)
    reload(session, c)
    c.act(session, iid, "verify_clue", "samr_officer", {"verification_note": "现场核实有过期食品", "proposal": "file"})
    reload(session, c)
    c.act(session, iid, "decide_clue", "samr_head", {"clue_decision": "extend", "clue_opinion": "需抽样检验"})
    assert _period(session).due_at.date() == date(2026, 4, 14)  # 15 more working days (清明 4–6 April)
    reload(session, c)
    c.act(session, iid, "verify_clue", "samr_officer", {"verification_note": "检验不合格", "proposal": "file"})
    before = _counts(session)
    with pytest.raises(LegalRuleViolation):  # only one extension (第18条)
        c.act(session, iid, "decide_clue", "samr_head", {"clue_decision": "extend", "clue_opinion": "再等"})
    assert _counts(session) == before
    c.act(session, iid, "decide_clue", "samr_head", {"clue_decision": "file", "clue_opinion": "证据确实，立案"})
    assert c.instance(session, iid).status == "completed" and str(_period(session).status) == "met"
    assert session.scalars(select(AuditEvent.action).where(AuditEvent.action == "clue.file")).one()


def test_the_sector_rule_binds_only_market_regulation(session, c):
    """第18条 is a SAMR rule: another department's clue gets no such period — refused, nothing written."""
    before = _counts(session)
    with pytest.raises(LegalRuleViolation) as err:
        _clue(session, c, user="cgj_officer", org="cgj", item_code="SC-01")
    assert "市场监督管理行政处罚程序规定" in err.value.article and _counts(session) == before


def test_bad_clues_are_refused_and_nothing_written(session, c):
    """A clue found in the future, without content, or on a power the township holds: refused."""
    before = _counts(session)
    with pytest.raises(ValidationFailed):
        _clue(session, c, found_on=date(2026, 3, 3))
    with pytest.raises(ValidationFailed):
        _clue(session, c, description=" ")
    with pytest.raises(LegalRuleViolation):  # CGJ-01 is granted to 郑口镇: not the bureau's clue
        _clue(session, c, item_code="CGJ-01")
    assert _counts(session) == before
