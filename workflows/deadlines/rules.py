"""Legal periods as data: validate, seed and resolve deadline rules (design.md §4)."""

from __future__ import annotations

import json
from importlib import resources
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from models import DeadlineRule, ExpiryAction, Organization, OrgKind, PeriodUnit, Role
from workflows.core.audit import record
from workflows.core.db import unit_of_work
from workflows.core.errors import LegalRuleViolation, NotFound, ValidationFailed

UNITS = {u.value for u in PeriodUnit}
ACTIONS = {a.value for a in ExpiryAction}
ROLES = {r.value for r in Role}
REQUIRED = ("key", "name_zh", "name_en", "legal_basis", "basis_kind", "amount", "unit", "start_event")
# What a rule's basis is (domain.md §9): a statute (法律、行政法规), a sector rule (部门规章 or a
# State Council normative document), a local practice, or a design default (not law at all).
BASIS_KINDS = ("statute", "sector_rule", "local_practice", "design_default")
# A sector rule binds only its sector's organs, recognised by words in the organ's name.
SECTORS = {"market_regulation": ("市场监督", "市场监管")}


def load_rule_specs(path: str | Path | None = None) -> list[dict]:
    """The rule specs of the shipped file (workflows/data/deadline_rules.json) or of `path`."""
    if path is None:
        raw = resources.files("workflows.data").joinpath("deadline_rules.json").read_text("utf-8")
    else:
        raw = Path(path).read_text(encoding="utf-8")
    return json.loads(raw)["rules"]


def _amount_errors(value, field: str, errors: dict[str, list[str]]) -> None:
    if not isinstance(value, int) or isinstance(value, bool):
        errors.setdefault(field, []).append(f"须为整数 / must be an integer: {value!r}")
    elif value < 0:
        errors.setdefault(field, []).append(f"不得为负数 / must not be negative: {value}")


def _unit_errors(value, field: str, errors: dict[str, list[str]]) -> None:
    if value not in UNITS:
        errors.setdefault(field, []).append(
            f"未知单位 {value!r}，应为 {sorted(UNITS)} / unknown unit {value!r}"
        )


def validate_rule_spec(spec: dict) -> dict[str, list[str]]:
    """Every problem with one rule spec, keyed by field (empty when the spec is sound)."""
    errors: dict[str, list[str]] = {}
    for field in REQUIRED:
        if spec.get(field) in (None, ""):
            errors.setdefault(field, []).append("必填 / required")
    _amount_errors(spec.get("amount"), "amount", errors)
    _unit_errors(spec.get("unit"), "unit", errors)
    warn = spec.get("warn_before") or {"amount": 0, "unit": spec.get("unit")}
    _amount_errors(warn.get("amount"), "warn_before.amount", errors)
    _unit_errors(warn.get("unit"), "warn_before.unit", errors)
    if spec.get("on_expiry", "notify") not in ACTIONS:
        errors.setdefault("on_expiry", []).append(f"应为 {sorted(ACTIONS)} / must be one of them")
    if spec.get("direction", "after") not in ("after", "before"):
        errors.setdefault("direction", []).append("应为 after 或 before / must be after or before")
    for field in ("escalate_to_role", "extension_role"):
        if spec.get(field) is not None and spec[field] not in ROLES:
            errors.setdefault(field, []).append(f"未知角色 / unknown role: {spec[field]!r}")
    if spec.get("on_expiry") == "escalate" and not spec.get("escalate_to_role"):
        errors.setdefault("escalate_to_role", []).append("升级须指定角色 / escalation needs a role")
    if spec.get("extension_amount") is not None:
        _amount_errors(spec["extension_amount"], "extension_amount", errors)
    _basis_errors(spec, errors)
    return errors


def _basis_errors(spec: dict, errors: dict[str, list[str]]) -> None:
    """The kind of basis is named; only a basis that provides an extension may give one."""
    kind = spec.get("basis_kind")
    if kind not in (None, "") and kind not in BASIS_KINDS:
        errors.setdefault("basis_kind", []).append(f"应为 {list(BASIS_KINDS)} / must be one of them: {kind!r}")
    if kind == "design_default" and spec.get("source_label", "S") != "D":
        errors.setdefault("source_label", []).append("设计默认的来源标记须为 D / a design default is labelled D")
    if spec.get("sector") is not None and spec["sector"] not in SECTORS:
        errors.setdefault("sector", []).append(f"未知行业 / unknown sector: {spec['sector']!r}")
    if not isinstance(spec.get("extension_collective", False), bool):
        errors.setdefault("extension_collective", []).append("须为 true/false / must be a boolean")


