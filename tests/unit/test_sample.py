"""`quanze init --sample`: the Gucheng (故城县) sample loads completely and idempotently."""

from __future__ import annotations

from collections import Counter

import pytest
from sqlalchemy import func, select

from models import (
    AuditEvent,
    ItemCategory,
    Membership,
    Organization,
    OrgKind,
    PopulationClass,
    PowerItem,
    Role,
    User,
)
from workflows.core.audit_verify import verify_chain
from workflows.sample.gucheng import load_gucheng_sample

# The checks below read the sample as `load_gucheng_sample` leaves it: a copy of the session's
# template, which that same function loaded once (tests/support/templates.py).
LOADED = pytest.mark.database("gucheng_sample")
ORGANS_PER_CLASS = {PopulationClass.UNDER_30K: 7, PopulationClass.FROM_30K_TO_50K: 8,
                    PopulationClass.FROM_50K_TO_100K: 9, PopulationClass.OVER_100K: 10}


def _snapshot(session) -> dict:
    """Row counts of everything the sample writes, except the audit trail."""
    return {table.__name__: session.scalar(select(func.count(table.id)))
            for table in (Organization, User, Membership, PowerItem)}


def test_sample_loads_twice_without_duplicating_anything(session, clock):
    first = load_gucheng_sample(session, clock)
    counts = _snapshot(session)
    second = load_gucheng_sample(session, clock)
    assert _snapshot(session) == counts
    assert first["items_created"] == 39 and second["items_created"] == 0
    assert second["items_updated"] == 0 and second["items_unchanged"] == 39
    assert second["users_created"] == 0
    assert verify_chain(session).ok


@LOADED
def test_thirteen_townships_with_the_organs_of_their_population_class(session, clock):
    """故城县深化乡镇改革方案: 7/8/9/10 organs by population class."""
    townships = session.scalars(select(Organization).where(
        Organization.kind == OrgKind.TOWNSHIP)).all()
    assert len(townships) == 13
    organs = Counter(session.scalars(select(Organization.township_id).where(
        Organization.kind == OrgKind.TOWNSHIP_ORGAN)).all())
    for town in townships:
        assert organs[town.id] == ORGANS_PER_CLASS[town.population_class], town.name
    assert {t.population_class for t in townships} == set(ORGANS_PER_CLASS)


@LOADED
def test_stationed_agencies_are_flagged_in_every_township(session, clock):
    """派驻: police stations, tax and market-regulation branches serve each township."""
    stationed = session.scalars(select(Organization).where(Organization.is_stationed)).all()
    per_town = Counter(o.township_id for o in stationed)
    assert len(per_town) == 13 and set(per_town.values()) == {3}
    assert all(o.kind == OrgKind.COUNTY_DEPARTMENT and o.parent_id for o in stationed)
    assert any(o.name.endswith("派出所") for o in stationed)


@LOADED
def test_demo_users_hold_every_role_and_officers_hold_certificates(session, clock):
    """行政处罚法 第42条: township enforcement officers carry enforcement certificates."""
    roles = set(session.scalars(select(Membership.role)).all())
    assert roles == set(Role)
    officers = session.scalars(select(User).join(Membership).where(
        Membership.role == Role.TOWNSHIP_OFFICER)).all()
    assert officers and all(u.certificates for u in officers)


@LOADED
def test_catalogue_has_the_32_sample_items_and_the_related_powers(session, clock):
    items = {i.code: i for i in session.scalars(select(PowerItem))}
    penalties = [i for i in items.values() if i.code.startswith("ILLUS-CF-") and i.code != "ILLUS-CF-GA-01"]
    assert len(penalties) == 32
    assert all(i.department.kind == OrgKind.COUNTY_DEPARTMENT for i in penalties)
    side = [i for i in items.values() if i.code.startswith(("ILLUS-JC-", "ILLUS-QZ-"))]
    assert {i.category for i in side} == {ItemCategory.INSPECTION, ItemCategory.COERCION}
    assert [r.code for r in items["ILLUS-CF-SL-01"].related] == ["ILLUS-JC-SL-01"]
    assert {r.code for r in items["ILLUS-CF-NYNC-02"].related} == {"ILLUS-JC-NYNC-01",
                                                                   "ILLUS-QZ-NYNC-01"}


