"""Walk EVERY registered endpoint for every role: no access outside role and organization."""

from __future__ import annotations

import re
from datetime import date

import pytest
from sqlalchemy import func, select

from models import (
    ApiToken,
    Delegation,
    DelegationMode,
    DelegationStatus,
    EnforcementCertificate,
    Membership,
    Organization,
    OrgKind,
    PowerItem,
    User,
)
from tests.support.webapp import CSRF_RE, login, one_user_per_role_and_place
from workflows.accounts.access import principal_for
from workflows.accounts.signin import issue_token
from workflows.cases.rules import Officer
from workflows.procedures import start_grants, starts
from workflows.procedures.case_handling.filing import file_case
from workflows.sample.gucheng import DEMO_USERS

PUBLIC_PREFIXES = ("public.", "api_public.", "auth.", "api-docs.", "static")
ADMIN_PREFIXES = ("admin.", "api_admin.")
_PRINCIPALS: dict = {}  # username → principal, filled by the walk before it calls anything
TOWNSHIP_USERS = {u[0] for u in DEMO_USERS if u[2].startswith(("郑口镇", "青罕镇"))}  # township or its organ
# Demo users of county departments: the department's full name, or the public security bureau.
DEPARTMENT_USERS = {u[0] for u in DEMO_USERS if u[2].startswith(("故城县", "衡水市")) or u[2] == "public_security"}


def _ids(session_factory, clock) -> dict:
    """Ids foreign to 郑口镇 users and to the 城管/农业 departments."""
    with session_factory() as s:
        admin = s.scalars(select(User).where(User.username == "admin")).one()
        principal = principal_for(s, admin)
        s.commit()  # end the read, so the use case below commits its own transaction
        issue_token(s, principal, admin.id, "admin-only", clock.now())
    with session_factory() as s:
        qh = s.scalars(select(Organization).where(Organization.short_name == "青罕镇")).one()
        zk = s.scalars(select(Organization).where(Organization.short_name == "郑口镇")).one()
        foreign_dept = select(Organization.id).where(Organization.name.in_(
            ["故城县城市管理综合行政执法局", "故城县农业农村局"]))
        other_item = select(PowerItem.id).where(PowerItem.department_id.not_in(foreign_dept))
        return {
            "qh": qh.id, "zk": zk.id, "admin": admin.id,
            # one 青罕镇 delegation per department, so each department user gets another's
            "qh_delegations": dict(s.execute(select(PowerItem.department_id, func.min(Delegation.id))
                                             .join(Delegation, Delegation.item_id == PowerItem.id)
                                             .where(Delegation.township_id == qh.id)
                                             .group_by(PowerItem.department_id)).all()),
            "zk_delegation": s.scalars(select(Delegation.id).where(
                Delegation.township_id == zk.id, Delegation.item_id.in_(other_item))).first(),
            "token": s.scalars(select(ApiToken.id)).first(),
            "membership": s.scalars(select(Membership.id)).first(),
            "cert": s.scalars(select(EnforcementCertificate.id)).first(),
            "item": s.scalars(select(PowerItem.id)).first(),
            "county": s.scalars(select(Organization.id).where(
                Organization.kind == OrgKind.COUNTY_GOVERNMENT)).one(),
        }


def _qh_case(app, session_factory) -> int:
    """A case filed by 青罕镇 on an item granted to it, so case routes have a real foreign row."""
    engine = app.extensions["quanze"].workflow_engine()
    with session_factory() as s:
        qh = s.scalars(select(Organization).where(Organization.short_name == "青罕镇")).one()
        code = s.scalars(select(PowerItem.code).join(Delegation, Delegation.item_id == PowerItem.id).where(
            Delegation.township_id == qh.id, Delegation.mode == DelegationMode.GRANT,
            Delegation.status == DelegationStatus.EFFECTIVE).order_by(PowerItem.code)).first()
        users = s.scalars(select(User).where(User.username.in_(("qh_officer1", "qh_officer2")))
                          .order_by(User.username)).all()
        officers = [Officer(u.id, s.scalars(select(EnforcementCertificate.number).where(
            EnforcementCertificate.user_id == u.id)).first()) for u in users]
        s.commit()
        case = file_case(s, engine, users[0], item_code=code, township=qh, handling_org=qh,
                         case_number="青罕罚〔2026〕88号", party_name="某商户", party_kind="organization",
                         facts_summary="占道经营", violation_on=date(2026, 2, 20), officers=officers)
        return case.id


def _foreign_values(username: str, ids: dict) -> dict:
    """For each URL variable, a value outside the user's scope (or a harmless one)."""
    township = ids["zk"] if username.startswith("qh") else ids["qh"]
    own = {g.org_id for g in _PRINCIPALS[username].grants} if username in _PRINCIPALS else set()
    delegation = ids["zk_delegation"] if username.startswith("qh") else next(
        d for dept, d in sorted(ids["qh_delegations"].items()) if dept not in own)
    return {"township_id": township, "delegation_id": delegation, "user_id": ids["admin"],
            "token_id": ids["token"], "membership_id": ids["membership"], "cert_id": ids["cert"],
            "item_id": ids["item"], "document_id": 999999, "code": "en", "filename": "quanze.css",
            "fmt": "csv", "instance_id": 999999, "task_id": 999999,
            "kind": "entrustment", "notification_id": 999999, "case_id": ids["qh_case"], "evidence_id": 999999}


