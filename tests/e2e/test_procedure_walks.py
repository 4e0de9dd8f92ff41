"""Every procedure carried to its end in Chromium by its people, each task reached from 待办 (issue 10).

One live server and one sample database for the module; screenshots of every step under
build/screenshots/<procedure>/ (QUANZE_SCREENSHOTS overrides). The walks run in order on the same
database, as a county's day would: later walks may use what earlier ones left.
"""

from __future__ import annotations

import os
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from models import Case, HumanTask, Organization, PartyKind, PowerItem, ProcessInstance, User
from tests.e2e.walker import Walker
from tests.support.live import live_site
from tests.support.webapp import PROCEDURES
from workflows.core.clock import FixedClock

CHROMIUM = "/usr/bin/chromium"
SHOTS = Path(os.environ.get("QUANZE_SCREENSHOTS", Path(__file__).resolve().parents[2] / "build" / "screenshots"))
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]
pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="/usr/bin/chromium is missing (`.ci/run` installs it)"),
]
# Monday 2026-11-30 09:00 in Gucheng: the sample's entrustments run 2026-01-01 – 2027-12-31.
START = datetime(2026, 11, 30, 1, 0, tzinfo=UTC)


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    """A live server over an SQLite database with the Gucheng sample, for the whole module."""
    with live_site(tmp_path_factory.mktemp("walks"), FixedClock(START), "walks") as running:
        yield running


@pytest.fixture(scope="module")
def browser():
    """Headless Debian Chromium, one for the module."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def walker(site, browser):
    """A fresh page (Chinese locale) and walker; the clock is put back after each walk."""
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
    yield Walker(context.new_page(), site, SHOTS)
    context.close()
    site["clock"].set(START)


def org(site, short: str, township: str | None = None) -> str:
    """An organization's id (as the form's option value) by its short name (within a township)."""
    with site["factory"]() as s:
        query = select(Organization.id).where(Organization.short_name == short)
        if township:
            query = query.where(Organization.name == township + short)
        return str(s.scalars(query).one())


def finished(instances) -> set[str]:
    """The procedures (BPMN process ids) of instances that ran to their end."""
    return {i.process_id for i in instances if i.status == "completed"}


def test_entrustment_walk(walker, site):
    """委托 (第20条): 农业农村局 drafts, 郑口镇 gives its opinion, review, approval, both sign and publish."""
    walker.begin("entrustment")
    since = walker.last_instance_id()
    today = walker.today()
    walker.start_from_menu("nyj_officer", "entrustment", {
        "township_id": org(site, "郑口镇"), "item_codes": ["ILLUS-JC-NYNC-01"],
        "authority": "在郑口镇行政区域内实施所列行政检查和行政强制措施",
        "term_start": today.isoformat(), "term_end": (today + timedelta(days=60)).isoformat(),
        "responsibilities": "郑口镇以县农业农村局名义实施，县农业农村局承担法律责任。",
        "supervision": "县农业农村局每季度检查案卷。"})
    walker.overrides = {"renewal_decision": {"renew": "false"}}
    assert "entrustment" in finished(walker.walk(since))


def test_grant_walk(walker, site):
    """赋权 (第24条): 水利局 proposes JC-SL-01 for 青罕镇; capacity, review, county, province, publication."""
    walker.begin("grant")
    since = walker.last_instance_id()
    walker.start_from_menu("sl_officer", "grant", {"township_ids": [org(site, "青罕镇")],
                                                   "item_codes": ["ILLUS-JC-SL-01"], "note": "试点赋权"})
    walker.overrides = {"township_capacity": {"team_size": "12", "certified_officers": "2"}}
    assert "grant" in finished(walker.walk(since))


def test_duty_access_walk(walker, site):
    """职责准入 (故字〔2020〕6号 五(一)): 城管局 asks, 郑口镇 gives its opinion, the county decides."""
    walker.begin("duty_access")
    since = walker.last_instance_id()
    walker.start_from_menu("cgj_officer", "duty_access", {
        "title": "户外广告设施日常巡查", "description": "乡镇承担辖区户外广告设施日常巡查。",
        "legal_basis": "《城市市容和环境卫生管理条例》", "township_ids": [org(site, "郑口镇")],
        "staff": "1", "funding_yuan": "20000", "resources_required": "true"})
    walker.overrides = {"county_decision": {"approved_staff": "1", "approved_funding_yuan": "20000"}}
    assert "duty_access" in finished(walker.walk(since))


def test_evaluation_walk(walker, site):
    """评估 (第24条): the county evaluates 郑口镇's granted 城管 items; self-evaluation, opinion, decision."""
    walker.begin("evaluation")
    since = walker.last_instance_id()
    walker.start_from_menu("approver", "evaluation", {
        "township_id": org(site, "郑口镇"), "department_id": org(site, "县城市管理综合行政执法局"),
        "period_start": "2026-01-01", "period_end": "2026-10-31"})
    walker.overrides = {"evaluation_decision": {
        "reasons": "承接良好，全部保留。", "keep_codes": [f"ILLUS-CF-CGZF-{n:02d}" for n in range(1, 11)]}}
    assert "evaluation" in finished(walker.walk(since))