def _apply(row: DeadlineRule, spec: dict) -> None:
    warn = spec.get("warn_before") or {"amount": 0, "unit": spec["unit"]}
    row.name_zh, row.name_en = spec["name_zh"], spec["name_en"]
    row.legal_basis, row.source_label = spec["legal_basis"], spec.get("source_label", "S")
    row.amount, row.unit, row.direction = spec["amount"], spec["unit"], spec.get("direction", "after")
    row.start_event = spec["start_event"]
    row.warn_before_amount, row.warn_before_unit = warn["amount"], warn["unit"]
    row.on_expiry = ExpiryAction(spec.get("on_expiry", "notify"))
    row.escalate_to_role = spec.get("escalate_to_role")
    row.extension_amount, row.extension_role = spec.get("extension_amount"), spec.get("extension_role")
    row.extension_collective = bool(spec.get("extension_collective", False))
    row.basis_kind, row.sector = spec["basis_kind"], spec.get("sector")
    row.note = spec.get("note")


def _check_all(specs: list[dict]) -> None:
    """Refuse the whole set when any spec is bad, naming each rule and field."""
    problems: dict[str, list[str]] = {}
    seen: set[str] = set()
    for index, spec in enumerate(specs):
        label = spec.get("key") or f"#{index + 1}"
        for field, msgs in validate_rule_spec(spec).items():
            problems[f"{label}.{field}"] = msgs
        if label in seen:
            problems[f"{label}.key"] = ["规则键重复 / duplicate rule key"]
        seen.add(label)
    if problems:
        raise ValidationFailed(problems, "期限规则有误 / invalid deadline rules")


def upsert_rules(session: Session, clock, specs: list[dict], *, county: Organization | None = None) -> int:
    """Validate all specs first, then create or update them (county-scoped when `county`).

    Returns how many rules were created or changed."""
    _check_all(specs)
    county_id = county.id if county is not None else None
    with unit_of_work(session):
        existing = {
            r.key: r
            for r in session.scalars(
                select(DeadlineRule).where(
                    DeadlineRule.county_org_id.is_(None) if county_id is None
                    else DeadlineRule.county_org_id == county_id
                )
            )
        }
        changed = []
        for spec in specs:
            row = existing.get(spec["key"])
            if row is None:
                row = DeadlineRule(key=spec["key"], county_org_id=county_id)
                session.add(row)
            _apply(row, spec)
            if row.id is None or session.is_modified(row):
                changed.append(spec["key"])
        session.flush()
        if changed:  # re-seeding an unchanged file writes nothing
            record(session, at=clock.now(), action="deadline_rules.upserted",
                   subject_type="deadline_rules", subject_id=str(county_id or "default"),
                   data=specs, details={"keys": changed})
    return len(changed)


def seed_deadline_rules(session: Session, clock, path: str | Path | None = None) -> int:
    """Load the shipped rule file (or `path`) into the table; idempotent."""
    return upsert_rules(session, clock, load_rule_specs(path))


def county_of(session: Session, org: Organization | None) -> Organization | None:
    """The county government above an organization, or the only county in the database."""
    seen = set()
    while org is not None and org.id not in seen:
        if org.kind == OrgKind.COUNTY_GOVERNMENT:
            return org
        seen.add(org.id)
        org = session.get(Organization, org.parent_id) if org.parent_id else None
    counties = session.scalars(
        select(Organization).where(Organization.kind == OrgKind.COUNTY_GOVERNMENT).limit(2)
    ).all()
    return counties[0] if len(counties) == 1 else None


def check_sector(rule: DeadlineRule, org: Organization | None) -> None:
    """A sector rule's period applies only to that sector's organs (e.g. 市场监管 clue checks)."""
    if rule.sector is None:
        return
    if org is None or not any(word in org.name for word in SECTORS.get(rule.sector, ())):
        raise LegalRuleViolation(
            f"「{rule.name_zh}」是{rule.sector}部门的行业规则，不适用于{org.name if org else '未指明机关'} / "
            f"{rule.key} is a {rule.sector} sector rule and does not bind this organ",
            article=rule.legal_basis.split("：")[0], rule_key=rule.key)


def resolve_rule(session: Session, key: str, county: Organization | None = None) -> DeadlineRule:
    """The county's override of a rule when it has one, otherwise the default row."""
    rows = session.scalars(select(DeadlineRule).where(DeadlineRule.key == key)).all()
    if county is not None:
        for row in rows:
            if row.county_org_id == county.id:
                return row
    for row in rows:
        if row.county_org_id is None:
            return row
    raise NotFound(f"未知期限规则：{key} / unknown deadline rule: {key}", rule_key=key)
