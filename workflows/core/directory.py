"""Look up organizations, users and catalogue items by id, code or Chinese name."""

from __future__ import annotations

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from models import Organization, OrgKind, PowerItem, User
from workflows.core.errors import NotFound


def find_org(session: Session, ref: str | int, kind: OrgKind | None = None) -> Organization:
    """An organization by id, full name or short name (e.g. '郑口镇'), optionally of one kind."""
    query = select(Organization)
    if isinstance(ref, int) or (isinstance(ref, str) and ref.isdigit()):
        query = query.where(Organization.id == int(ref))
    else:
        name = ref.strip()
        query = query.where(or_(Organization.name == name, Organization.short_name == name))
    if kind is not None:
        query = query.where(Organization.kind == kind)
    found = session.scalars(query).all()
    if len(found) != 1:
        what = {OrgKind.TOWNSHIP: "乡镇 / township", OrgKind.COUNTY_DEPARTMENT: "县直部门 / department"}
        label = what.get(kind, "机构 / organization")
        if not found:
            raise NotFound(f"未找到{label}：{ref} / unknown {label.split(' / ')[-1]}: {ref}", ref=str(ref))
        raise NotFound(f"名称不唯一：{ref} / ambiguous name: {ref}", ref=str(ref))
    return found[0]


def find_township(session: Session, ref: str | int) -> Organization:
    """A township by id or name."""
    return find_org(session, ref, OrgKind.TOWNSHIP)


def find_item(session: Session, code: str) -> PowerItem:
    """A catalogue item by its code."""
    item = session.scalars(select(PowerItem).where(PowerItem.code == code.strip())).first()
    if item is None:
        raise NotFound(f"未知事项编码：{code} / unknown item code: {code}", code=code)
    return item


def find_user(session: Session, ref: str | int) -> User:
    """A user by id or username."""
    if isinstance(ref, int) or str(ref).isdigit():
        user = session.get(User, int(ref))
    else:
        user = session.scalars(select(User).where(User.username == ref)).first()
    if user is None:
        raise NotFound(f"未知用户：{ref} / unknown user: {ref}", ref=str(ref))
    return user