# How the case walks decide: no penalty (so no fine), which still passes the legal review (第58条) and,
# the walker answering yes to "complex", the collective discussion (第57条第二款) of three responsible persons.
DISCUSSION = {"discussion_participants": "镇长、副镇长、综合行政执法队队长"}
CASE_STEPS = {"investigate": {"proposed_decision": "no_penalty", "proposed_fine": ""},
              "discuss": DISCUSSION, "decide": {"decision_kind": "no_penalty", "fine_amount": ""}}


def _file_case(walker, site, number: str, code: str = "ILLUS-CF-CGZF-01") -> None:
    walker.start_from_menu("zk_officer1", "case_filing", {
        "township_id": org(site, "郑口镇"), "item_code": code, "case_number": number,
        "party_name": "某商户", "party_kind": "organization", "facts_summary": "占道经营，经劝阻拒不改正。",
        "violation_on": (walker.today() - timedelta(days=3)).isoformat(),
        "officers": 2})


def test_case_handling_and_legal_review_walk(walker, site):
    """立案 → 调查 → 法制审核 (第58条) → 决定 → 公示: 郑口镇 on an item granted to it."""
    walker.begin("case_handling")
    since = walker.last_instance_id()
    _file_case(walker, site, "郑口罚〔2026〕101号")
    walker.overrides = CASE_STEPS
    done = finished(walker.walk(since))
    assert "case_handling" in done


def _hearing_steps(site, hearing_on) -> dict:
    """The answers of the hearing walk: a penalty noticed, a hearing asked for, paid on time."""
    with site["factory"]() as s:
        chair = s.scalars(select(User.id).where(User.username == "zk_leader")).one()
    return {
        "investigate": {"proposed_decision": "penalty", "proposed_fine": "3000", "hearing_held": "false",
                        "complex_case": "true", "major_public_interest": "false"},
        "notify": {"notified_penalty": "罚款3000元", "hearing_right": "true"},
        "defend": {"defence_statement": "", "defence_answer": "", "defence_waived": "false",
                   "hearing_requested": "true", "hearing_on": hearing_on.isoformat(),
                   "hearing_place": "郑口镇人民政府会议室", "hearing_chair_id": str(chair)},
        "discuss": DISCUSSION | {"discussion_conclusion": "penalty"},
        "decide": {"decision_kind": "penalty", "fine_amount": "3000", "within_benchmark": "true",
                   "party_address": "郑口镇解放街12号", "pay_to": "故城县农村商业银行郑口支行"},
        "serve": {"service_method": "hand", "service_recipient": "王经理"},
        "pay": {"payment_action": "paid", "paid_amount": "3000", "remedy_from": "", "remedy_to": "",
                "deferral_until": "", "instalment_count": "", "request_reason": ""},
    }


def test_case_handling_hearing_walk(walker, site):
    """事先告知 → 听证 (noticed 7 working days ahead, 第64条) → 法制审核 → 集体讨论 → 决定 → 公示, 送达, 缴纳 → 归档."""
    walker.begin("case_handling_hearing")
    since = walker.last_instance_id()
    _file_case(walker, site, "郑口罚〔2026〕104号")
    hearing_on = walker.today() + timedelta(days=14)
    walker.overrides = _hearing_steps(site, hearing_on)
    done_tasks = []
    for _ in range(20):  # up to the hearing, then the hearing day, then the rest as any walk
        with site["factory"]() as s:
            task = s.scalars(select(HumanTask).where(HumanTask.instance_id > since, HumanTask.state.in_(
                ("ready", "claimed"))).order_by(HumanTask.id)).first()
        if task.task_spec_name == "hold_hearing":
            site["clock"].set(datetime.combine(hearing_on, datetime.min.time(), UTC) + timedelta(hours=2))
            walker.do_task(task)
            break
        walker.do_task(task)
        done_tasks.append(task.task_spec_name)
    assert done_tasks == ["investigate", "notify", "defend"]
    assert "case_handling" in finished(walker.walk(since))
    walked = [step.task for step in walker.steps]
    for task in ("hold_hearing", "review", "discuss", "decide", "publish", "serve", "pay", "archive"):
        assert task in walked, task
    with site["factory"]() as s:
        case = s.scalars(select(Case).where(Case.case_number == "郑口罚〔2026〕104号")).one()
        assert case.status == "closed" and str(case.fine_amount) == "3000.00"


