"""Public disclosure of penalty decisions within their retention period (国办发〔2018〕118号)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

from sqlalchemy import select

from models import Case, CaseStatus, DecisionKind, Organization, PartyKind, PowerItem
from tests.support.webapp import login
from workflows.core.audit_verify import write_anchor


def _case(s, number: str, party: str, kind: PartyKind, published: date, status=CaseStatus.PUBLISHED):
    town = s.scalars(select(Organization).where(Organization.short_name == "郑口镇")).one()
    item = s.scalars(select(PowerItem).order_by(PowerItem.code)).first()
    s.add(Case(case_number=number, item_id=item.id, township_id=town.id, handling_org_id=town.id,
               enforcement_subject_org_id=town.id, responsible_org_id=town.id, filed_on=published,
               party_name=party, party_kind=kind, facts_summary="事实", status=status,
               decision_kind=DecisionKind.PENALTY, fine_amount=Decimal("500.00"), decided_on=published,
               published_on=published, violation_on=published, created_at=s.info["now"]))
    return town.id


def test_public_page_shows_decisions_in_retention_and_masks_citizens(client, session_factory, clock):
    """Hebei practice: online 5 years, 2 for a natural person; withdrawn ones are gone (第48条)."""
    with session_factory() as s, s.begin():
        s.info["now"] = clock.now()
        town = _case(s, "郑口罚〔2025〕1号", "张三丰", PartyKind.CITIZEN, date(2025, 6, 1))
        _case(s, "郑口罚〔2023〕2号", "李四", PartyKind.CITIZEN, date(2023, 6, 1))
        _case(s, "郑口罚〔2022〕3号", "某某商贸有限公司", PartyKind.ORGANIZATION, date(2022, 6, 1))
        _case(s, "郑口罚〔2025〕4号", "王五", PartyKind.CITIZEN, date(2025, 7, 1), CaseStatus.WITHDRAWN)
    body = client.get(f"/public/townships/{town}").get_data(as_text=True)
    assert "郑口罚〔2025〕1号" in body and "张**" in body and "张三丰" not in body
    assert "郑口罚〔2023〕2号" not in body  # a citizen's decision: past its 2 years
    assert "郑口罚〔2022〕3号" in body and "某某商贸有限公司" in body  # an organisation's: 5 years
    assert "郑口罚〔2025〕4号" not in body  # withdrawn


def test_dashboard_counts_cases_by_item_within_scope(client, session_factory, clock):
    with session_factory() as s, s.begin():
        s.info["now"] = clock.now()
        _case(s, "郑口罚〔2026〕9号", "赵六", PartyKind.CITIZEN, date(2026, 2, 1))
    login(client, "zk_officer1")
    body = client.get("/dashboard").get_data(as_text=True)
    assert "案件数（按事项）" in body and "ILLUS-" in body
    login(client, "qh_officer1")
    body = client.get("/dashboard").get_data(as_text=True)
    assert "ILLUS-" not in body  # 郑口镇's case is outside 青罕镇's scope


def test_public_portal_shows_the_anchored_audit_head(app, client, session_factory):
    """The daily anchor (`quanze audit anchor`) is published, so a rewrite of the chain shows."""
    assert "执法全过程记录锚点" not in client.get("/public/").get_data(as_text=True)
    path = Path(app.instance_path) / "audit-anchors.jsonl"
    with session_factory() as s:
        anchor = write_anchor(s, path, datetime(2026, 3, 2, 16, 0, tzinfo=UTC))
    page = client.get("/public/").get_data(as_text=True)
    assert "执法全过程记录锚点" in page and anchor.hash in page and anchor.seq > 0
