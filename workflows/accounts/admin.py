"""Administration: users, role memberships, organizations and enforcement certificates."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from models import EnforcementCertificate, Membership, Organization, OrgKind, Role, User
from workflows.accounts.access import Principal, require_admin
from workflows.accounts.passwords import hash_password
from workflows.accounts.sessions import end_user_sessions
from workflows.core.audit import record
from workflows.core.db import unit_of_work
from workflows.core.errors import Conflict, NotFound, ValidationFailed

MIN_PASSWORD = 8


def _user(session: Session, user_id: int) -> User:
    user = session.get(User, user_id)
    if user is None:
        raise NotFound(f"未知用户：{user_id} / unknown user: {user_id}")
    return user


def _org(session: Session, org_id: int) -> Organization:
    org = session.get(Organization, org_id)
    if org is None:
        raise NotFound(f"未知机构：{org_id} / unknown organization: {org_id}")
    return org


def _check_password(password: str) -> None:
    if len(password or "") < MIN_PASSWORD:
        raise ValidationFailed({"password": [f"密码至少{MIN_PASSWORD}位 / at least {MIN_PASSWORD} characters"]})


def _audit(session, principal, now, action, subject_type, subject_id, details=None):
    record(session, at=now, action=action, subject_type=subject_type, subject_id=subject_id,
           actor_user_id=principal.user_id, details=details or {})


def list_users(session: Session, principal: Principal) -> list[User]:
    """Every user, for the administrator."""
    require_admin(principal)
    return list(session.scalars(select(User).order_by(User.username)))


def get_user(session: Session, principal: Principal, user_id: int) -> User:
    """One user with memberships and certificates, for the administrator."""
    require_admin(principal)
    return _user(session, user_id)


def create_user(session: Session, principal: Principal, *, username: str, display_name: str,
                password: str, now: datetime, locale: str = "zh_CN") -> User:
    """Create an account; usernames are unique."""
    require_admin(principal)
    _check_password(password)
    with unit_of_work(session):
        if session.scalars(select(User).where(User.username == username)).first():
            raise Conflict(f"用户名已存在：{username} / username taken: {username}", field="username")
        user = User(username=username, display_name=display_name, password_hash=hash_password(password),
                    locale=locale, created_at=now)
        session.add(user)
        session.flush()
        _audit(session, principal, now, "user.created", "user", user.id, {"username": username})
    return user


def update_user(session: Session, principal: Principal, user_id: int, *, now: datetime,
                display_name: str | None = None, is_active: bool | None = None,
                password: str | None = None, locale: str | None = None) -> User:
    """Change a user's name, active flag, password or language."""
    require_admin(principal)
    if password is not None:
        _check_password(password)
    if is_active is False and user_id == principal.user_id:
        raise Conflict("不能停用自己的账号 / you cannot disable your own account", field="is_active")
    with unit_of_work(session):
        user = _user(session, user_id)
        changed = {}
        for name, value in (("display_name", display_name), ("is_active", is_active), ("locale", locale)):
            if value is not None:
                setattr(user, name, value)
                changed[name] = value
        if password is not None:
            user.password_hash = hash_password(password)
            changed["password"] = "reset"
            end_user_sessions(session, user.id, now, "password_changed")
        if is_active is False:
            end_user_sessions(session, user.id, now, "deactivated")
        _audit(session, principal, now, "user.updated", "user", user.id, changed)
    return user


def add_membership(session: Session, principal: Principal, user_id: int, org_id: int, role: Role,
                   now: datetime) -> Membership:
    """Give a user a role in an organization."""
    require_admin(principal)
    with unit_of_work(session):
        user, org = _user(session, user_id), _org(session, org_id)
        exists = session.scalars(select(Membership).where(
            Membership.user_id == user.id, Membership.organization_id == org.id,
            Membership.role == role)).first()
        if exists:
            raise Conflict("该用户已在此机构担任此角色 / the user already holds this role there")
        membership = Membership(user_id=user.id, organization_id=org.id, role=role)
        session.add(membership)
        session.flush()
        end_user_sessions(session, user.id, now, "roles_changed")
        _audit(session, principal, now, "membership.added", "user", user.id,
               {"organization_id": org.id, "role": role.value})
    return membership


