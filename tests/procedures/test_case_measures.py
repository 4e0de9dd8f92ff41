"""先行登记保存 (行政处罚法 第56条) and 查封、扣押 (行政强制法 第17–19、24–25、28条) as a procedure of a case."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func, insert, select

from models import (
    AuditEvent,
    Deadline,
    DeadlineExtension,
    Document,
    HumanTask,
    ItemCategory,
    PowerItem,
    ProcessInstance,
    item_relations,
)
from tests.support.case_world import at, build_case_county, file, officers, reload
from tests.support.procedure_world import _item, in_transaction
from workflows.core.errors import Conflict, LegalRuleViolation, ValidationFailed
from workflows.procedures.case_measures.steps import start_case_measure


@pytest.fixture
def c(session, clock, tmp_path):
    """The case county; CGJ-01 (granted to 郑口镇) and NY-01 (entrusted) each carry a coercive power."""
    county = build_case_county(session, clock, tmp_path, extra_files=("case_measures.bpmn",))
    with session.begin():
        for parent, code, dept in (("CGJ-01", "CGJ-Q1", "cgj"), ("NY-01", "NY-Q1", "nyj")):
            item = _item(session, code, county.orgs[dept])
            item.category = ItemCategory.COERCION
            parent_id = session.scalar(select(PowerItem.id).where(PowerItem.code == parent))
            session.execute(insert(item_relations).values(item_id=parent_id, related_item_id=item.id))
    return county


def _measure(session, c, case, **kw):
    args = {"kind": "detention", "items": "占道经营的三轮车一辆、货架两个", "reason": "当事人拒不停止违法行为，物品可能被转移",
            "basis": "《城市市容和环境卫生管理条例》第三十七条", "officers": officers(c),
            "coercion_item_code": "CGJ-Q1"} | kw
    return in_transaction(session, start_case_measure, session, c.engine, c.users["zk_officer1"], case.id, **args)


def _rules(session, iid) -> list[tuple[str, str, date]]:
    session.expire_all()
    return [(d.rule_key, str(d.status), d.due_at.date()) for d in session.scalars(
        select(Deadline).where(Deadline.instance_id == iid).order_by(Deadline.id))]


def _docs(session, case) -> dict[str, str]:
    session.expire_all()
    rows = session.scalars(select(Document).where(Document.instance_id == case.instance_id,
                                                  Document.mime.like("text/html%")))
    return {d.kind: d.content.decode() for d in rows}


def _counts(session) -> tuple:
    session.expire_all()
    return tuple(session.scalar(select(func.count()).select_from(m))
                 for m in (ProcessInstance, HumanTask, Deadline, Document, AuditEvent, DeadlineExtension))


def test_preservation_decided_within_7_working_days_then_released_saved_and_reloaded(session, c):
    """第56条: the head approves, the notice is issued, the decision is due in 7 working days."""
    case = file(session, c)  # Monday 2026-03-02
    iid = _measure(session, c, case, kind="preservation", coercion_item_code=None, items="账簿三本").id
    assert c.open_tasks(session, iid) == ["approve_measure"]
    reload(session, c)
    c.act(session, iid, "approve_measure", "zk_leader", {"approve": True, "head_opinion": "同意"})
    assert _rules(session, iid) == [("apl56_preservation_decide", "pending", date(2026, 3, 11))]
    notice = _docs(session, case)["preservation_notice"]
    assert "账簿三本" in notice and "2026-03-11" in notice and "第五十六条" in notice
    reload(session, c)
    c.act(session, iid, "decide_preserved", "zk_officer1",
          {"preservation_outcome": "release", "outcome_reason": "已复制留存，无需继续保存"})
    assert c.instance(session, iid).status == "completed"
    assert _rules(session, iid)[0][1] == "met"
    assert "解除先行登记保存" in _docs(session, case)["preservation_decision"]


def test_detention_extended_once_then_released_saved_and_reloaded_at_every_wait(session, c):
    """行政强制法 第24–25、28条: 30 days, one 30-day extension with written notice, a second refused, released."""
    case = file(session, c)
    iid = _measure(session, c, case).id
    reload(session, c)
    c.act(session, iid, "approve_measure", "zk_leader", {"approve": True})
    assert _rules(session, iid) == [("coercion_term", "pending", date(2026, 4, 1))]
    decision = _docs(session, case)["coercion_decision"]
    for needle in ("扣押", "三轮车", "2026-04-01", "不超过三十日", "六十日内", "人民法院"):
        assert needle in decision, needle
    reload(session, c)
    at(c, 2026, 3, 25, 2)
    c.act(session, iid, "dispose_measure", "zk_officer1", {"disposal": "extend", "disposal_reason": "检测报告尚未出具"})
    reload(session, c)
    c.act(session, iid, "approve_extension", "zk_leader", {"approve_extension": True})
    # 1 April + 30 days = 1 May, in the Labour Day holiday (1–5 May 2026): the period ends on 6 May.
    assert _rules(session, iid) == [("coercion_term", "pending", date(2026, 5, 6))]
    assert "2026-05-06" in _docs(session, case)["coercion_extension"]
    reload(session, c)
    before = _counts(session)
    with pytest.raises(LegalRuleViolation) as err:  # 第25条: extended once only
        c.act(session, iid, "dispose_measure", "zk_officer1", {"disposal": "extend", "disposal_reason": "仍需检测"})
    assert err.value.article == "行政强制法 第25条" and _counts(session) == before
    c.act(session, iid, "dispose_measure", "zk_officer1", {"disposal": "release", "disposal_reason": "检测合格"})
    assert c.instance(session, iid).status == "completed"
    assert _rules(session, iid)[0][1] == "met"
    assert "检测合格" in _docs(session, case)["coercion_release"]


def test_on_the_spot_seizure_reported_within_24_hours_and_released_when_the_head_disagrees(session, c):
    """第19条: the decision is made on the spot, reported within 24 hours; the head refuses → released at once."""
    case = file(session, c)
    iid = _measure(session, c, case, kind="seizure", on_the_spot=True).id
    assert c.open_tasks(session, iid) == ["report_on_spot"]
    report = session.scalars(select(Deadline).where(Deadline.rule_key == "coercion_on_spot_report")).one()
    assert (report.due_at - report.started_at).total_seconds() == 24 * 3600
    assert "二十四小时内" in _docs(session, case)["coercion_decision"]
    reload(session, c)
    c.act(session, iid, "report_on_spot", "zk_leader", {"approve": False, "head_opinion": "情节轻微，不宜查封"})
    assert c.instance(session, iid).status == "completed"
    assert {r: s for r, s, _ in _rules(session, iid)} == {"coercion_on_spot_report": "met", "coercion_term": "cancelled"}
    assert "立即退还" in _docs(session, case)["coercion_release"]


def test_preservation_turned_into_seizure_needs_the_coercive_power(session, c):
    """第56条 decision → 查封 on the item's coercive power; the term starts then (行政强制法 第25条)."""
    case = file(session, c)
    iid = _measure(session, c, case, kind="preservation", coercion_item_code=None).id
    c.act(session, iid, "approve_measure", "zk_leader", {"approve": True})
    before = _counts(session)
    with pytest.raises(LegalRuleViolation):
        c.act(session, iid, "decide_preserved", "zk_officer1",
              {"preservation_outcome": "seizure", "outcome_reason": "需查封", "coercion_item_code": "NY-Q1"})
    assert _counts(session) == before
    c.act(session, iid, "decide_preserved", "zk_officer1",
          {"preservation_outcome": "seizure", "outcome_reason": "需查封", "coercion_item_code": "CGJ-Q1"})
    assert c.open_tasks(session, iid) == ["dispose_measure"]
    assert [r for r, _, _ in _rules(session, iid)] == ["apl56_preservation_decide", "coercion_term"]