def test_work_order_walk(walker, site):
    """工单 (故字〔2020〕6号): 郑口镇 receives, dispatches to an organ, it handles, the caller is called back."""
    walker.begin("work_order")
    since = walker.last_instance_id()
    walker.start_from_menu("zk_officer1", "work_order", {"description": "小区门口占道经营，影响通行。"})
    walker.overrides = {"dispatch": {"assigned_org_id": org(site, "综合行政执法队", township="郑口镇")}}
    assert "work_order" in finished(walker.walk(since))


def test_mutual_notification_walk(walker, site):
    """相互告知 (故字〔2020〕6号): 郑口镇 tells 城管局; the department acknowledges."""
    walker.begin("mutual_notification")
    since = walker.last_instance_id()
    walker.start_from_menu("zk_officer1", "mutual_notification", {
        "recipient_org_id": org(site, "县城市管理综合行政执法局"), "subject": "占道经营整治",
        "summary": "本镇将于下周开展占道经营整治。"})
    assert "mutual_notification" in finished(walker.walk(since))


def test_joint_enforcement_walk(walker, site):
    """联合执法 (浙江省综合行政执法条例 第13–14条 as practice): 郑口镇 with 城管局."""
    walker.begin("joint_enforcement")
    since = walker.last_instance_id()
    walker.start_from_menu("zk_officer1", "joint_enforcement", {
        "title": "农贸市场周边联合整治", "plan": "郑口镇牵头，城管局参与。",
        "planned_on": (walker.today() + timedelta(days=2)).isoformat(),
        "participant_ids": [org(site, "县城市管理综合行政执法局")]})
    assert "joint_enforcement" in finished(walker.walk(since))


def test_crime_transfer_walk(walker, site):
    """涉嫌犯罪移送 (国务院令第310号): from a 郑口镇 case to the county public security bureau."""
    walker.begin("crime_transfer")
    _file_case(walker, site, "郑口罚〔2026〕102号")
    since = walker.last_instance_id()
    walker.start_from_case("zk_officer1", "郑口罚〔2026〕102号", "crime_transfer", {
        "report": "涉案数额较大，涉嫌犯罪。", "officers": 2})
    assert "crime_transfer" in finished(walker.walk(since))


def _case_with_the_department(site, number: str) -> None:
    """A case 城管局 filed on an item granted to 郑口镇 (filed by mistake): it must go to the township."""
    with site["factory"]() as s, s.begin():
        item = s.scalars(select(PowerItem).where(PowerItem.code == "ILLUS-CF-CGZF-02")).one()
        cgj, zk = int(org(site, "县城市管理综合行政执法局")), int(org(site, "郑口镇"))
        today = site["clock"].today()
        s.add(Case(case_number=number, item_id=item.id, township_id=zk, handling_org_id=cgj,
                   enforcement_subject_org_id=cgj, responsible_org_id=cgj, filed_on=today, party_name="张某",
                   party_kind=PartyKind.CITIZEN, facts_summary="店外经营", violation_on=today - timedelta(days=2),
                   created_at=site["clock"].now()))


def test_case_transfer_walk(walker, site):
    """案件移送 (第25条): 城管局 sends a case to 郑口镇, the competent organ; the township accepts."""
    walker.begin("case_transfer")
    _case_with_the_department(site, "故城管罚〔2026〕31号")
    since = walker.last_instance_id()
    walker.start_from_case("cgj_officer", "故城管罚〔2026〕31号", "case_transfer", {
        "reason": "该事项已赋权郑口镇，依法移送。", "materials": "现场检查笔录,3\n询问笔录,5"})
    walker.overrides = CASE_STEPS  # 郑口镇 then handles the case it accepted
    done = finished(walker.walk(since))
    assert {"case_transfer_send", "case_transfer_receive"} <= done


def _walk_from_menu(walker, username: str, kind: str, values: dict, overrides: dict) -> None:
    """Start a menu procedure (its walk named after it) and carry it to its end through 待办."""
    walker.begin(kind)
    since = walker.last_instance_id()
    walker.start_from_menu(username, kind, values)
    walker.overrides = overrides
    assert kind in finished(walker.walk(since))


