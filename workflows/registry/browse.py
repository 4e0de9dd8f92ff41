"""Read-only listings for people and other systems: catalogue, townships, delegations."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date

from sqlalchemy import and_, case, func, or_, select
from sqlalchemy.orm import Session, selectinload

from models import (
    Delegation,
    DelegationMode,
    DelegationStatus,
    Document,
    HumanTask,
    ItemCategory,
    Organization,
    OrgKind,
    PowerItem,
    ProcessInstance,
)
from workflows.accounts.access import (
    Principal,
    can_view_delegation,
    delegation_scope,
    visible_township_ids,
)
from workflows.core.errors import NotFound

MAX_PAGE_SIZE = 200
# Delegations the public sees: decided and published (决定应当公布, 行政处罚法 第24条; 第20条).
PUBLIC_STATUSES = (DelegationStatus.PUBLISHED, DelegationStatus.EFFECTIVE)


@dataclass(frozen=True)
class Page:
    """One page of a listing with the total count."""

    items: list
    page: int
    page_size: int
    total: int

    @property
    def pages(self) -> int:
        """Number of pages (at least one)."""
        return max(1, -(-self.total // self.page_size))


def _page(session: Session, query, page: int, page_size: int) -> Page:
    page, page_size = max(1, page), min(max(1, page_size), MAX_PAGE_SIZE)
    total = session.scalar(select(func.count()).select_from(query.order_by(None).subquery()))
    rows = session.scalars(query.limit(page_size).offset((page - 1) * page_size)).all()
    return Page(list(rows), page, page_size, total)


@dataclass(frozen=True)
class ItemFilter:
    """Catalogue filters; every field optional."""

    department_id: int | None = None
    category: ItemCategory | None = None
    mode: DelegationMode | None = None
    text: str | None = None


def search_items(session: Session, filters: ItemFilter, page: int = 1, page_size: int = 50) -> Page:
    """Catalogue items matching the filters, by code."""
    query = select(PowerItem).options(selectinload(PowerItem.department)).order_by(PowerItem.code)
    if filters.department_id is not None:
        query = query.where(PowerItem.department_id == filters.department_id)
    if filters.category is not None:
        query = query.where(PowerItem.category == filters.category)
    if filters.text:
        like = f"%{filters.text.strip()}%"
        query = query.where(or_(PowerItem.code.ilike(like), PowerItem.name_zh.ilike(like),
                                PowerItem.name_en.ilike(like), PowerItem.legal_basis.ilike(like)))
    if filters.mode is not None:
        # modes_allowed is a JSON list; filtering it portably is simplest in Python.
        ids = [i.id for i in session.scalars(query) if filters.mode.value in (i.modes_allowed or [])]
        query = query.where(PowerItem.id.in_(ids or [-1]))
    return _page(session, query, page, page_size)


def get_item(session: Session, item_id: int) -> PowerItem:
    """One catalogue item."""
    item = session.get(PowerItem, item_id)
    if item is None:
        raise NotFound(f"未知事项：{item_id} / unknown item: {item_id}")
    return item


def departments(session: Session) -> list[Organization]:
    """County departments that own catalogue items, by name."""
    owners = select(PowerItem.department_id).distinct()
    return list(session.scalars(select(Organization).where(Organization.id.in_(owners))
                                .order_by(Organization.name)))


def townships(session: Session, principal: Principal | None = None) -> list[Organization]:
    """Townships in display order; limited to the user's scope when a principal is given."""
    query = select(Organization).where(Organization.kind == OrgKind.TOWNSHIP).order_by(Organization.id)
    visible = visible_township_ids(principal) if principal is not None else None
    if visible is not None:
        query = query.where(Organization.id.in_(visible or [-1]))
    return list(session.scalars(query))


def public_township(session: Session, township_id: int) -> Organization:
    """Any township, for public disclosure (公示)."""
    org = session.get(Organization, township_id)
    if org is None or org.kind != OrgKind.TOWNSHIP:
        raise NotFound(f"未找到乡镇：{township_id} / unknown township: {township_id}")
    return org


@dataclass(frozen=True)
class DelegationFilter:
    """Delegation filters; every field optional."""

    township_id: int | None = None
    item_id: int | None = None
    mode: DelegationMode | None = None
    status: DelegationStatus | None = None


