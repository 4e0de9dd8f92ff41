"""A task's organization picker in Chromium (issue 10 §4): names, never ids; a long list gets a filter box."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select

from models import HumanTask, Organization, OrgKind, User
from tests.e2e.test_browser import CHROMIUM, SHOTS, _login, _page
from workflows.procedures.work_order.steps import receive_work_order

pytestmark = [pytest.mark.browser, pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="/usr/bin/chromium is missing")]
SELECT = "#task-form select[name=assigned_org_id]"
VISIBLE = "s => [...s.options].filter(o => o.value && !o.hidden).map(o => o.text)"


def _dispatch_task(site) -> int:
    """A ticket 郑口镇 took in; returns its dispatch task's id."""
    engine = site["app"].extensions["quanze"].workflow_engine()
    with site["factory"]() as s:
        user = s.scalars(select(User).where(User.username == "zk_officer1")).one()
        town = s.scalars(select(Organization).where(Organization.short_name == "郑口镇",
                                                    Organization.kind == OrgKind.TOWNSHIP)).one()
        s.commit()
        order = receive_work_order(s, engine, user, town.id, "complaint", "general", "门口占道")
        return s.scalars(select(HumanTask.id).where(HumanTask.instance_id == order.instance_id)).one()


def test_the_dispatch_picker_filters_and_names_organs_in_both_languages(site, browser):
    task_id = _dispatch_task(site)
    page = _page(browser)
    _login(page, site, "zk_officer1")
    page.click("header a.todo")
    page.click(f"table.list a[href='/tasks/{task_id}']")
    page.wait_for_url(f"**/tasks/{task_id}")
    names = page.eval_on_selector(SELECT, VISIBLE)
    assert "郑口镇综合行政执法队" in names and not any(n.isdigit() for n in names)
    page.fill("#task-form input.pick-filter", "执法")  # the filter box above the long list
    assert page.eval_on_selector(SELECT, VISIBLE) == [n for n in names if "执法" in n]
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / "task-picker-filter.jpg"), full_page=True, type="jpeg", quality=80)
    page.click("header a:has-text('English')")
    page.wait_for_url(f"**/tasks/{task_id}")
    english = page.eval_on_selector(SELECT, VISIBLE)
    assert len(english) == len(names) and "Zhengkou Town Comprehensive Administrative Enforcement Team" in english
    page.screenshot(path=str(SHOTS / "task-picker-english.jpg"), full_page=True, type="jpeg", quality=80)
