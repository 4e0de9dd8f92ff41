"""English mode in Chromium (issue 10 §5): a township officer and a county reviewer at work, no unmarked Chinese."""

from __future__ import annotations

from tests.e2e.test_browser import _login, _logout, _page, _shot, draft_entrustment, pytestmark  # noqa: F401
from tests.web.test_languages import chinese_outside_markup
from tests.web.test_oracles import _case_of


def _english(page, site, username: str) -> None:
    """Sign in, then switch the interface by the header's own link, as a reader would."""
    _login(page, site, username)
    if page.locator("html[lang=en]").count() == 0:  # the choice outlives signing out in one browser
        page.click("header .who >> text=English")
        page.wait_for_selector("html[lang=en]")


def _look(page, name: str) -> None:
    """Screenshot the page and check it shows Chinese only inside lang="zh-CN" data."""
    _shot(page, f"english-{name}")
    assert chinese_outside_markup(page.content()) == [], name


def _open_first_task(page) -> None:
    page.click("header >> a.todo")
    page.click("table.list tbody a[href^='/tasks/']")
    page.wait_for_url("**/tasks/*")


def _entrustment_for_review(page, site) -> None:
    """县农业农村局 drafts a letter to 郑口镇 in English; 郑口镇's leader agrees: the legal review waits."""
    _english(page, site, "nyj_officer")
    draft_entrustment(page, site)
    _look(page, "county-officer-entrustment-draft")
    page.click("form[action='/procedures/entrustment'] button[type=submit]")
    page.wait_for_url("**/instances/*")
    _logout(page)
    _english(page, site, "zk_leader")
    _open_first_task(page)
    page.select_option("#f-agrees", "true")
    page.fill("#f-township_opinion_text", "同意承接")
    page.click("#task-form button[type=submit]")
    page.wait_for_url("**/instances/*")
    _logout(page)


def test_a_township_officer_and_a_county_reviewer_work_in_english(site, browser):
    _case_of(site["app"], site["factory"], "郑口镇", "郑口罚〔2026〕95号")
    page = _page(browser)
    _entrustment_for_review(page, site)

    _english(page, site, "zk_officer1")  # 郑口镇 陈队员, township enforcement officer
    _look(page, "township-officer-home")
    _open_first_task(page)
    _look(page, "township-officer-task")
    page.click("main p a[href^='/instances/']")
    _look(page, "township-officer-instance")
    page.click("header nav >> text=Cases")
    _look(page, "township-officer-cases")
    page.click("table.list a[href^='/cases/']")
    _look(page, "township-officer-case")
    page.click("header nav >> text=Power lists")
    page.click("table.list a[href$='/powers']")
    _look(page, "township-officer-powers")
    _logout(page)

    _english(page, site, "reviewer")  # 县司法局 孙审核员, county legal reviewer
    _look(page, "county-reviewer-home")
    _open_first_task(page)
    assert "Zhengkou Town" in page.locator("#subject").inner_text()
    _look(page, "county-reviewer-task")
    page.click("header nav >> text=Delegations")
    _look(page, "county-reviewer-delegations")
    page.click("header nav >> text=Dashboard")
    _look(page, "county-reviewer-dashboard")
    page.click("header nav >> text=Public disclosure")
    page.click("a.tile >> text=Zhengkou Town")
    _look(page, "public-township")
