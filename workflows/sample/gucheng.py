"""Load the Gucheng county sample (故城县): organizations, organs, departments, demo users."""

from __future__ import annotations

import json
from datetime import date
from importlib import resources

from sqlalchemy import select
from sqlalchemy.orm import Session

from models import (
    EnforcementCertificate,
    Membership,
    Organization,
    OrgKind,
    PopulationClass,
    Role,
    User,
)
from workflows.accounts.passwords import hash_password
from workflows.core.audit import ensure_head, record
from workflows.core.clock import SystemClock
from workflows.core.db import unit_of_work
from workflows.sample.catalogue import load_sample_catalogue
from workflows.sample.delegations import load_sample_delegations

DEMO_PASSWORD = "quanze-demo"  # listed on the login page; demo data only


def _data() -> dict:
    return json.loads(resources.files("workflows.data").joinpath("gucheng.json").read_text("utf-8"))


def _org(session: Session, name: str, kind: OrgKind, **fields) -> Organization:
    existing = session.scalars(select(Organization).where(Organization.name == name)).first()
    if existing is not None:
        if existing.name_en is None and fields.get("name_en"):  # a sample loaded before it had English names
            existing.name_en = fields["name_en"]
        return existing
    org = Organization(name=name, kind=kind, **fields)
    session.add(org)
    session.flush()
    return org


def _load_organizations(session: Session, data: dict) -> dict[str, Organization]:
    orgs: dict[str, Organization] = {}
    for key, kind in (
        ("county", OrgKind.COUNTY_GOVERNMENT),
        ("legal_office", OrgKind.LEGAL_AFFAIRS_OFFICE),
        ("province", OrgKind.PROVINCE),
        ("public_security", OrgKind.PUBLIC_SECURITY),
    ):
        spec = data[key]
        orgs[key] = _org(session, spec["name"], kind, short_name=spec["short_name"], name_en=spec["name_en"])
    for dept in data["departments"]:
        orgs[dept["name"]] = _org(session, dept["name"], OrgKind.COUNTY_DEPARTMENT, name_en=dept["en"],
                                  short_name=dept["name"].replace("故城县", "县"))
    for tw in data["townships"]:
        township = _org(session, f"故城县{tw['name']}人民政府", OrgKind.TOWNSHIP, short_name=tw["name"],
                        name_en=tw["en"], population=tw["population"],
                        population_class=PopulationClass(tw["class"]), enforcement_team_size=12)
        orgs[tw["name"]] = township
        for pos, (organ, plates) in enumerate(data["organ_templates"][tw["class"]], start=1):
            _org(session, f"{tw['name']}{organ}", OrgKind.TOWNSHIP_ORGAN, short_name=organ,
                 name_en=f"{tw['en']} {data['organ_en'][organ]}",
                 parent_id=township.id, township_id=township.id, nameplates=plates, position=pos)
        _load_stationed(session, data, orgs, tw["name"], township)
    return orgs


def _load_stationed(session: Session, data: dict, orgs: dict, name: str, township: Organization):
    """派驻: police stations, tax and market-regulation branches stationed in each township."""
    stem = name[:-1]
    stem_en = township.name_en.rsplit(" ", 1)[0]  # "Zhengkou Town" → "Zhengkou"
    police = orgs["public_security"]
    _org(session, f"{police.name}{stem}{data['stationed_police_suffix']}", OrgKind.COUNTY_DEPARTMENT,
         short_name=f"{stem}{data['stationed_police_suffix']}", parent_id=police.id,
         name_en=f"{stem_en} {data['stationed_police_suffix_en']}, {police.name_en}",
         township_id=township.id, is_stationed=True)
    for dept in data["departments"]:
        suffix = dept.get("stationed_suffix")
        if suffix:
            parent = orgs[dept["name"]]
            _org(session, f"{parent.name}{stem}{suffix}", OrgKind.COUNTY_DEPARTMENT,
                 short_name=f"{stem}{suffix}", parent_id=parent.id, township_id=township.id,
                 name_en=f"{stem_en} {dept['stationed_suffix_en']}, {parent.name_en}", is_stationed=True)


