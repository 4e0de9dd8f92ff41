"""The 委托机关 a source names: resolved and checked, never ignored (行政处罚法 第20条)."""

from __future__ import annotations

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from models import DelegationMode, Organization, OrgKind
from workflows.registry.drafts import Checked, Problems

ART_20 = "行政处罚法 第20条"


def _load_org(session: Session, ref: str | int) -> list[Organization]:
    """Organizations named by id, full name or short name (a list, so ambiguity shows)."""
    text = str(ref).strip()
    if text.isdigit():
        return list(session.scalars(select(Organization).where(Organization.id == int(text))))
    return list(session.scalars(select(Organization).where(
        or_(Organization.name == text, Organization.short_name == text))))


def resolve_entrusting(checked: list[Checked], session: Session, problems: Problems) -> None:
    """Attach the named 委托机关, or report it: a name in the source is never dropped (第20条)."""
    cache: dict[str, list[Organization]] = {}
    for c in checked:
        ref = c.draft.entrusting_org
        if ref is None or str(ref).strip() == "":
            continue
        key = str(ref).strip()
        found = cache.setdefault(key, _load_org(session, key))
        if len(found) == 1:
            c.entrusting = found[0]
        else:
            word = "不唯一" if found else "未知"
            problems.add(c.index, "entrusting_org", f"委托机关{word}：{key} / "
                         f"{'ambiguous' if found else 'unknown'} entrusting organ: {key}", ART_20)


def check_entrusting(c: Checked, problems: Problems) -> None:
    """第20条: only the item's own department entrusts it, within its statutory powers."""
    organ, code = c.entrusting, c.item.code
    if organ is None:
        return
    dept = c.item.department
    if c.mode != DelegationMode.ENTRUST:
        problems.add(c.index, "entrusting_org", f"事项 {code} 的方式是 {c.mode.value}，不是委托，"
                     f"不应载明委托机关 {organ.name} / item {code} is not entrusted ({c.mode.value}): "
                     f"no entrusting organ", ART_20)
    elif organ.kind in (OrgKind.TOWNSHIP, OrgKind.TOWNSHIP_ORGAN):
        problems.add(c.index, "entrusting_org", f"{organ.name} 是乡镇，受委托组织不得再委托；事项 {code} "
                     f"只能由 {dept.name} 委托 / {organ.name} is a township: an entrusted organ may not "
                     f"entrust again; only {dept.name} may entrust {code}", ART_20)
    elif organ.id != dept.id:
        problems.add(c.index, "entrusting_org", f"{organ.name} 不是事项 {code} 的实施机关，不得在法定权限"
                     f"外委托；事项 {code} 只能由 {dept.name} 委托 / {organ.name} does not hold {code}: "
                     f"only {dept.name} may entrust it", ART_20)
