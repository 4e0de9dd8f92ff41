"""The SQL side of the power registry: the `who` statement, compiled once per dialect."""

from __future__ import annotations

from functools import lru_cache

from sqlalchemy import (
    Date,
    Integer,
    String,
    and_,
    bindparam,
    func,
    literal_column,
    or_,
    select,
    type_coerce,
)

from models import (
    IN_FORCE_STATUSES,
    Delegation,
    DelegationMode,
    DelegationStatus,
    ItemCategory,
    Organization,
    OrgKind,
    PowerItem,
    item_relations,
)
from workflows.core.fastsql import FastStatement, fast

# Related inspection and coercive powers travel with a granted or entrusted penalty power;
# a coercive measure travels only with a grant (行政强制法 第17条: 行政强制措施权不得委托).
TRAVELLING = (DelegationMode.GRANT, DelegationMode.ENTRUST)
COERCION_TRAVELS_WITH = (DelegationMode.GRANT,)
# Statuses whose row may run without an end date; a revoked or expired row counts only up to
# the end it states (no end: it never counted, e.g. revoked before its first day).
OPEN_ENDED_STATUSES = (DelegationStatus.PUBLISHED, DelegationStatus.EFFECTIVE)


def _constants(values) -> list:
    """Our own enum values rendered inline, so the statement has no expanding IN parameters."""
    return [literal_column(f"'{v.value}'") for v in values]


def in_force_on(row, on):
    """A delegation row counts on a day: in-force status and the day inside its period.

    A revoked (已撤销) or expired (已失效) row is history: it counts only up to the end date
    it carries, never open-ended (domain.md §9, 行政处罚法 第20条 期限).
    """
    open_end = and_(row.c.effective_to.is_(None),
                    row.c.status.in_(_constants(OPEN_ENDED_STATUSES)))
    return and_(row.c.status.in_(_constants(IN_FORCE_STATUSES)), row.c.effective_from <= on,
                or_(open_end, row.c.effective_to >= on))


def travels_with(via, item_category):
    """A parent's delegation carries this related item: coercion only under a grant (强制法 第17条)."""
    coercion = literal_column(f"'{ItemCategory.COERCION.value}'")
    return or_(via.c.mode.in_(_constants(COERCION_TRAVELS_WITH)),
               and_(via.c.mode.in_(_constants(TRAVELLING)), item_category != coercion))


@lru_cache(maxsize=2)
def _who_statement(by_id: bool):
    """One Core statement for `who`: item, department, township and the delegation lookup.

    Built once per shape so each call only binds parameters (it holds no data); Core tables,
    not ORM entities, because the answer is plain values and the ORM layer tripled the cost.
    """
    items, orgs, dels = PowerItem.__table__, Organization.__table__, Delegation.__table__
    dept, town, own, via, best, d = (orgs.alias("dept"), orgs.alias("town"), dels.alias("own"),
                                     dels.alias("via"), dels.alias("best"), dels.alias("d"))
    via_item, rel = items.alias("via_item"), item_relations
    ref, on, code = bindparam("ref"), bindparam("on"), bindparam("code")
    # The newest in-force row of the pair (ix_delegation_lookup: item, township, from).
    own_id = (select(own.c.id).where(own.c.item_id == items.c.id, own.c.township_id == town.c.id,
                                     in_force_on(own, on))
              .order_by(own.c.effective_from.desc()).limit(1)
              .correlate_except(own).scalar_subquery())
    # Else the grant/entrustment of a parent penalty item this power is related to: per parent
    # through ix_delegation_lookup, then the newest (the planner otherwise walks the township).
    per_parent = (select(via.c.id).where(via.c.item_id == rel.c.item_id,
                                         via.c.township_id == town.c.id,
                                         travels_with(via, items.c.category),
                                         in_force_on(via, on))
                  .order_by(via.c.effective_from.desc()).limit(1)
                  .correlate_except(via).scalar_subquery())
    candidates = (select(per_parent).where(rel.c.related_item_id == items.c.id)
                  .correlate_except(rel))
    parent_id = (select(best.c.id).where(best.c.id.in_(candidates))
                 .order_by(best.c.effective_from.desc()).limit(1)
                 .correlate_except(best).scalar_subquery())
    town_match = (town.c.id == ref) if by_id else or_(town.c.name == ref, town.c.short_name == ref)
    return (
        select(items.c.code, items.c.name_zh, items.c.legal_basis, dept.c.id, dept.c.name,
               town.c.id, town.c.name, d.c.id, type_coerce(d.c.mode, String),
               d.c.effective_from, d.c.effective_to, d.c.document_no, d.c.note,
               type_coerce(d.c.cutover_rule, String), d.c.cutover_days, via_item.c.code)
        .select_from(items)
        .join(dept, dept.c.id == items.c.department_id)
        .join(town, and_(town.c.kind == literal_column(f"'{OrgKind.TOWNSHIP.value}'"), town_match))
        .outerjoin(d, d.c.id == func.coalesce(own_id, parent_id))
        .outerjoin(via_item, and_(via_item.c.id == d.c.item_id, via_item.c.id != items.c.id))
        .where(items.c.code == code)
    )


def who_query(connection, by_id: bool) -> FastStatement:
    """The `who` statement compiled for the connection's dialect (see workflows/core/fastsql.py)."""
    types = {"ref": Integer() if by_id else String(), "on": Date(), "code": String()}
    return fast(f"registry.who.{'id' if by_id else 'name'}", connection,
                lambda: _who_statement(by_id), types)
