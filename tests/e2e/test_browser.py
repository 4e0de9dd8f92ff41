"""Real-browser tests: Debian's Chromium driven by Playwright against a live server."""

from __future__ import annotations

import os
import shutil
import threading
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select
from werkzeug.serving import make_server

from models import Delegation, DelegationMode, DelegationStatus, Organization, PowerItem
from models.db import make_session_factory
from tests.support.templates import gucheng
from tests.support.webapp import BPMN_DIR, PROCEDURES
from web import create_app
from workflows.sample.gucheng import DEMO_PASSWORD
from workflows.tasks import processes

CHROMIUM = "/usr/bin/chromium"
SHOTS = Path(os.environ.get("QUANZE_SCREENSHOTS", "/tmp/quanze-screenshots"))
pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not Path(CHROMIUM).exists(),
                       reason="/usr/bin/chromium is missing: install Debian's chromium (`.ci/run` does) "
                              "to run the browser tests"),
]
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]
ITEMS = ["ILLUS-JC-NYNC-01"]  # coercion is never entrusted (行政强制法 第17条)


@pytest.fixture
def site(tmp_path, clock, sqlite_files):
    """A live server on 127.0.0.1 (free port) over an SQLite copy of the Gucheng sample."""
    engine = sqlite_files.engine(tmp_path / "site.db", sqlite_files.template("gucheng", gucheng))
    factory = make_session_factory(engine)
    bpmn = tmp_path / "bpmn"
    bpmn.mkdir()
    for name in PROCEDURES:
        shutil.copy(BPMN_DIR / name, bpmn / name)
    # Served over plain http on 127.0.0.1, so cookies cannot demand https here.
    app = create_app({"ENGINE": engine, "CLOCK": clock, "SECRET_KEY": "browser-test",
                      "INSTANCE_PATH": str(tmp_path / "instance"), "BPMN_DIR": str(bpmn),
                      "SECURE_COOKIES": False})
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield {"url": f"http://127.0.0.1:{server.server_port}", "app": app, "factory": factory}
    server.shutdown()
    thread.join()
    engine.dispose()


