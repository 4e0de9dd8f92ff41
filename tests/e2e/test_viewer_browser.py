"""In Chromium: the bpmn-js diagram under a self-only CSP, and every page usable on a 390 px phone."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from models import HumanTask, OrgKind, User
from tests.e2e.test_browser import _login, _logout, _org_id, _page, _shot
from workflows.core.directory import find_org
from workflows.procedures.entrustment.steps import start_entrustment

pytestmark = pytest.mark.browser
STRICT = "default-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'"
PHONE = (390, 844)
HEADER_MAX = 72  # px: brand and menu button on one row


def _strict_csp(page, violations: list) -> None:
    """Serve pages with a CSP stricter than the app's (no inline styles either); collect what is refused."""

    def stricter(route):
        if route.request.method != "GET" or route.request.resource_type != "document":
            route.continue_()
            return
        response = route.fetch(max_redirects=0)
        assert "script-src 'self'" in response.headers["content-security-policy"]  # the app's own policy
        route.fulfill(response=response, headers={**response.headers, "content-security-policy": STRICT})

    page.route("**/*", stricter)
    page.on("console", lambda m: violations.append(m.text) if "Content Security Policy" in m.text else None)
    page.on("pageerror", lambda e: violations.append(str(e)))


def _start_entrustment(page, site) -> str:
    """The department's letter started through the service (the form itself is walked in test_browser)."""
    with site["factory"]() as s:
        actor = s.scalars(select(User).where(User.username == "nyj_officer")).one()
        instance = start_entrustment(
            s, site["app"].extensions["quanze"].workflow_engine(), actor,
            find_org(s, "故城县农业农村局", OrgKind.COUNTY_DEPARTMENT), find_org(s, "郑口镇", OrgKind.TOWNSHIP),
            ["ILLUS-JC-NYNC-01"], authority="在郑口镇行政区域内实施所列行政检查",
            term_start="2026-03-02", term_end="2026-12-31", responsibilities="以县农业农村局名义实施",
            supervision="每季度检查案卷")
        s.commit()
    url = f"{site['url']}/instances/{instance.id}"
    page.goto(url)
    return url


def _open_task_id(site, name: str) -> int:
    with site["factory"]() as s:
        return s.scalars(select(HumanTask.id).where(HumanTask.task_spec_name == name,
                                                    HumanTask.state.in_(("ready", "claimed")))).one()


def test_diagram_draws_marks_and_zooms_under_a_self_only_csp(site, browser):
    page = _page(browser)
    violations: list[str] = []
    _strict_csp(page, violations)
    _login(page, site, "nyj_officer")
    instance_url = _start_entrustment(page, site)
    _logout(page)
    _login(page, site, "zk_leader")
    page.goto(f"{site['url']}/tasks/{_open_task_id(site, 'township_opinion')}")
    page.select_option("#f-agrees", "true")
    page.fill("#f-township_opinion_text", "同意承接")
    page.click("#task-form button[type=submit]")
    page.wait_for_url("**/instances/*")

    page.goto(instance_url)
    page.wait_for_selector("#bpmn-viewer[data-ready=true]")
    canvas = page.locator("#bpmn-canvas")
    assert canvas.locator(".djs-element.state-completed[data-element-id=township_opinion]").count() == 1
    assert canvas.locator(".djs-element.state-active[data-element-id=legal_review]").count() == 1
    assert canvas.locator("text=征求乡镇意见").count() >= 1
    assert canvas.locator("text=township opinion").count() == 0  # Chinese page: Chinese names only
    assert page.locator(".bjs-powered-by").is_visible()  # the bpmn.io watermark the licence requires
    assert not page.locator("#diagram-steps").evaluate("d => d.open")  # list folds away once drawn
    # A wide procedure opens at a readable scale on the step being worked on; fit width is a click away.
    active = canvas.locator("[data-element-id=legal_review]").bounding_box()
    box = canvas.bounding_box()
    assert box["x"] <= active["x"] and active["x"] + active["width"] <= box["x"] + box["width"]
    _shot(page, "diagram-first-view")
    page.click("[data-zoom=width]")
    box = canvas.bounding_box()
    drawn = page.locator("#bpmn-canvas .viewport").bounding_box()
    assert drawn["width"] == pytest.approx(box["width"] - 2 * 20 * drawn["width"] / box["width"], rel=0.1)
    _shot(page, "diagram-fit-width")
    before = page.evaluate("() => document.querySelector('#bpmn-canvas .viewport').getBoundingClientRect().width")
    page.click("[data-zoom=in]")
    page.click("[data-zoom=in]")
    after = page.evaluate("() => document.querySelector('#bpmn-canvas .viewport').getBoundingClientRect().width")
    assert after == pytest.approx(before * 1.25 * 1.25, rel=0.05)
    _shot(page, "diagram-zoomed")
    assert violations == []


