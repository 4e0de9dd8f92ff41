"""Rules shared by the grant, entrustment and evaluation procedures (行政处罚法 第20、21、24条)."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from models import Membership, Organization, OrgKind, PowerItem, Role, User
from workflows.core.errors import (
    LegalRuleViolation,
    NotFound,
    PermissionDenied,
    ValidationFailed,
    with_article,
)
from workflows.registry.rules import MIN_CERTIFIED_OFFICERS, certified_officers

ART_20 = "行政处罚法 第20条"
ART_21 = "行政处罚法 第21条"
ART_24 = "行政处罚法 第24条"
GUCHENG_PLAN = "故城县深化乡镇改革方案（故字〔2020〕6号）"
# The Gucheng plan staffs each township's comprehensive enforcement team with at least 10.
MIN_GRANT_TEAM_SIZE = 10


def items_by_codes(session: Session, codes: list[str]) -> list[PowerItem]:
    """Catalogue items in the order given; every unknown code is reported at once."""
    if not isinstance(codes, list) or not codes or not all(isinstance(c, str) for c in codes):
        raise ValidationFailed({"item_codes": ["至少选择一个事项 / choose at least one item"]})
    found = {i.code: i for i in session.scalars(select(PowerItem).where(PowerItem.code.in_(codes)))}
    unknown = [c for c in codes if c not in found]
    if unknown:
        raise ValidationFailed({"item_codes": [f"未知事项编码：{c} / unknown item code: {c}" for c in unknown]})
    return [found[c] for c in codes]


def refuse_problems(problems: list[dict], fields: dict[str, str], message: str) -> None:
    """Registry problems as the start form's field errors; each clash travels with its details."""
    if not problems:
        return
    errors: dict[str, list[str]] = {}
    for p in problems:
        errors.setdefault(fields.get(p["field"], p["field"]), []).append(with_article(p["message"], p.get("article")))
    articles = sorted({p["article"] for p in problems if p.get("article")})
    raise ValidationFailed(errors, message=message, problems=problems,
                           **({"article": "；".join(articles)} if articles else {}))


def check_department_owns(department: Organization, items: list[PowerItem], article: str) -> None:
    """A department may hand over only powers it holds itself (第20条 法定权限内, 第24条)."""
    foreign = [i for i in items if i.department_id != department.id]
    if foreign:
        listed = "、".join(f"{i.code}（{i.department.name}）" for i in foreign)
        raise LegalRuleViolation(
            f"{department.name} 不是下列事项的实施机关，不得提出：{listed} / {department.name} does not "
            f"hold these items: {', '.join(i.code for i in foreign)}",
            article=article, item_codes=[i.code for i in foreign])


def check_certified_team(session: Session, township: Organization, on: date, article: str) -> int:
    """第21条/第42条: the township needs at least two certified enforcement officers."""
    count = certified_officers(session, township.id, on)
    if count < MIN_CERTIFIED_OFFICERS:
        raise LegalRuleViolation(
            f"{township.name} 于 {on} 持有效执法证的执法人员仅 {count} 名，至少需 {MIN_CERTIFIED_OFFICERS} 名 "
            f"/ {township.name} has {count} certified officers on {on}, needs {MIN_CERTIFIED_OFFICERS}",
            article=article, township_id=township.id, certified_officers=count)
    return count


def check_grant_team_size(township: Organization, team_size: int | None) -> None:
    """The Gucheng plan: a township taking granted powers has a team of at least 10."""
    if team_size is None or team_size < MIN_GRANT_TEAM_SIZE:
        raise LegalRuleViolation(
            f"{township.name} 综合行政执法队 {team_size or 0} 人，不足 {MIN_GRANT_TEAM_SIZE} 人，不能承接赋权事项 "
            f"/ {township.name} has an enforcement team of {team_size or 0}, a grant needs "
            f"{MIN_GRANT_TEAM_SIZE}", article=f"{ART_24}；{GUCHENG_PLAN}", township_id=township.id)


def org_of_kind(session: Session, org_id: int, kind: OrgKind, label: str) -> Organization:
    """An organization by id that must be of one kind (township, department, …)."""
    org = session.get(Organization, org_id) if isinstance(org_id, int) else None
    if org is None or org.kind != kind:
        raise NotFound(f"未找到{label}：{org_id} / unknown {label}: {org_id}", org_id=org_id)
    return org


def single_org(session: Session, kind: OrgKind) -> Organization:
    """The one organization of a kind (the county government, the legal office, the province)."""
    org = session.scalars(select(Organization).where(Organization.kind == kind).order_by(Organization.id)).first()
    if org is None:
        raise NotFound(f"未配置机构类型 {kind.value} / no organization of kind {kind.value}")
    return org


def require_role(session: Session, user: User, role: Role, org: Organization) -> None:
    """The actor must hold the role in that organization."""
    held = session.scalar(select(Membership.id).where(
        Membership.user_id == user.id, Membership.organization_id == org.id, Membership.role == role))
    if held is None:
        raise PermissionDenied(
            f"{user.display_name} 不是 {org.name} 的 {role.value}，不能执行此操作 / {user.username} is not "
            f"{role.value} of {org.name}", user_id=user.id, organization_id=org.id, role=role.value)


def as_iso_date(value, field: str) -> date:
    """An ISO date string from process data, or a clear error naming the field."""
    if isinstance(value, str):
        try:
            return date.fromisoformat(value)
        except ValueError:
            pass
    raise ValidationFailed({field: [f"应为日期 YYYY-MM-DD：{value!r} / must be a date (YYYY-MM-DD)"]})
