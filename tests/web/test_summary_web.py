"""The summary procedure's start page (简易程序, 行政处罚法 第51–52条): decided on the spot, or refused."""

from __future__ import annotations

from sqlalchemy import func, select

from models import Case, EnforcementCertificate, User
from tests.support.webapp import audit_count, login
from tests.web.test_starts_web import _granted_code, _org, _post


def _certificate(session_factory, username: str) -> str:
    with session_factory() as s:
        return s.scalars(select(EnforcementCertificate.number).join(User, User.id == EnforcementCertificate.user_id)
                         .where(User.username == username)).first()


def _form(session_factory, **kw) -> dict:
    town = _org(session_factory, "青罕镇")
    return {"handling_org_id": town, "township_id": town, "item_code": _granted_code(session_factory, "青罕镇"),
            "party_name": "王五", "party_kind": "citizen", "facts": "占道晾晒", "violation_on": "2026-02-20",
            "place": "青罕镇集市", "basis": "《城市市容和环境卫生管理条例》第三十四条", "penalty_kind": "fine",
            "fine": "50", "certificate_number": _certificate(session_factory, "qh_officer1"),
            "cash_collected": "true", "cash_reason": ""} | kw


def _cases(session_factory) -> int:
    with session_factory() as s:
        return s.scalar(select(func.count()).select_from(Case))


def test_summary_page_decides_on_the_spot_and_shows_the_case(client, session_factory):
    """第52条: the form is issued and the case page shows it; the hand-over task is in the inbox (第71条)."""
    login(client, "qh_officer1")
    page = client.get("/procedures/summary_penalty").get_data(as_text=True)
    assert "当场收缴罚款" in page and "Fine collected" not in page  # Chinese only in Chinese mode
    response = _post(client, "/procedures/summary_penalty", _form(session_factory))
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    case_page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "王五" in case_page and "当场行政处罚决定书" in case_page
    inbox = client.get("/tasks").get_data(as_text=True)
    assert "交至行政机关" in inbox


def test_summary_page_refuses_a_fine_above_the_limit_with_the_article(client, session_factory):
    """第51条: 201 yuan for a citizen is refused naming the article; nothing written."""
    login(client, "qh_officer1")
    before, cases = audit_count(session_factory), _cases(session_factory)
    response = _post(client, "/procedures/summary_penalty", _form(session_factory, fine="201"))
    body = response.get_data(as_text=True)
    assert response.status_code == 422 and "第51条" in body
    assert (audit_count(session_factory), _cases(session_factory)) == (before, cases)