def test_without_javascript_the_instance_page_lists_the_steps(site, browser):
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN", java_script_enabled=False)
    page = context.new_page()
    _login(page, site, "nyj_officer")
    instance_url = _start_entrustment(page, site)
    page.goto(instance_url)
    assert not page.locator("#bpmn-viewer").is_visible()
    steps = page.locator("#diagram-steps li")
    assert steps.count() > 10 and page.locator("#diagram-steps li.state-active").inner_text().startswith("征求乡镇意见")
    _shot(page, "diagram-no-javascript")


def _phone_ok(page, name: str) -> None:
    """Header folded to one row, nothing wider than the screen."""
    header = page.locator("header.top").bounding_box()
    assert header["height"] <= HEADER_MAX, f"{name}: header {header['height']} px tall"
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE[0], f"{name}: page is {width} px wide"
    _shot(page, f"phone-{name}")


def test_every_page_fits_a_390px_phone_and_the_menu_opens(site, browser):
    page = _page(browser, *PHONE)
    page.goto(f"{site['url']}/login")
    _phone_ok(page, "login")
    page.goto(f"{site['url']}/public/")
    _phone_ok(page, "public")
    page.goto(f"{site['url']}/public/townships/{_org_id(site, '郑口镇')}")
    _phone_ok(page, "public-township")
    _login(page, site, "nyj_officer")
    _phone_ok(page, "home")
    instance_url = _start_entrustment(page, site)
    page.wait_for_selector("#bpmn-viewer[data-ready=true]")
    _phone_ok(page, "instance")
    for path, name in (("/tasks", "inbox"), ("/catalogue/", "catalogue"), ("/townships/", "townships"),
                       (f"/townships/{_org_id(site, '郑口镇')}/powers", "powers"), ("/delegations/", "delegations"),
                       ("/procedures/", "start-menu"), ("/procedures/entrustment", "entrustment-form"),
                       ("/cases/", "cases"), ("/deadlines", "deadlines"), ("/dashboard", "dashboard"),
                       ("/account/tokens", "tokens")):
        response = page.goto(f"{site['url']}{path}")
        assert response.status == 200, path
        _phone_ok(page, name)
    # The menu: folded with 待办 and its count still in sight, then open with every link, then a link works.
    assert page.locator("header nav a.todo .count").is_visible()
    assert not page.locator("header nav >> text=期限提醒").is_visible()
    page.click("label.menu-button")
    assert page.locator("header nav >> text=期限提醒").is_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE[0]
    _shot(page, "phone-menu-open")
    page.click("header nav >> text=期限提醒")
    page.wait_for_url("**/deadlines")
    assert not page.locator("header nav >> text=事项目录").is_visible()  # a new page starts folded
    _logout_phone(page)
    _login(page, site, "zk_leader")
    page.goto(f"{site['url']}/tasks/{_open_task_id(site, 'township_opinion')}")
    _phone_ok(page, "task")
    page.goto(instance_url)
    _phone_ok(page, "instance-township")
    _logout_phone(page)
    _login(page, site, "admin")
    for path, name in (("/admin/users", "admin-users"), ("/admin/organizations", "admin-organizations")):
        assert page.goto(f"{site['url']}{path}").status == 200, path
        _phone_ok(page, name)


def _logout_phone(page) -> None:
    page.click("label.menu-button")
    page.click("header form[action='/logout'] button")