def remove_membership(session: Session, principal: Principal, membership_id: int, now: datetime) -> None:
    """Take a role away from a user."""
    require_admin(principal)
    with unit_of_work(session):
        membership = session.get(Membership, membership_id)
        if membership is None:
            raise NotFound(f"未知角色分配：{membership_id} / unknown membership: {membership_id}")
        if membership.user_id == principal.user_id and membership.role == Role.ADMIN:
            raise Conflict("不能移除自己的管理员角色 / you cannot remove your own admin role")
        _audit(session, principal, now, "membership.removed", "user", membership.user_id,
               {"organization_id": membership.organization_id, "role": membership.role.value})
        end_user_sessions(session, membership.user_id, now, "roles_changed")
        session.delete(membership)


def list_organizations(session: Session, kind: OrgKind | None = None) -> list[Organization]:
    """Organizations in display order, optionally of one kind."""
    query = select(Organization).order_by(Organization.kind, Organization.position, Organization.id)
    if kind is not None:
        query = query.where(Organization.kind == kind)
    return list(session.scalars(query))


def create_organization(session: Session, principal: Principal, *, name: str, kind: OrgKind,
                        now: datetime, short_name: str | None = None, parent_id: int | None = None,
                        name_en: str | None = None) -> Organization:
    """Add an organization; names are unique."""
    require_admin(principal)
    with unit_of_work(session):
        if session.scalars(select(Organization).where(Organization.name == name)).first():
            raise Conflict(f"机构名称已存在：{name} / organization exists: {name}", field="name")
        township_id = None
        if parent_id is not None:
            parent = _org(session, parent_id)
            township_id = parent.id if parent.kind == OrgKind.TOWNSHIP else parent.township_id
        elif kind == OrgKind.TOWNSHIP_ORGAN:
            raise ValidationFailed({"parent_id": ["乡镇内设机构须指定所属乡镇 / a township organ needs its township"]})
        org = Organization(name=name, kind=kind, short_name=short_name, parent_id=parent_id,
                           name_en=name_en, township_id=township_id)
        session.add(org)
        session.flush()
        _audit(session, principal, now, "organization.created", "organization", org.id,
               {"name": name, "kind": kind.value})
    return org


def add_certificate(session: Session, principal: Principal, user_id: int, *, number: str,
                    valid_until: date, now: datetime, issued_by: str | None = None,
                    issued_on: date | None = None) -> EnforcementCertificate:
    """Record an enforcement certificate (执法证, 行政处罚法 第42条) for a user."""
    require_admin(principal)
    if issued_on is not None and valid_until < issued_on:
        raise ValidationFailed({"valid_until": ["有效期不能早于发证日期 / ends before it was issued"]})
    with unit_of_work(session):
        user = _user(session, user_id)
        if session.scalars(select(EnforcementCertificate).where(EnforcementCertificate.number == number)).first():
            raise Conflict(f"证件号已存在：{number} / certificate number taken: {number}", field="number")
        cert = EnforcementCertificate(user_id=user.id, number=number, valid_until=valid_until,
                                      issued_by=issued_by, issued_on=issued_on)
        session.add(cert)
        session.flush()
        _audit(session, principal, now, "certificate.added", "user", user.id, {"number": number})
    return cert


def revoke_certificate(session: Session, principal: Principal, cert_id: int, revoked_on: date,
                       now: datetime) -> EnforcementCertificate:
    """Revoke a certificate from a date on; the officer may no longer act in enforcement."""
    require_admin(principal)
    with unit_of_work(session):
        cert = session.get(EnforcementCertificate, cert_id)
        if cert is None:
            raise NotFound(f"未知执法证：{cert_id} / unknown certificate: {cert_id}")
        cert.revoked_on = revoked_on
        _audit(session, principal, now, "certificate.revoked", "user", cert.user_id,
               {"number": cert.number, "revoked_on": revoked_on.isoformat()})
    return cert