def _routes(app):
    """Every rule and method; rules with a `kind` are walked once for each kind they accept."""
    for rule in app.url_map.iter_rules():
        kinds = sorted(getattr(rule._converters.get("kind"), "items", None) or [None])
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            for kind in kinds:
                yield rule, method, kind


def _url(rule, values: dict) -> str:
    path = rule.rule
    for name in rule.arguments:
        path = re.sub(r"<(?:[^:<>]+:)?" + name + ">", str(values[name]), path)
    return path


def _call(client, method: str, url: str, csrf: str | None, headers: dict):
    if url.startswith("/api/"):
        return client.open(url, method=method, headers=headers, json={})
    return client.open(url, method=method, data={"csrf_token": csrf or ""})


def _start_kind(endpoint: str, rule, kind: str | None) -> str | None:
    """The procedure a start page or start endpoint begins, if it is one."""
    if endpoint.startswith(("starts.", "procedures.new", "procedures.start_")):
        return kind or rule.rule.rsplit("/", 1)[-1]
    if endpoint.startswith("api_starts.Start_") or endpoint == "api_tasks.StartEntrustment":
        return rule.rule.rsplit("/", 1)[-1]
    return None


def _expectations(endpoint: str, username: str | None, rule, kind: str | None = None) -> set[int] | None:
    """Statuses allowed for this endpoint and user, or None when any non-5xx answer will do."""
    if endpoint.startswith(PUBLIC_PREFIXES) or endpoint == "static":
        return None
    if username is None:
        # Pages redirect to the login page; a POST without a session fails the CSRF check first.
        return {401} if rule.rule.startswith("/api/") else {302, 400}
    if endpoint.startswith(ADMIN_PREFIXES):
        return None if username == "admin" else {403}
    if "case_id" in rule.arguments and username in TOWNSHIP_USERS | DEPARTMENT_USERS and \
            not username.startswith("qh"):
        return {404}  # the 青罕镇 case is outside their organization
    procedure = _start_kind(endpoint, rule, kind)
    if procedure in starts() and not start_grants(_PRINCIPALS[username], procedure):
        return {403}
    scoped = set(rule.arguments) & {"township_id", "delegation_id"}
    if username in TOWNSHIP_USERS and scoped:
        return {404}
    if username in DEPARTMENT_USERS and "delegation_id" in scoped:
        return {404}
    if set(rule.arguments) & {"token_id"} and username != "admin":
        return {404}
    return None


# One user per set of roles and kind of place: the nine department reviewers are checked as one.
@pytest.mark.parametrize("username", [None, *one_user_per_role_and_place()])
def test_every_endpoint_for_every_role(app, session_factory, clock, username):
    ids = _ids(session_factory, clock)
    client = app.test_client()
    headers, csrf = {}, None
    if username is not None:
        login(client, username)
        page = client.get("/account/tokens").get_data(as_text=True)
        csrf = CSRF_RE.search(page).group(1)
        created = client.post("/account/tokens", data={"csrf_token": csrf, "name": "walk"})
        secret = created.get_data(as_text=True).split('id="new-token">')[1].split("<")[0]
        headers = {"Authorization": f"Bearer {secret}"}
    ids["qh_case"] = _qh_case(app, session_factory)
    if username is not None:
        with session_factory() as s:
            _PRINCIPALS[username] = principal_for(s, s.scalars(select(User).where(User.username == username)).one())
    values = _foreign_values(username or "", ids)
    problems = []
    matrix = {"tried": 0, "refusal_expected": 0, "refused_as_expected": 0, "wrongly_allowed": 0}
    for rule, method, kind in _routes(app):
        if rule.endpoint in ("auth.logout", "auth.login_post"):
            continue  # would end the session the walk relies on
        url = _url(rule, {**values, "kind": kind or values["kind"]})
        response = _call(client, method, url, csrf, headers)
        response.close()  # a static file's handle stays open until the response is closed
        allowed = _expectations(rule.endpoint, username, rule, kind)
        _count(matrix, allowed, response)
        if response.status_code >= 500:
            problems.append(f"{method} {url}: {response.status_code}")
        elif allowed is not None and response.status_code not in allowed:
            problems.append(f"{method} {url}: {response.status_code}, expected {sorted(allowed)}")
    _MATRIX[username or "anonymous"] = matrix
    assert matrix["wrongly_allowed"] == 0 and problems == [], "\n".join(problems)


_MATRIX: dict[str, dict] = {}  # username → counts, for the summary below


def _count(matrix: dict, allowed: set[int] | None, response) -> None:
    """Tally one request: a refusal was expected (a set of 4xx, or the login redirect) and given?"""
    matrix["tried"] += 1
    if allowed is None:
        return
    matrix["refusal_expected"] += 1
    status = response.status_code
    to_login = 300 <= status < 400 and "/login" in response.headers.get("Location", "")
    if status in allowed:
        matrix["refused_as_expected"] += 1
    elif status < 400 and not to_login:
        matrix["wrongly_allowed"] += 1


def test_matrix_summary(capsys):
    """The endpoint-by-role matrix in one line (run after the walk; printed for the closing notes)."""
    if not _MATRIX:
        pytest.skip("run with the walk above")
    total = {key: sum(m[key] for m in _MATRIX.values()) for key in next(iter(_MATRIX.values()))}
    with capsys.disabled():
        print(f"\nendpoint-by-role matrix: {len(_MATRIX)} roles, {total}")
    assert total["wrongly_allowed"] == 0 and total["refused_as_expected"] == total["refusal_expected"]