# username, display name, organization key, roles, certificate number or None
DEMO_USERS = [
    ("admin", "系统管理员", "county", [Role.ADMIN], None),
    ("cgj_officer", "县城管局 王科员", "故城县城市管理综合行政执法局", [Role.COUNTY_OFFICER], "冀执字1301001"),
    ("nyj_officer", "县农业农村局 李科员", "故城县农业农村局", [Role.COUNTY_OFFICER], "冀执字1301002"),
    ("nyj_head", "县农业农村局 钱局长", "故城县农业农村局", [Role.DEPARTMENT_HEAD], None),
    ("cgj_head", "县城管局 郑局长", "故城县城市管理综合行政执法局", [Role.DEPARTMENT_HEAD], None),
    ("approver", "县政府 赵副县长", "county", [Role.COUNTY_APPROVER], None),
    ("reviewer", "县司法局 孙审核员", "legal_office", [Role.LEGAL_REVIEWER], None),
    ("cgj_reviewer", "县城管局 周法制员", "故城县城市管理综合行政执法局", [Role.LEGAL_REVIEWER], None),
    # 水利局: its inspection item JC-SL-01 may be granted or entrusted and is free in every township.
    ("sl_officer", "县水利局 钱科员", "故城县水利局", [Role.COUNTY_OFFICER], "冀执字1301003"),
    # A legal reviewer (法制审核人员) in every department with items: a case on an entrusted item is
    # decided in the entrusting department's name, so its review goes there (行政处罚法 第20、58条).
    ("nyj_reviewer", "县农业农村局 冯法制员", "故城县农业农村局", [Role.LEGAL_REVIEWER], None),
    ("sl_reviewer", "县水利局 褚法制员", "故城县水利局", [Role.LEGAL_REVIEWER], None),
    ("zrzy_reviewer", "县自然资源和规划局 卫法制员", "故城县自然资源和规划局", [Role.LEGAL_REVIEWER], None),
    ("sthj_reviewer", "生态环境分局 蒋法制员", "衡水市生态环境局故城县分局", [Role.LEGAL_REVIEWER], None),
    ("xf_reviewer", "县消防救援大队 沈法制员", "故城县消防救援大队", [Role.LEGAL_REVIEWER], None),
    ("jt_reviewer", "县交通运输局 韩法制员", "故城县交通运输局", [Role.LEGAL_REVIEWER], None),
    ("zj_reviewer", "县住建局 杨法制员", "故城县住房和城乡建设局", [Role.LEGAL_REVIEWER], None),
    ("scjg_reviewer", "县市场监管局 朱法制员", "故城县市场监督管理局", [Role.LEGAL_REVIEWER], None),
    # 市场监管局 verifies clues within its sector's 15 working days (市场监管程序规定 第18条).
    ("scjg_officer", "县市场监管局 秦科员", "故城县市场监督管理局", [Role.COUNTY_OFFICER], "冀执字1301004"),
    ("scjg_head", "县市场监管局 许局长", "故城县市场监督管理局", [Role.DEPARTMENT_HEAD], None),
    # 公安机关 receives suspected crimes (国务院令第310号) and reviews them in its own lane.
    ("ga_officer", "县公安局 赵警官", "public_security", [Role.COUNTY_OFFICER], None),
    # A township organ handles the tickets 郑口镇 dispatches to it (工单, 故字〔2020〕6号).
    ("zk_team", "郑口镇综合行政执法队 孔队长", "郑口镇综合行政执法队", [Role.TOWNSHIP_OFFICER], "冀执字1301103"),
    ("zk_leader", "郑口镇 刘镇长", "郑口镇", [Role.TOWNSHIP_LEADER], None),
    ("zk_officer1", "郑口镇 陈队员", "郑口镇", [Role.TOWNSHIP_OFFICER], "冀执字1301101"),
    ("zk_officer2", "郑口镇 杨队员", "郑口镇", [Role.TOWNSHIP_OFFICER], "冀执字1301102"),
    ("zk_reviewer", "郑口镇 吴法制员", "郑口镇", [Role.LEGAL_REVIEWER], None),
    ("qh_leader", "青罕镇 马镇长", "青罕镇", [Role.TOWNSHIP_LEADER], None),
    ("qh_officer1", "青罕镇 郭队员", "青罕镇", [Role.TOWNSHIP_OFFICER], "冀执字1301201"),
    ("qh_officer2", "青罕镇 何队员", "青罕镇", [Role.TOWNSHIP_OFFICER], "冀执字1301202"),
]


def _load_users(session: Session, orgs: dict[str, Organization], clock: SystemClock) -> int:
    created = 0
    password_hash = hash_password(DEMO_PASSWORD)
    for username, display, org_key, roles, cert in DEMO_USERS:
        if session.scalars(select(User).where(User.username == username)).first():
            continue
        user = User(username=username, display_name=display, password_hash=password_hash,
                    created_at=clock.now())
        org = orgs.get(org_key) or session.scalars(select(Organization).where(Organization.name == org_key)).one()
        user.memberships = [Membership(organization_id=org.id, role=r) for r in roles]
        if cert:
            user.certificates = [EnforcementCertificate(
                number=cert, issued_by="河北省人民政府", issued_on=date(2024, 1, 1),
                valid_until=date(2029, 12, 31))]
        session.add(user)
        created += 1
    session.flush()
    return created


def load_gucheng_sample(session: Session, clock: SystemClock) -> dict:
    """Load (idempotently) the Gucheng organizations, demo users and catalogue."""
    data = _data()
    with unit_of_work(session):
        ensure_head(session)
        orgs = _load_organizations(session, data)
        users = _load_users(session, orgs, clock)
        extra = load_sample_catalogue(session, clock)
        extra.update(load_sample_delegations(session, clock))  # needs items and officers
        record(session, at=clock.now(), action="sample.loaded", subject_type="county",
               subject_id=orgs["county"].id, data={"users": users, **extra})
    count = session.scalar(select(Organization.id).order_by(Organization.id.desc()).limit(1))
    return {"organizations": count, "users_created": users, **extra}

