"""The test county of procedure_world plus what cases need: delegations, reviewers, police, rules."""

from __future__ import annotations

import shutil
from datetime import UTC, date, datetime

from sqlalchemy import select

import workflows.procedures.legal_review.steps  # noqa: F401
from models import Delegation, DelegationMode, DelegationStatus, OrgKind, PowerItem, Role, User
from tests.support.procedure_world import BPMN_DIR, County, _item, _org, _user, in_transaction
from tests.support.procedure_world import build_county as build_procedure_county
from workflows.calendar.legal_calendar import LegalCalendar
from workflows.cases.rules import Officer
from workflows.deadlines.rules import seed_deadline_rules
from workflows.procedures import build_engine
from workflows.procedures.case_handling.filing import file_case

CASE_FILES = ("case_handling.bpmn", "legal_review.bpmn")


def _delegate(session, clock, item, town, mode) -> Delegation:
    row = Delegation(item_id=item.id, township_id=town.id, mode=mode, status=DelegationStatus.EFFECTIVE,
                     effective_from=date(2025, 1, 1), effective_to=date(2027, 12, 31) if mode == "entrust"
                     else None, document_no="故政字〔2025〕1号", created_at=clock.now(), updated_at=clock.now())
    session.add(row)
    return row


def build_case_county(session, clock, tmp_path, extra_files: tuple[str, ...] = ()) -> County:
    """Items CGJ-01 granted and NY-01 entrusted to 郑口镇; CGJ-02 not delegated (郑口 assists)."""
    county = build_procedure_county(session, clock, tmp_path)
    for name in (*CASE_FILES, *extra_files):
        shutil.copy(BPMN_DIR / name, county.engine.bpmn_dir / name)
    o, u = county.orgs, county.users
    with session.begin():
        items = {i.code: i for i in session.scalars(select(PowerItem))}
        items["CGJ-01"].penalty_range = "处2000元以上20000元以下的罚款"
        items["CGJ-01"].discretion_benchmark_ref = "故城县城管局裁量基准 第3条"
        items["CGJ-01"].major_decision_rule = {"hearing": True, "fine_citizen_gte": 10000, "fine_org_gte": 50000}
        _delegate(session, clock, items["CGJ-01"], o["zk"], DelegationMode.GRANT)
        _delegate(session, clock, items["NY-01"], o["zk"], DelegationMode.ENTRUST)
        _item(session, "SC-01", o["cgj"])
        o["police"] = _org(session, "故城县公安局", OrgKind.PUBLIC_SECURITY)
        u["police"] = _user(session, clock, "police", o["police"], Role.COUNTY_OFFICER)
        u["nyj_reviewer"] = _user(session, clock, "nyj_reviewer", o["nyj"], Role.LEGAL_REVIEWER)
        u["nyj_head"] = _user(session, clock, "nyj_head", o["nyj"], Role.DEPARTMENT_HEAD)
        u["zk_officer1"] = _by_name(session, "zk_officer1")
        u["zk_officer2"] = _by_name(session, "zk_officer2")
        for town in ("qh",):
            for n in (1, 2):
                u[f"{town}_officer{n}"] = _by_name(session, f"{town}_officer{n}")
        seed_deadline_rules(session, clock)
    county.engine.sync_definitions(session)
    session.commit()
    return county


def _by_name(session, username) -> User:
    return session.scalars(select(User).where(User.username == username)).one()


def officers(county: County, town: str = "zk") -> list[Officer]:
    """The two certified officers of a township, with their certificate numbers."""
    return [Officer(county.users[f"{town}_officer{n}"].id, f"冀执{town}{n}") for n in (1, 2)]


def file(session, county: County, number: str = "郑口罚〔2026〕1号", item: str = "CGJ-01", town: str = "zk",
         party_kind: str = "citizen", violation_on: date = date(2026, 2, 10), **kw):
    """File a case as 郑口镇's first officer; returns the Case."""
    args = {"item_code": item, "township": county.orgs[town], "handling_org": county.orgs[town],
            "case_number": number, "party_name": "张三", "party_kind": party_kind,
            "facts_summary": "未经许可占道经营", "violation_on": violation_on,
            "officers": officers(county, town)} | kw
    return in_transaction(session, file_case, session, county.engine, county.users[f"{town}_officer1"], **args)


def at(county: County, *args) -> None:
    """Move the county's clock to a UTC instant."""
    county.clock.set(datetime(*args, tzinfo=UTC))


NOTICE = {"notice_facts": "占道经营。", "notice_evidence": "现场照片、询问笔录", "notice_basis": "《条例》第三十六条",
          "notified_penalty": "罚款", "hearing_right": True}


def notify_and_defend(session, county: County, iid: int, defence: dict | None = None,
                      notice: dict | None = None, officer: str = "zk_officer1") -> None:
    """事先告知 then 陈述申辩 (第44–45条): by default the party defends at once and asks no hearing."""
    county.act(session, iid, "notify", officer, NOTICE | (notice or {}))
    county.act(session, iid, "defend", officer, {"defence_statement": "初次违法，请求从轻", "defence_answer": "不予采纳：情节一般",
                                                  "hearing_requested": False} | (defence or {}))

# 第59条: what a penalty decision names besides the fine (the party's address, where to pay).
PAYABLE = {"party_address": "郑口镇解放街12号", "pay_to": "故城县农商银行郑口支行"}


def reload(session, county: County) -> None:
    """A fresh engine with an empty spec cache: the next step resumes from the saved state only."""
    county.engine = build_engine(county.engine.bpmn_dir, county.clock, LegalCalendar())
    county.engine.sync_definitions(session)
    session.commit()
