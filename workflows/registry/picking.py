"""What start forms offer to pick (issue 10 §4): the catalogue items an organ may act on today."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from models import Organization, OrgKind, PowerItem
from workflows.registry.powers import power_list


def catalogue_items(session: Session) -> list[PowerItem]:
    """Every catalogue item by code (a work order may concern any of them; it is dispatched after)."""
    return list(session.scalars(select(PowerItem).order_by(PowerItem.code)))


def items_acted_by(session: Session, org: Organization, on: date) -> list[PowerItem]:
    """Items the organ acts on: a department its own catalogue items; a township, or one of its organs,
    those its power list gives it on the day (granted or entrusted, 第20、24条) — by code."""
    if org.kind in (OrgKind.TOWNSHIP, OrgKind.TOWNSHIP_ORGAN):
        township_id = org.id if org.kind == OrgKind.TOWNSHIP else org.township_id
        codes = [c.item_code for c in power_list(session, township_id, on) if c.acting_org.id == township_id]
        query = select(PowerItem).where(PowerItem.code.in_(codes))
    else:
        query = select(PowerItem).where(PowerItem.department_id == org.id)
    return list(session.scalars(query.order_by(PowerItem.code)))
