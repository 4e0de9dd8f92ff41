"""Historic Gucheng (故城县) sample delegations: the 2020 grant and the 2024/2026 entrustments."""

from __future__ import annotations

import csv
import io
from datetime import date
from importlib import resources

from sqlalchemy import select
from sqlalchemy.orm import Session

from models import Delegation, Organization, OrgKind, PowerItem
from workflows.registry.delegations import DelegationDraft, add_delegations

# 故城县深化乡镇改革方案 (2020): the county government's grant decision for every township. Dated
# before the revised 行政处罚法 (in force 2021-07-15), it rests on the province's decision under
# 2017 text 第16条 (相对集中行政处罚权), not on 第24条, and the registry cites it so.
GRANT_BASIS = "省人民政府相对集中行政处罚权决定；行政处罚法（2017年修正）第16条"
GRANT_DOCUMENT = ("故政字〔2020〕18号", "故城县人民政府关于向乡镇赋予部分行政执法权的决定", date(2020, 7, 1))
# Entrustment terms (委托期限, 行政处罚法 第20条): the first expired, the second is in force.
ENTRUST_TERMS = ((date(2024, 1, 1), date(2025, 12, 31), "expired"),
                 (date(2026, 1, 1), date(2027, 12, 31), "effective"))
ENTRUSTED_TOWNSHIPS = ("郑口镇", "青罕镇")
# Letter-number prefixes of the entrusting departments (委托书文号), by a word in their name.
LETTER_PREFIX = (("城市管理", "故城管委"), ("农业农村", "故农委"), ("自然资源", "故自资委"),
                 ("生态环境", "衡环故委"), ("消防", "故消委"), ("交通", "故交委"), ("水利", "故水委"),
                 ("住房", "故建委"), ("市场监督", "故市监委"))


def _sample_modes() -> dict[str, str]:
    """Item code → grant | entrust, as the sample list assigns them."""
    text = resources.files("workflows.data").joinpath("sample_items.csv").read_text("utf-8-sig")
    return {row["code"]: row["mode"] for row in csv.DictReader(io.StringIO(text))}


def _prefix(department: Organization) -> str:
    return next((p for word, p in LETTER_PREFIX if word in department.name), "故委")


def _grant_drafts(items: list[PowerItem], townships: list[Organization]) -> list[DelegationDraft]:
    doc_no, title, start = GRANT_DOCUMENT
    return [DelegationDraft(item.code, town.id, "grant", start, document_no=doc_no,
                            document_title=title, source="import",
                            note=f"故城县首批乡镇赋权事项（{GRANT_BASIS}）/ Gucheng first grant batch "
                                 "(2017 APL art. 16)")
            for town in townships for item in items]


def _entrust_drafts(items: list[PowerItem], townships: list[Organization]) -> list[DelegationDraft]:
    drafts, numbers = [], {}
    for start, end, status in ENTRUST_TERMS:
        for town in townships:
            for dept_id in sorted({i.department_id for i in items}):
                dept_items = [i for i in items if i.department_id == dept_id]
                prefix = _prefix(dept_items[0].department)
                numbers[(prefix, start.year)] = numbers.get((prefix, start.year), 0) + 1
                doc_no = f"{prefix}〔{start.year}〕{numbers[(prefix, start.year)]}号"
                title = f"行政执法委托书（{dept_items[0].department.name}委托{town.short_name}）"
                drafts += [DelegationDraft(i.code, town.id, "entrust", start, end, status=status,
                                           document_no=doc_no, document_title=title, source="import")
                           for i in dept_items]
    return drafts


def load_sample_delegations(session: Session, clock) -> dict:
    """Add the sample delegations whose items exist; report sample codes not in the catalogue."""
    modes = _sample_modes()
    items = session.scalars(select(PowerItem).where(PowerItem.code.in_(list(modes)))
                            .order_by(PowerItem.code)).all()
    missing = sorted(set(modes) - {i.code for i in items})
    townships = session.scalars(select(Organization).where(Organization.kind == OrgKind.TOWNSHIP)
                                .order_by(Organization.id)).all()
    entrusted = [t for t in townships if t.short_name in ENTRUSTED_TOWNSHIPS]
    drafts = (_grant_drafts([i for i in items if modes[i.code] == "grant"], townships)
              + _entrust_drafts([i for i in items if modes[i.code] == "entrust"], entrusted))
    existing = {tuple(row) for row in session.execute(
        select(Delegation.item_id, Delegation.township_id, Delegation.effective_from))}
    by_code = {i.code: i.id for i in items}
    new = [d for d in drafts if (by_code[d.item_code], d.township, d.effective_from) not in existing]
    add_delegations(session, clock, new)  # all-or-nothing; a refusal stops the sample load
    return {"delegations_created": len(new), "sample_items_missing": missing}
