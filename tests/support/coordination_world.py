"""The procedure test county plus what coordination needs: township organs, a county platform,
officers in every organ, the deadline rules and the coordination BPMN files."""

from __future__ import annotations

import shutil
from pathlib import Path

from sqlalchemy import select

import workflows.procedures.duty_access.steps  # noqa: F401
import workflows.procedures.joint_enforcement.steps  # noqa: F401
import workflows.procedures.mutual_notification.steps  # noqa: F401
import workflows.procedures.work_order.steps  # noqa: F401
from models import Deadline, Organization, OrgKind, Role, User
from tests.support.procedure_world import BPMN_DIR, County, _org, _user, build_county, fingerprint
from workflows.deadlines.rules import seed_deadline_rules

COORDINATION = ("case_transfer_send.bpmn", "case_transfer_receive.bpmn", "joint_enforcement.bpmn",
                "mutual_notification.bpmn", "work_order.bpmn", "duty_access.bpmn",
                "case_handling.bpmn", "legal_review.bpmn")  # a transfer hands the case over (第25条)


def _organ(session, name: str, township: Organization) -> Organization:
    org = Organization(name=name, kind=OrgKind.TOWNSHIP_ORGAN, parent_id=township.id,
                       township_id=township.id, short_name=name[-6:])
    session.add(org)
    session.flush()
    return org


def build_coordination_county(session, clock, tmp_path: Path) -> County:
    """build_county + township organs, county platform staff, rules and the coordination files."""
    county = build_county(session, clock, tmp_path)
    o, u = county.orgs, county.users
    for name in COORDINATION:
        shutil.copy(BPMN_DIR / name, tmp_path / "bpmn" / name)
    seed_deadline_rules(session, clock)
    session.commit()
    with session.begin():
        o["zk_team"] = _organ(session, "郑口镇综合行政执法队", o["zk"])
        o["zk_safety"] = _organ(session, "郑口镇应急管理办公室", o["zk"])
        o["qh_team"] = _organ(session, "青罕镇综合行政执法队", o["qh"])
        o["sjj"] = _org(session, "故城县市场监督管理局", OrgKind.COUNTY_DEPARTMENT)
        u["zk_centre"] = _user(session, clock, "zk_centre", o["zk"], Role.TOWNSHIP_OFFICER)
        u["zk_team_officer"] = _user(session, clock, "zk_team_officer", o["zk_team"], Role.TOWNSHIP_OFFICER)
        u["zk_safety_officer"] = _user(session, clock, "zk_safety_officer", o["zk_safety"], Role.TOWNSHIP_OFFICER)
        u["qh_team_officer"] = _user(session, clock, "qh_team_officer", o["qh_team"], Role.TOWNSHIP_OFFICER)
        u["county_platform"] = _user(session, clock, "county_platform", o["county"], Role.COUNTY_OFFICER)
        u["sjj_officer"] = _user(session, clock, "sjj_officer", o["sjj"], Role.COUNTY_OFFICER)
        for town in ("zk", "qh"):
            u[f"{town}_officer"] = session.scalars(select(User).where(User.username == f"{town}_officer1")).one()
    county.engine.sync_definitions(session)
    session.commit()
    return county


def deadlines_of(session, instance_id: int) -> dict[str, str]:
    """Rule key → status of the deadline rows an instance started."""
    session.expire_all()
    rows = session.scalars(select(Deadline).where(Deadline.instance_id == instance_id).order_by(Deadline.id))
    return {row.rule_key: str(row.status) for row in rows}


def snapshot(session, *models) -> tuple:
    """fingerprint() plus row counts of the given coordination tables and deadlines."""
    counts = tuple(len(session.scalars(select(m.id)).all()) for m in (*models, Deadline))
    return (*fingerprint(session), counts)
