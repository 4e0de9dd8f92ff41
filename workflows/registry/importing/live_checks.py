"""A catalogue change must not contradict delegations already in force (事项清单 vs 权力清单)."""

from __future__ import annotations

from collections import defaultdict
from datetime import date

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from models import IN_FORCE_STATUSES, Delegation, DelegationMode, Organization, PowerItem
from workflows.registry.importing.item_rows import ItemRecord, RowErrors

ART_18 = "行政处罚法 第18条"
CHUNK = 500  # keeps IN (...) under SQLite's bound-parameter limit
TO_TOWNSHIP = {DelegationMode.GRANT, DelegationMode.ENTRUST}


def _live(session: Session, codes: list[str], today: date) -> dict[str, list[tuple[str, str]]]:
    """Item code → (mode, township) of every delegation in force today or later."""
    found: dict[str, list[tuple[str, str]]] = defaultdict(list)
    for start in range(0, len(codes), CHUNK):
        rows = session.execute(
            select(PowerItem.code, Delegation.mode, Organization.short_name, Organization.name)
            .join(Delegation, Delegation.item_id == PowerItem.id)
            .join(Organization, Organization.id == Delegation.township_id)
            .where(PowerItem.code.in_(codes[start : start + CHUNK]),
                   Delegation.status.in_(IN_FORCE_STATUSES),
                   or_(Delegation.effective_to.is_(None), Delegation.effective_to >= today)))
        for code, mode, short, name in rows:
            found[code].append((DelegationMode(mode), short or name))
    return found


def check_live_delegations(session: Session, records: list[ItemRecord], today: date,
                           errors: RowErrors) -> None:
    """Modes still delegated stay allowed; a power now restricting liberty must not be out (第18条)."""
    live = _live(session, sorted({r.code for r in records}), today)
    for record in records:
        delegated = live.get(record.code, [])
        modes = record.fields.get("modes_allowed")
        dropped = [(m, t) for m, t in delegated if modes is not None and m.value not in modes]
        if dropped:
            mode, town = dropped[0]
            errors.add(record.row, "modes_allowed",
                       f"事项 {record.code} 在{town}仍有生效的{mode.value}，清单不能去掉该方式（共 "
                       f"{len(dropped)} 处）/ item {record.code} is still delegated by {mode.value} "
                       f"in {town} ({len(dropped)} in all): revoke first")
        out = [t for m, t in delegated if m in TO_TOWNSHIP]
        if record.fields.get("restricts_personal_liberty") and out:
            errors.add(record.row, "restricts_personal_liberty",
                       f"事项 {record.code} 已赋权或委托给{out[0]}等 {len(out)} 个乡镇，不能标为限制人身自由 / "
                       f"item {record.code} is granted or entrusted to {len(out)} township(s)",
                       article=ART_18)
