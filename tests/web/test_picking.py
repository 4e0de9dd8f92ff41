"""Pick, don't type (issue 10 §4): items, organs and cases from lists of what the user may use;
the user's own township preselected; dates shown and typed as YYYY-MM-DD."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from models import Delegation, DelegationMode, DelegationStatus, Organization, PowerItem
from tests.web.test_starts_web import file_qh_case

# Ordering, paging and PostgreSQL's refusals of odd input can differ by backend (tests/web/conftest.py).
pytestmark = pytest.mark.both_backends


def _org(session_factory, short: str) -> int:
    with session_factory() as s:
        return s.scalars(select(Organization.id).where(Organization.short_name == short)).one()


def _select(html: str, name: str) -> tuple[list[str], list[str]]:
    """(option values, selected values) of the form's select of that name."""
    found = re.search(rf'<select id="{name}" name="{name}">(.*?)</select>', html, re.S).group(1)
    return (re.findall(r'<option value="([^"]*)"', found),
            re.findall(r'<option value="([^"]*)"\s*selected', found))


def _codes(session_factory, township: str, mode: DelegationMode) -> set[str]:
    with session_factory() as s:
        return set(s.scalars(select(PowerItem.code).join(Delegation, Delegation.item_id == PowerItem.id).where(
            Delegation.township_id == _org(session_factory, township), Delegation.mode == mode,
            Delegation.status == DelegationStatus.EFFECTIVE)))


def test_case_filing_offers_the_townships_own_powers_and_preselects_it(as_user, session_factory):
    """A township files only on items its power list gives it today (第22–24条)."""
    page = as_user("qh_officer1").get("/procedures/case_filing").get_data(as_text=True)
    items, _ = _select(page, "item_code")
    granted = _codes(session_factory, "青罕镇", DelegationMode.GRANT)
    assert granted and granted <= set(items)
    delegated = granted | _codes(session_factory, "青罕镇", DelegationMode.ENTRUST)
    with session_factory() as s:  # an item nobody delegated to 青罕镇, nor related to one that was, is not offered
        travels = {r.code for i in s.scalars(select(PowerItem).where(PowerItem.code.in_(delegated))) for r in i.related}
        kept = s.scalars(select(PowerItem.code).where(PowerItem.code.not_in(delegated | travels))
                         .order_by(PowerItem.code)).first()
    assert kept and kept not in items
    _, chosen = _select(page, "township_id")
    assert chosen == [str(_org(session_factory, "青罕镇"))]
    assert 'name="item_code" value=' not in page  # no typed code box left (the competence query too)
    assert 'name="violation_on"' in page and 'type="date"' not in page
    assert re.search(r'name="violation_on" type="text" class="date"[^>]*placeholder="YYYY-MM-DD"', page)


def test_a_department_files_on_its_own_items_only(as_user, session_factory):
    page = as_user("nyj_officer").get("/procedures/case_filing").get_data(as_text=True)
    items, _ = _select(page, "item_code")
    with session_factory() as s:
        department = s.scalars(select(Organization).where(Organization.name == "故城县农业农村局")).one()
        own = set(s.scalars(select(PowerItem.code).where(PowerItem.department_id == department.id)))
    assert items and set(items) == own


def test_a_notification_names_a_case_of_the_sender_from_a_list(client, session_factory):
    filed = file_qh_case(client, session_factory)
    assert filed.status_code == 302
    page = client.get("/procedures/mutual_notification").get_data(as_text=True)
    cases, _ = _select(page, "case_id")
    assert cases[0] == "" and len(cases) == 2  # optional: none, or the township's own case
    assert "青罕罚〔2026〕1号" in page


def test_every_date_input_of_the_start_and_task_forms_reads_yyyy_mm_dd(as_user):
    client = as_user("nyj_officer")
    for path in ("/procedures/entrustment", "/procedures/joint_enforcement", "/procedures/mutual_notification"):
        page = client.get(path).get_data(as_text=True)
        assert 'type="date"' not in page and 'placeholder="YYYY-MM-DD"' in page, path


def test_english_pickers_name_organizations_in_english(as_user, session_factory):
    client = as_user("nyj_officer")
    client.get("/lang/en?next=/")
    page = client.get("/procedures/mutual_notification").get_data(as_text=True)
    with session_factory() as s:
        own = s.scalars(select(Organization).where(Organization.name == "故城县农业农村局")).one()
    senders = re.search(r'<select id="sender_org_id".*?</select>', page, re.S).group(0)
    assert own.name_en and own.name_en in senders and own.name not in senders