@pytest.fixture
def browser():
    """Headless Debian Chromium (no `playwright install`)."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield chromium
        chromium.close()


def _page(browser, width=1280, height=900):
    context = browser.new_context(viewport={"width": width, "height": height}, locale="zh-CN")
    return context.new_page()


def _login(page, site, username: str) -> None:
    page.goto(f"{site['url']}/login")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", DEMO_PASSWORD)
    page.click("form[action='/login'] button[type=submit]")
    page.wait_for_url(f"{site['url']}/")


def _logout(page) -> None:
    page.click("header form[action='/logout'] button")


def _shot(page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.jpg"), full_page=True, type="jpeg", quality=80)


def _org_id(site, short: str) -> int:
    with site["factory"]() as s:
        return s.scalars(select(Organization.id).where(Organization.short_name == short)).one()


def test_login_page_lists_demo_accounts_and_signs_in(site, browser):
    page = _page(browser)
    page.goto(f"{site['url']}/login")
    assert page.locator("text=演示账号").is_visible()
    _shot(page, "login")
    _login(page, site, "zk_officer1")
    assert page.locator("h1").inner_text().startswith("您好")
    _shot(page, "home")


def test_wrong_password_shows_a_clear_message(site, browser):
    page = _page(browser)
    page.goto(f"{site['url']}/login")
    page.fill("input[name=username]", "zk_officer1")
    page.fill("input[name=password]", "wrong")
    page.click("form[action='/login'] button[type=submit]")
    assert page.locator(".errors").inner_text().startswith("用户名或密码错误")


def test_power_list_in_chinese_and_on_a_phone(site, browser):
    page = _page(browser)
    _login(page, site, "zk_officer1")
    page.click("nav >> text=权责清单")
    page.click("table.list a[href$='/powers']")
    page.wait_for_url("**/powers")
    assert "郑口镇" in page.locator("h1").inner_text()
    assert page.locator("table.powers tbody tr").count() > 10
    _shot(page, "powers")
    phone = _page(browser, 390, 844)
    _login(phone, site, "zk_officer1")
    phone.goto(f"{site['url']}/townships/{_org_id(site, '郑口镇')}/powers")
    _shot(phone, "powers-phone")
    # On a phone the table turns into stacked cards; nothing overflows sideways.
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390


def test_public_page_without_login(site, browser):
    page = _page(browser)
    page.goto(f"{site['url']}/public/")
    page.click("text=故城县郑口镇人民政府")
    assert page.locator("h2", has_text="赋权事项").is_visible()
    assert page.locator("h2", has_text="权力清单").is_visible()
    _shot(page, "public")


def _complete(page, site, username: str, task_title: str, fields: dict) -> None:
    _login(page, site, username)
    page.goto(f"{site['url']}/tasks")
    page.click(f"table.list >> text={task_title}")
    for name, value in fields.items():
        selector = f"#f-{name}"
        if page.locator(selector).evaluate("e => e.tagName") == "SELECT":
            page.select_option(selector, value)
        else:
            page.fill(selector, value)
    page.click("#task-form button[type=submit]")
    page.wait_for_url("**/instances/*")
    _logout(page)


def draft_entrustment(page, site) -> None:
    """县农业农村局's start form filled in: 郑口镇, the items, the letter's terms (not yet submitted)."""
    page.goto(f"{site['url']}/procedures/entrustment")
    page.select_option("#township_id", str(_org_id(site, "郑口镇")))
    for code in ITEMS:
        page.check(f"input[name=item_codes][value='{code}']")
    page.fill("#authority", "在郑口镇行政区域内实施所列行政检查和行政强制措施")
    page.fill("#term_start", "2026-03-02")
    page.fill("#term_end", "2026-12-31")
    page.fill("#responsibilities", "郑口镇以县农业农村局名义实施；")
    page.fill("#supervision", "县农业农村局每季度检查案卷。")


def test_entrustment_scenario_end_to_end(site, browser, clock):
    """A county officer entrusts two items (第20条); review returns once, then approves; the
    township accepts; the public page shows the letter and the power list has the items."""
    page = _page(browser)
    _login(page, site, "nyj_officer")
    draft_entrustment(page, site)
    _shot(page, "entrustment-draft")
    page.click("form[action='/procedures/entrustment'] button[type=submit]")
    page.wait_for_url("**/instances/*")
    instance_url = page.url
    _shot(page, "instance-started")
    _logout(page)

    _complete(page, site, "zk_leader", "对委托书提出意见", {"agrees": "true", "township_opinion_text": "同意承接"})
    _complete(page, site, "reviewer", "合法性审查", {"review_decision": "return", "review_opinion": "期限过长"})
    _complete(page, site, "nyj_officer", "按审查意见修改", {"term_end": "2026-10-31", "revision_note": "缩短期限"})
    _complete(page, site, "reviewer", "合法性审查", {"review_decision": "approve", "review_opinion": "合法"})
    _complete(page, site, "approver", "审核批准委托", {"county_decision": "approve"})
    _complete(page, site, "nyj_officer", "委托机关签署", {"department_signed_on": "2026-03-02",
                                                   "department_signatory": "李局长"})
    _complete(page, site, "zk_leader", "受委托乡镇签署", {"township_signed_on": "2026-03-02",
                                                 "township_signatory": "刘镇长"})
    _complete(page, site, "nyj_officer", "委托机关公布", {"department_published_on": "2026-03-02",
                                                   "department_publication_channel": "县农业农村局网站"})
    _complete(page, site, "zk_leader", "受委托乡镇公布", {"township_published_on": "2026-03-02",
                                                 "township_publication_channel": "郑口镇政务公开栏"})
    # The scheduler's job, run here: the term starts, the timer fires, the registry changes.
    clock.advance(timedelta(hours=1))
    with site["factory"]() as s:
        processes.wake_due_instances(s, site["app"].extensions["quanze"].workflow_engine(), clock.now())
        s.commit()

    _login(page, site, "nyj_officer")
    page.goto(instance_url)
    page.wait_for_selector("#bpmn-viewer[data-ready=true]")
    assert page.locator("#bpmn-canvas .djs-element.state-completed").count() > 3
    _shot(page, "instance-done")
    _logout(page)

    public = _page(browser)
    public.goto(f"{site['url']}/public/townships/{_org_id(site, '郑口镇')}")
    letters = public.locator("ul.documents a")
    assert letters.count() >= 1 and "委托书" in letters.first.inner_text()
    powers = public.locator("section", has=public.locator("h2", has_text="权力清单")).inner_text()
    assert all(code in powers for code in ITEMS)
    _shot(public, "public-after")

    other = _page(browser)
    _login(other, site, "qh_officer1")
    response = other.goto(instance_url)
    assert response.status == 404
    assert "郑口" not in other.content()


def test_township_files_a_case_and_another_township_cannot_open_it(site, browser):
    """立案 through the start menu (行政处罚法 第24条 grant, 第42条 two officers); 郑口镇 gets 404 on it."""
    page = _page(browser)
    _login(page, site, "qh_officer1")
    page.goto(f"{site['url']}/procedures/")
    _shot(page, "start-menu-township")
    page.click("a.tile[href='/procedures/case_filing']")
    with site["factory"]() as s:
        code = s.scalars(select(PowerItem.code).join(Delegation, Delegation.item_id == PowerItem.id).where(
            Delegation.township_id == _org_id(site, "青罕镇"), Delegation.mode == DelegationMode.GRANT,
            Delegation.status == DelegationStatus.EFFECTIVE).order_by(PowerItem.code)).first()
    page.select_option("#q_item", code)  # items are picked from the township's power list, not typed
    page.select_option("#q_town", str(_org_id(site, "青罕镇")))
    page.click("#competence-query button[type=submit]")
    assert "权责清单答复" in page.content()
    page.select_option("#item_code", code)
    page.fill("#case_number", "青罕罚〔2026〕7号")
    page.fill("#party_name", "某餐馆")
    page.select_option("#party_kind", "organization")
    page.fill("#facts_summary", "油烟超标排放")
    page.fill("#violation_on", "2026-02-25")
    for box in page.locator("input[name=officers]").all():
        box.check()
    _shot(page, "case-filing-form")
    page.click("#start-form button[type=submit]")
    page.wait_for_url("**/cases/*")
    assert "青罕罚〔2026〕7号" in page.content() and "郭队员" in page.content()
    _shot(page, "case-detail")
    case_url = page.url
    _logout(page)

    other = _page(browser)
    _login(other, site, "zk_officer1")
    assert other.goto(case_url).status == 404
    other.goto(f"{site['url']}/procedures/case_filing")
    other.select_option("#item_code", code)  # granted to 郑口镇 too, for its own territory
    other.fill("#case_number", "郑口罚〔2026〕7号")
    other.select_option("#township_id", str(_org_id(site, "青罕镇")))
    other.fill("#party_name", "某餐馆")
    other.select_option("#party_kind", "organization")
    other.fill("#facts_summary", "油烟超标排放")
    other.fill("#violation_on", "2026-02-25")
    for box in other.locator("input[name=officers]").all():
        box.check()
    other.click("#start-form button[type=submit]")
    assert "无管辖权" in other.content() and "青罕镇" in other.content()
    _shot(other, "case-filing-refused")
