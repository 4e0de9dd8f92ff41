"""No oracles: out-of-scope rows answer exactly as missing ones; password checks cost the same."""

from __future__ import annotations

import re
from datetime import date

import pytest
from sqlalchemy import func, select

from models import (
    Delegation,
    DelegationMode,
    DelegationStatus,
    EnforcementCertificate,
    HumanTask,
    MutualNotification,
    Organization,
    PowerItem,
    User,
)
from tests.support.webapp import login
from workflows.accounts import passwords, signin
from workflows.accounts.access import principal_for
from workflows.accounts.signin import BadCredentials, issue_token
from workflows.cases.rules import Officer
from workflows.procedures.case_handling.filing import file_case


def _org(s, name):
    return s.scalars(select(Organization).where(
        (Organization.short_name == name) | (Organization.name == name))).first()


def _case_of(app, session_factory, township: str, number: str) -> int:
    """A case filed by a township on an item granted to it."""
    engine = app.extensions["quanze"].workflow_engine()
    prefix = {"青罕镇": "qh", "郑口镇": "zk"}[township]
    with session_factory() as s:
        town = _org(s, township)
        code = s.scalars(select(PowerItem.code).join(Delegation, Delegation.item_id == PowerItem.id).where(
            Delegation.township_id == town.id, Delegation.mode == DelegationMode.GRANT,
            Delegation.status == DelegationStatus.EFFECTIVE).order_by(PowerItem.code)).first()
        users = s.scalars(select(User).where(User.username.in_((f"{prefix}_officer1", f"{prefix}_officer2")))
                          .order_by(User.username)).all()
        officers = [Officer(u.id, s.scalars(select(EnforcementCertificate.number).where(
            EnforcementCertificate.user_id == u.id)).first()) for u in users]
        s.commit()
        return file_case(s, engine, users[0], item_code=code, township=town, handling_org=town,
                         case_number=number, party_name="某商户", party_kind="organization",
                         facts_summary="占道经营", violation_on=date(2026, 2, 20), officers=officers).id


def _token(session_factory, clock, username):
    with session_factory() as s:
        user = s.scalars(select(User).where(User.username == username)).one()
        principal = principal_for(s, user)
        s.commit()
        return {"Authorization": f"Bearer {issue_token(s, principal, user.id, 't', clock.now())[1]}"}


def _notices(session_factory) -> int:
    with session_factory() as s:
        return s.scalar(select(func.count(MutualNotification.id)))


def test_a_notification_naming_a_case_outside_scope_is_refused_as_unknown(app, client, session_factory, clock):
    """相互告知 may cite a case only when the sender may open it; a foreign id looks missing."""
    qh_case = _case_of(app, session_factory, "青罕镇", "青罕罚〔2026〕90号")
    with session_factory() as s:
        zk, nyj = _org(s, "郑口镇").id, _org(s, "故城县农业农村局").id
    body = {"sender_org_id": zk, "recipient_org_id": nyj, "kind": "penalty", "subject": "处罚决定告知",
            "summary": "罚款"}
    headers = _token(session_factory, clock, "zk_officer1")
    before = _notices(session_factory)
    foreign = client.post("/api/v1/procedures/mutual_notification", json={**body, "case_id": qh_case},
                          headers=headers)
    missing = client.post("/api/v1/procedures/mutual_notification", json={**body, "case_id": 999999},
                          headers=headers)
    assert foreign.status_code == missing.status_code == 404
    assert foreign.json["message"].replace(str(qh_case), "N") == missing.json["message"].replace("999999", "N")
    assert set(foreign.json) == set(missing.json)
    assert _notices(session_factory) == before


def test_the_sender_may_cite_a_case_it_can_open(app, client, session_factory, clock):
    zk_case = _case_of(app, session_factory, "郑口镇", "郑口罚〔2026〕91号")
    with session_factory() as s:
        zk, nyj = _org(s, "郑口镇").id, _org(s, "故城县农业农村局").id
    response = client.post("/api/v1/procedures/mutual_notification", headers=_token(session_factory, clock,
                                                                                     "zk_officer1"),
                           json={"sender_org_id": zk, "recipient_org_id": nyj, "kind": "penalty",
                                 "subject": "处罚决定告知", "summary": "罚款", "case_id": zk_case})
    assert response.status_code == 201, response.json
    with session_factory() as s:
        assert s.scalars(select(MutualNotification.case_id)).all() == [zk_case]


@pytest.mark.parametrize("action", ["claim", "release", "complete"])
def test_acting_on_a_task_outside_scope_answers_as_a_missing_task(app, client, session_factory, clock, action):
    _case_of(app, session_factory, "青罕镇", "青罕罚〔2026〕92号")
    with session_factory() as s:
        task_id = s.scalars(select(HumanTask.id).order_by(HumanTask.id.desc())).first()
    headers = _token(session_factory, clock, "zk_officer1")
    body = {"data": {}} if action == "complete" else None
    foreign = client.post(f"/api/v1/tasks/{task_id}/{action}", json=body, headers=headers)
    missing = client.post(f"/api/v1/tasks/999999/{action}", json=body, headers=headers)
    assert foreign.status_code == missing.status_code == 404
    assert foreign.json == {**missing.json, "message": missing.json["message"].replace("999999", str(task_id))}
    assert "instance" not in foreign.json["message"]


def test_an_unknown_user_costs_one_password_hash_like_a_wrong_password(session_factory, clock, monkeypatch, app):
    """Equal work for unknown and known users, so response time reveals no usernames."""
    calls = []
    real = passwords.hashlib.scrypt

    def counting(*args, **kwargs):
        calls.append((kwargs["n"], kwargs["r"], kwargs["p"], kwargs["dklen"]))
        return real(*args, **kwargs)

    passwords.dummy_hash()  # made once per process, like the stored hashes it stands in for
    monkeypatch.setattr(passwords.hashlib, "scrypt", counting)
    outcomes = {}
    for username in ("zk_officer1", "no_such_user"):
        calls.clear()
        with session_factory() as s, pytest.raises(BadCredentials) as refused:
            signin.authenticate(s, username, "wrong-password", "10.0.0.1", clock.now())
        outcomes[username] = (list(calls), refused.value.message)
    assert outcomes["zk_officer1"] == outcomes["no_such_user"]
    assert len(outcomes["no_such_user"][0]) == 1


def test_unknown_user_and_wrong_password_get_the_same_page(client):
    wrong = login(client, "zk_officer1", "wrong-password")
    unknown = login(client, "no_such_user", "wrong-password")
    assert wrong.status_code == unknown.status_code == 401
    # Only the echoed username and the fresh CSRF token differ.
    def strip(page):
        return re.sub(r'value="[^"]*"', "", page.get_data(as_text=True))
    assert strip(wrong) == strip(unknown) and "用户名或密码错误" in strip(wrong)