def test_summary_penalty_walk(walker, site):
    """简易程序 (第51–52、71条): a 50-yuan fine on the spot, cash to the organ, into the bank, 备案."""
    _walk_from_menu(walker, "zk_officer1", "summary_penalty", {
        "township_id": org(site, "郑口镇"), "item_code": "ILLUS-CF-CGZF-01", "party_name": "李某",
        "party_kind": "citizen", "facts": "在解放街乱扔垃圾，当场承认。",
        "violation_on": walker.today().isoformat(), "place": "郑口镇解放街",
        "basis": "《城市市容和环境卫生管理条例》第三十四条", "penalty_kind": "fine", "fine": "50",
        "certificate_number": "冀执字1301101", "cash_collected": "true"},
        {"hand_over_cash": {"receipt_no": "冀罚票0001", "handed_amount": "50"},
         "deposit_fine": {"bank_slip_no": "故农商0001"}})


def test_case_measures_walk(walker, site):
    """先行登记保存 (第56条): two officers ask, the head approves, decided within 7 working days."""
    walker.begin("case_measures")
    _file_case(walker, site, "郑口罚〔2026〕111号")
    since = walker.last_instance_id()
    walker.start_from_case("zk_officer1", "郑口罚〔2026〕111号", "case_measures", {
        "kind": "preservation", "items": "经营用三轮车一辆", "reason": "证据可能灭失",
        "basis": "《中华人民共和国行政处罚法》第五十六条", "officers": 2})
    walker.overrides = {"decide_preserved": {"preservation_outcome": "release"}}
    assert "case_measures" in finished(walker.walk(since))


def test_clue_verification_walk(walker, site):
    """线索核查 (市场监管程序规定 第18条): 市场监管局 verifies within 15 working days, the head files."""
    with site["factory"]() as s, s.begin():  # the sample grants SCJG-01 everywhere: one item the bureau keeps
        s.add(PowerItem(code="ILLUS-CF-SCJG-09", name_zh="对销售过期食品的处罚", legal_basis="《中华人民共和国食品安全法》",
                        department_id=s.scalars(select(Organization.id).where(
                            Organization.name == "故城县市场监督管理局")).one(), modes_allowed=["grant"]))
    _walk_from_menu(walker, "scjg_officer", "clue_verification", {
        "township_id": org(site, "郑口镇"), "item_code": "ILLUS-CF-SCJG-09", "source": "complaint",
        "description": "群众举报某商店无照经营。"},
        {"verify_clue": {"proposal": "file"}, "decide_clue": {"clue_decision": "file"}})


# Procedures reached by a call activity: walked when the caller ran to its end through that task.
CALLED = {"legal_review": ("case_handling", "review")}


def test_the_walks_covered_every_procedure(site):
    """Every BPMN process id has an instance that ran to its end in this module's database."""
    with site["factory"]() as s:
        done = set(s.scalars(select(ProcessInstance.process_id).where(ProcessInstance.status == "completed")))
        for called, (caller, task) in CALLED.items():
            if s.scalars(select(HumanTask.id).join(ProcessInstance, ProcessInstance.id == HumanTask.instance_id)
                         .where(ProcessInstance.process_id == caller, ProcessInstance.status == "completed",
                                HumanTask.task_spec_name == task, HumanTask.state == "completed")).first():
                done.add(called)
    expected = {p.removesuffix(".bpmn") for p in PROCEDURES}
    assert expected - done == set(), f"not walked to the end: {sorted(expected - done)}"


def test_another_township_cannot_open_the_task_or_the_case(walker, site):
    """Scope (design §7): 青罕镇's officer gets 404, exactly like a missing page, on 郑口镇's task and case."""
    walker.begin("scope")
    _file_case(walker, site, "郑口罚〔2026〕103号")
    with site["factory"]() as s:
        case = s.scalars(select(Case).where(Case.case_number == "郑口罚〔2026〕103号")).one()
        task = s.scalars(select(HumanTask.id).where(HumanTask.instance_id == case.instance_id,
                                                    HumanTask.state.in_(("ready", "claimed")))).first()
    walker.login("qh_officer1")
    for path in (f"/tasks/{task}", f"/cases/{case.id}", f"/instances/{case.instance_id}"):
        response = walker.page.goto(f"{site['url']}{path}")
        assert response.status == 404, path
        assert "郑口罚" not in walker.page.content()
        assert "unknown" not in walker.page.locator("main").inner_text(), "the Chinese 404 page speaks Chinese only"
    walker.shot("qh_officer1-404")
