"""Every refusal says why, in the user's language (issue 10 §5): the rule, the article and the clash."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from models import Delegation, Membership, PowerItem, ProcessInstance, Role, User
from tests.support.webapp import audit_count, csrf_of, login
from tests.web.test_procedures_web import LETTER, _org_id
from workflows.accounts.access import principal_for
from workflows.accounts.signin import issue_token

CJK = re.compile(r"[\u4e00-\u9fff]")


def _entrusted(session_factory) -> tuple[dict, Delegation]:
    """An item 郑口镇 holds by the sample's letter in force (2026–2027), as a draft letter over it."""
    zk = _org_id(session_factory, "郑口镇")
    with session_factory() as s:
        row = s.scalars(select(Delegation).join(PowerItem).where(
            Delegation.township_id == zk, Delegation.mode == "entrust", Delegation.status == "effective",
            PowerItem.code.like("ILLUS-CF-NYNC-%"))).first()
        s.expunge(row)
        item = s.get(PowerItem, row.item_id)
        data = {"department_id": item.department_id, "township_id": zk, "item_codes": [item.code],
                "term_start": "2026-03-02", "term_end": "2026-12-31", **LETTER}
    return data, row


def _main(html: str) -> str:
    """The page's main text without tags, options and the footer's product name."""
    main = html[html.index("<main"):html.index("</main>")]
    main = re.sub(r"<(select|textarea)\b.*?</\1>", " ", main, flags=re.S)
    return re.sub(r"<[^>]+>", " ", main)


def _counts(session_factory) -> tuple:
    with session_factory() as s:
        return s.scalar(select(func.count(ProcessInstance.id))), audit_count(session_factory)


def test_overlapping_letter_names_the_letter_in_force_in_chinese_only_articles_20_24(client, session_factory):
    data, row = _entrusted(session_factory)
    login(client, "nyj_officer")
    before = _counts(session_factory)
    response = client.post("/procedures/entrustment",
                           data={"csrf_token": csrf_of(client, "/procedures/entrustment"), **data})
    text = _main(response.get_data(as_text=True))
    assert response.status_code == 422
    assert row.document_no in text and "2026-01-01—2027-12-31" in text and data["item_codes"][0] in text
    assert "委托期限起" in text and "重叠" in text and "行政处罚法 第20、24条" in text
    assert "term_start" not in text and "overlaps" not in text and " / " not in text
    assert _counts(session_factory) == before


def test_overlapping_letter_in_english_shows_only_english_interface_text(client, session_factory):
    data, row = _entrusted(session_factory)
    login(client, "nyj_officer")
    client.get("/lang/en?next=/")
    response = client.post("/procedures/entrustment",
                           data={"csrf_token": csrf_of(client, "/procedures/entrustment"), **data})
    alert = re.search(r'<div class="errors".*?</div>', response.get_data(as_text=True), re.S).group(0)
    text = re.sub(r"<[^>]+>", " ", alert)
    assert response.status_code == 422
    assert "Term from" in text and "overlaps the effective entrustment" in text
    assert row.document_no in text and "2026-01-01..2027-12-31" in text and "art. 20, 24" in text
    # Chinese is left only in data: the letter number and the township's name (no English name kept).
    rest = text.replace(row.document_no, "").replace("故城县郑口镇人民政府", "")
    assert not CJK.search(rest), rest


def test_form_errors_name_the_field_by_its_label_not_its_key(client):
    login(client, "nyj_officer")
    response = client.post("/procedures/entrustment", data={
        "csrf_token": csrf_of(client, "/procedures/entrustment"), "term_start": "2026-02-30"})
    alert = re.search(r'<div class="errors".*?</div>', response.get_data(as_text=True), re.S).group(0)
    assert response.status_code == 422
    assert "委托期限起" in alert and "乡镇" in alert and "事项" in alert
    assert "<code>" not in alert and "term_start" not in alert and "required" not in alert


@pytest.mark.parametrize(("language", "present", "absent"), [
    ("en", "overlaps the effective entrustment", "重叠"),
    ("zh-CN,zh;q=0.9", "重叠", "overlaps"),
])
def test_api_refusal_in_the_callers_language_with_the_clash(app, client, session_factory, clock, language,
                                                           present, absent):
    data, row = _entrusted(session_factory)
    with session_factory() as s:
        user = s.scalars(select(User).where(User.username == "nyj_officer")).one()
        _, secret = issue_token(s, principal_for(s, user), user.id, "test", clock.now())
    before = _counts(session_factory)
    response = client.post("/api/v1/procedures/entrustment", json=data, headers={
        "Authorization": f"Bearer {secret}", "Accept-Language": language})
    body = response.get_json()
    assert response.status_code == 422 and body["article"] == "行政处罚法 第20、24条"
    [message] = body["errors"]["term_start"]
    assert present in message and absent not in message and row.document_no in message
    [problem] = body["details"]["problems"]
    assert problem["clash"] == {
        "delegation_id": row.id, "mode": "entrust", "status": "effective", "document_no": row.document_no,
        "item_code": data["item_codes"][0], "township": "故城县郑口镇人民政府",
        "effective_from": "2026-01-01", "effective_to": "2027-12-31"}
    assert _counts(session_factory) == before


def test_grant_proposal_over_the_2020_grant_names_the_decision(client, session_factory):
    """The sample's 2020 grant has no end: a new proposal of the item is refused, naming it (第20、24条)."""
    zk = _org_id(session_factory, "郑口镇")
    with session_factory() as s:
        row = s.scalars(select(Delegation).where(Delegation.township_id == zk, Delegation.mode == "grant",
                                                 Delegation.effective_to.is_(None))).first()
        item = s.get(PowerItem, row.item_id)
        code, department_id, document_no = item.code, item.department_id, row.document_no
        username = s.scalars(select(User.username).join(Membership).where(
            Membership.organization_id == department_id, Membership.role == Role.COUNTY_OFFICER)).first()
    login(client, username)
    before = _counts(session_factory)
    response = client.post("/procedures/grant", data={
        "csrf_token": csrf_of(client, "/procedures/grant"), "department_id": department_id,
        "township_ids": [zk], "item_codes": [code]})
    text = _main(response.get_data(as_text=True))
    assert response.status_code == 422
    assert document_no in text and "2020-07-01—长期" in text and code in text and "事项" in text
    assert _counts(session_factory) == before