def list_delegations(session: Session, principal: Principal, filters: DelegationFilter,
                     page: int = 1, page_size: int = 50) -> Page:
    """Delegations the user may see, newest first."""
    query = (select(Delegation).options(selectinload(Delegation.item), selectinload(Delegation.township))
             .order_by(Delegation.effective_from.desc(), Delegation.id.desc()))
    scope = delegation_scope(principal)
    if scope is not None:
        query = query.where(scope)
    for column, value in ((Delegation.township_id, filters.township_id),
                          (Delegation.item_id, filters.item_id), (Delegation.mode, filters.mode),
                          (Delegation.status, filters.status)):
        if value is not None:
            query = query.where(column == value)
    return _page(session, query, page, page_size)


def get_delegation(session: Session, principal: Principal, delegation_id: int) -> Delegation:
    """One delegation; outside the user's scope it is as good as missing."""
    row = session.get(Delegation, delegation_id)
    if row is None or not can_view_delegation(principal, row):
        raise NotFound(f"未知委托/赋权记录：{delegation_id} / unknown delegation: {delegation_id}")
    return row


def public_delegations(session: Session, township_id: int, on: date,
                       mode: DelegationMode | None = None) -> list[Delegation]:
    """Published delegations to a township in force on a date (公示: 第20条, 第24条)."""
    query = (select(Delegation).options(selectinload(Delegation.item).selectinload(PowerItem.department))
             .where(Delegation.township_id == township_id,
                    Delegation.status.in_(PUBLIC_STATUSES),
                    Delegation.effective_from <= on,
                    or_(Delegation.effective_to.is_(None), Delegation.effective_to >= on))
             .order_by(Delegation.mode, Delegation.effective_from))
    if mode is not None:
        query = query.where(Delegation.mode == mode)
    return list(session.scalars(query))


def public_documents(session: Session, township_id: int, on: date) -> list[Document]:
    """Letters and decisions behind the township's published delegations (委托书由双方公布, 第20条)."""
    numbers = {d.document_no for d in public_delegations(session, township_id, on) if d.document_no}
    if not numbers:
        return []
    query = select(Document).where(Document.document_no.in_(numbers)).order_by(Document.id)
    return list(session.scalars(query))


Publications = Mapping[str, tuple[str, ...]]  # process id → its publication user tasks


def _published_instances(publications: Publications, township_id: int | None = None):
    """Ids of instances whose every publication task is completed (公布 by each party)."""
    clauses = [and_(ProcessInstance.process_id == pid, HumanTask.task_spec_name.in_(tasks))
               for pid, tasks in publications.items() if tasks]
    if not clauses:
        return None
    needed = case(*((ProcessInstance.process_id == pid, len(tasks))
                    for pid, tasks in publications.items() if tasks), else_=0)
    query = (select(HumanTask.instance_id)
             .join(ProcessInstance, ProcessInstance.id == HumanTask.instance_id)
             .where(HumanTask.state == "completed", or_(*clauses))
             .group_by(HumanTask.instance_id, ProcessInstance.process_id)
             .having(func.count(func.distinct(HumanTask.task_spec_name)) == func.max(needed)))
    if township_id is not None:
        query = query.where(ProcessInstance.township_id == township_id)
    return query


def published_letters(session: Session, township_id: int, publications: Publications) -> list[Document]:
    """Letters and decisions whose procedure published them, even before the term begins."""
    instances = _published_instances(publications, township_id)
    if instances is None:
        return []
    query = select(Document).where(Document.instance_id.in_(instances)).order_by(Document.id)
    return list(session.scalars(query))


def public_document(session: Session, document_id: int,
                    publications: Publications | None = None) -> Document:
    """A document the public may read: behind a published delegation or publication, never a draft."""
    doc = session.get(Document, document_id)
    published = doc is not None and session.scalar(
        select(func.count(Delegation.id)).where(Delegation.document_no == doc.document_no,
                                                Delegation.status.in_(PUBLIC_STATUSES)))
    if doc is not None and not published and doc.instance_id is not None and publications:
        instances = _published_instances(publications)
        published = instances is not None and doc.instance_id in set(session.scalars(
            instances.where(HumanTask.instance_id == doc.instance_id)))
    if not published:
        raise NotFound(f"未找到公开文书：{document_id} / unknown public document: {document_id}")
    return doc