def test_coercion_on_an_entrusted_item_is_refused_and_nothing_written(session, c):
    """行政强制法 第17条: the power to seize or detain is never entrusted; the department keeps it."""
    case = file(session, c, number="郑口罚〔2026〕7号", item="NY-01")
    before = _counts(session)
    with pytest.raises(LegalRuleViolation) as err:
        _measure(session, c, case, coercion_item_code="NY-Q1")
    assert err.value.article == "行政强制法 第17条" and _counts(session) == before


def test_bad_requests_are_refused_and_nothing_written(session, c):
    """No items listed, one officer (第18条), a code the item does not carry, preservation on the spot (第56条)."""
    case = file(session, c)
    before = _counts(session)
    with pytest.raises(ValidationFailed):
        _measure(session, c, case, items=" ")
    with pytest.raises(LegalRuleViolation) as err:
        _measure(session, c, case, officers=officers(c)[:1])
    assert err.value.article == "行政强制法 第18条"
    with pytest.raises(LegalRuleViolation):
        _measure(session, c, case, coercion_item_code="SC-01")
    with pytest.raises(LegalRuleViolation) as err:
        _measure(session, c, case, kind="preservation", on_the_spot=True)
    assert err.value.article == "行政处罚法 第56条"
    assert _counts(session) == before


def test_no_measure_on_a_closed_case(session, c):
    """Measures serve an investigation: a decided or closed case takes none (Conflict, nothing written)."""
    case = file(session, c)
    with session.begin():
        session.get(type(case), case.id).status = "closed"
    before = _counts(session)
    with pytest.raises(Conflict):
        _measure(session, c, case)
    assert _counts(session) == before