@LOADED
def test_detention_item_stays_with_public_security_行政处罚法第18条(session, clock):
    """行政处罚法 第18条: a power restricting personal liberty is never offered to a township."""
    item = session.scalars(select(PowerItem).where(PowerItem.code == "ILLUS-CF-GA-01")).one()
    assert item.restricts_personal_liberty is True
    assert item.modes_allowed == ["assist"] and item.in_provincial_guidance is False
    assert item.department.name == "故城县公安局"
    assert item.department.kind == OrgKind.PUBLIC_SECURITY


@LOADED
def test_catalogue_import_is_audited(session, clock):
    actions = session.scalars(select(AuditEvent.action)).all()
    assert actions.count("catalogue.items_imported") == 2


def _free(session, department_id: int, mode: str, on) -> set[tuple[str, int]]:
    """(item code, township) pairs of the department that a new delegation in `mode` may take on `on`."""
    from workflows.registry.drafts import DelegationDraft
    from workflows.registry.rules import check_drafts

    items = session.scalars(select(PowerItem).where(PowerItem.department_id == department_id)).all()
    towns = session.scalars(select(Organization.id).join(Membership, Membership.organization_id == Organization.id)
                            .where(Organization.kind == OrgKind.TOWNSHIP,
                                   Membership.role == Role.TOWNSHIP_OFFICER).distinct()).all()
    free = set()
    for item in items:
        if mode not in item.modes_allowed:
            continue
        for town in towns:
            draft = DelegationDraft(item.code, town, mode, on, on.replace(year=on.year + 1) if mode == "entrust"
                                    else None)
            if not check_drafts(session, [draft]):
                free.add((item.code, town))
    return free


@LOADED
def test_demo_departments_have_items_free_to_entrust_and_to_grant_today_第20_24条(session, clock):
    """Issue 10 §8: a new letter (第20条) and a new grant (第24条) can start today for a township with officers."""
    officers = session.scalars(select(Membership).join(User).where(
        Membership.role == Role.COUNTY_OFFICER, User.username.like("%_officer"))).all()
    entrust = {m.organization_id for m in officers if _free(session, m.organization_id, "entrust", clock.today())}
    grant = {m.organization_id for m in officers if _free(session, m.organization_id, "grant", clock.today())}
    assert len(entrust) >= 2 and len(grant) >= 2, (entrust, grant)


@LOADED
def test_every_department_with_items_has_a_legal_reviewer_第58条(session, clock):
    """行政处罚法 第58条: a case in an entrusting department's name is reviewed by that department's reviewers."""
    departments = set(session.scalars(select(PowerItem.department_id).join(Organization, Organization.id ==
                      PowerItem.department_id).where(Organization.kind == OrgKind.COUNTY_DEPARTMENT)))
    reviewed = set(session.scalars(select(Membership.organization_id).where(Membership.role == Role.LEGAL_REVIEWER)))
    assert len(departments) >= 9 and departments <= reviewed, departments - reviewed
    legal_office = session.scalars(select(Organization.id).where(Organization.kind == OrgKind.LEGAL_AFFAIRS_OFFICE)).one()
    assert legal_office in reviewed


@LOADED
def test_every_organization_and_item_has_an_english_name(session, clock):
    """English pages print name_en (issue 10 §5): the sample leaves none of its organs or items without one."""
    assert session.scalars(select(Organization.name).where(Organization.name_en.is_(None))).all() == []
    assert session.scalars(select(PowerItem.code).where(PowerItem.name_en.is_(None))).all() == []
    organ = session.scalars(select(Organization).where(Organization.name == "郑口镇综合行政执法队")).one()
    assert organ.name_en == "Zhengkou Town Comprehensive Administrative Enforcement Team"
