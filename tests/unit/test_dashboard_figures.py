"""The dashboard's one-pass figures equal a plain count of the deadline rows: groups, statuses, step kinds, scopes."""

from __future__ import annotations

import uuid
from collections import Counter
from datetime import UTC, datetime, timedelta
from itertools import product

import pytest
from sqlalchemy import select

from models import (
    Deadline,
    DeadlineStatus,
    HumanTask,
    Organization,
    OrgKind,
    ProcessDefinition,
    ProcessInstance,
)
from tests.support.deadline_world import build_world
from workflows.calendar.legal_calendar import LegalCalendar
from workflows.core.db import unit_of_work
from workflows.deadlines.figures import (
    STEP_KINDS,
    deadline_figures_by,
    period_figures,
    step_kind_figures,
    task_figures_by,
)
from workflows.deadlines.records import cancel, mark_met, pause, start_deadline
from workflows.jobs.firing import fire_due

START, END = datetime(2026, 3, 1, tzinfo=UTC), datetime(2026, 9, 1, tzinfo=UTC)
# Three step kinds and two rules outside them; apl60_decide (90 days) falls due after the others.
RULES = ("apl61_service", "apl60_decide", "gb118_publish_penalty", "apl64_hearing_request", "entrust_township_opinion")
FIELDS = ("due", "met_on_time", "met_late", "overdue_open", "open")


@pytest.fixture
def county(session, clock):
    """Deadlines of every rule for two townships, a township organ, a department (empty short name), its
    stationed agency and the county government: met on time, met late, overdue, paused, running, cancelled."""
    world = build_world(session, clock)
    other = session.scalars(select(Organization).where(Organization.short_name == "青罕镇")).one()
    with unit_of_work(session):
        organ = Organization(name="郑口镇综合行政执法队", short_name="", kind=OrgKind.TOWNSHIP_ORGAN,
                             parent_id=world.township.id, township_id=world.township.id)
        stationed = Organization(name="故城县城市管理综合行政执法局郑口中队", short_name="郑口中队",
                                 kind=OrgKind.COUNTY_DEPARTMENT, is_stationed=True, parent_id=world.department.id,
                                 township_id=world.township.id)
        session.add_all([organ, stationed])
        world.department.short_name = ""  # an empty short name shows the full name
    orgs = [world.township, other, organ, world.department, stationed, world.county]
    calendar = LegalCalendar()
    started = [start_deadline(session, clock, calendar, rule, case_ref=f"C{n}", org=org)
               for n, (org, rule) in enumerate(product(orgs, RULES))]
    for n, deadline in enumerate(started):
        if n % 3 == 0:
            mark_met(session, clock, deadline.id)
        elif n % 7 == 1:
            cancel(session, clock, deadline.id, "移送")
        elif n % 7 == 2:
            pause(session, clock, deadline.id, "检测鉴定")
    clock.advance(timedelta(days=40))
    fire_due(session, clock)
    for n, deadline in enumerate(started):
        if n % 3 == 1 and n % 7 == 4:
            mark_met(session, clock, deadline.id)  # late for the short rules, on time for apl60_decide
    session.commit()
    return world, stationed


def _group(org: Organization, group_by: str) -> int | None:
    """The rule the dashboard documents: townships and their organs; departments and their stationed agencies."""
    if group_by == "township":
        return org.id if org.kind == OrgKind.TOWNSHIP else (
            org.township_id if org.kind == OrgKind.TOWNSHIP_ORGAN else None)
    if org.kind == OrgKind.COUNTY_DEPARTMENT:
        return org.parent_id if org.is_stationed and org.parent_id else org.id
    return None


def _counted(session) -> list[tuple[Deadline, Organization]]:
    """Every deadline the period's figures count, with its organization, read row by row."""
    return [(d, session.get(Organization, d.org_id)) for d in session.scalars(select(Deadline))
            if START <= d.due_at < END and d.status != DeadlineStatus.CANCELLED and d.org_id is not None]


def _tally(counter: Counter, d: Deadline) -> None:
    counter["due"] += 1
    if d.status == DeadlineStatus.MET:
        counter["met_on_time" if d.met_at <= d.due_at else "met_late"] += 1
    else:
        counter["overdue_open" if d.status == DeadlineStatus.OVERDUE else "open"] += 1


def _plain_groups(session, group_by: str) -> dict:
    counts: dict[int, Counter] = {}
    hours: dict[int, list[float]] = {}
    for d, org in _counted(session):
        group = _group(org, group_by)
        if group is not None:
            _tally(counts.setdefault(group, Counter()), d)
            if d.status == DeadlineStatus.MET:
                hours.setdefault(group, []).append(((d.met_at - d.started_at).total_seconds() - d.paused_seconds) / 3600)
    named = {g: session.get(Organization, g) for g in counts}
    return {g: (named[g].short_name or named[g].name, *(counts[g][f] for f in FIELDS),
                round(sum(hours[g]) / len(hours[g]), 2) if g in hours else None) for g in counts}


def _plain_steps(session, townships: set | None, departments: set | None) -> dict:
    kind_of = {key: kind for kind, keys in STEP_KINDS.items() for key in keys}
    counts = {kind: Counter() for kind in STEP_KINDS}
    for d, org in _counted(session):
        wide = townships is None and departments is None
        if d.rule_key in kind_of and (wide or _group(org, "township") in (townships or ())
                                      or _group(org, "department") in (departments or ())):
            _tally(counts[kind_of[d.rule_key]], d)
    return {kind: tuple(c[f] for f in FIELDS) for kind, c in counts.items()}


def _shown(figures: list[dict]) -> dict:
    return {f["group_id"]: (f["name"], *(f[k] for k in FIELDS), f["average_hours_to_act"]) for f in figures}


def test_figures_per_group_equal_a_plain_count(session, county):
    world, stationed = county
    figures = period_figures(session, start=START, end=END)
    for group_by in ("township", "department"):
        assert _shown(figures[group_by]) == _plain_groups(session, group_by), group_by
    # The organ counts under 郑口镇, the stationed agency under its department; the county government nowhere.
    assert {f["group_id"] for f in figures["township"]} == {world.township.id, _other(session)}
    assert {f["group_id"] for f in figures["department"]} == {world.department.id}
    assert stationed.id not in {f["group_id"] for f in figures["department"]}
    statuses = Counter(d.status for d, _org in _counted(session))
    assert {DeadlineStatus.MET, DeadlineStatus.OVERDUE, DeadlineStatus.PAUSED} <= statuses.keys()
    assert any(f["met_late"] for f in figures["township"]) and any(f["met_on_time"] for f in figures["township"])


@pytest.mark.parametrize("scope", ["county", "township", "department", "both"])
def test_step_kinds_equal_a_plain_count_within_each_scope(session, county, scope):
    world, _stationed = county
    townships = {world.township.id} if scope in ("township", "both") else None
    departments = {world.department.id} if scope in ("department", "both") else None
    figures = period_figures(session, start=START, end=END, townships=townships, departments=departments)
    shown = {f["kind"]: tuple(f[k] for k in FIELDS) for f in figures["steps"]}
    assert shown == _plain_steps(session, townships, departments)
    assert figures["steps"] == step_kind_figures(session, start=START, end=END, townships=townships,
                                                 departments=departments)
    assert any(shown["publication"]) and any(shown["decision"])


def test_one_pass_equals_the_figures_asked_for_one_by_one(session, county):
    both = period_figures(session, start=START, end=END)
    assert deadline_figures_by(session, start=START, end=END) == {k: both[k] for k in ("township", "department")}


def _other(session) -> int:
    return session.scalars(select(Organization.id).where(Organization.short_name == "青罕镇")).one()


def test_open_task_figures_equal_a_plain_count(session, county, clock):
    """有期限的待办: open dated tasks per township and department (organs and stationed agencies under theirs),
    overdue ones among them; the top rows by overdue, then open, then id."""
    world, _stationed = county
    now = clock.now()
    orgs = list(session.scalars(select(Organization).order_by(Organization.id)))
    with unit_of_work(session):
        definition = ProcessDefinition(process_id="p", file_name="p.bpmn", content_sha256="0" * 64,
                                       bpmn_xml="<definitions/>", created_at=now)
        session.add(definition)
        session.flush()
        instance = ProcessInstance(definition_id=definition.id, process_id="p", state="{}", version=1,
                                   started_at=now, updated_at=now)
        session.add(instance)
        session.flush()
        session.add_all(HumanTask(  # per organization: rounds of ready, claimed, completed; some undated
            instance_id=instance.id, spiff_task_id=str(uuid.uuid4()), task_spec_name="t", title="t", role="r",
            organization_id=org.id, state=("ready", "claimed", "completed")[r % 3], created_at=now,
            due_at=None if (r + i) % 4 == 3 else now + timedelta(days=(r + 2 * i) % 5 - 2))
            for r in range(5) for i, org in enumerate(orgs))
    scopes = {"township": None, "department": {world.department.id}}
    figures = task_figures_by(session, now, scopes, limit=2)
    tasks = [t for t in session.scalars(select(HumanTask)) if t.state in ("ready", "claimed") and t.due_at]
    for group_by, allowed in scopes.items():
        counts: dict[int, list[int]] = {}
        for t in tasks:
            group = _group(session.get(Organization, t.organization_id), group_by)
            if group is not None and (allowed is None or group in allowed):
                pair = counts.setdefault(group, [0, 0])
                pair[0] += 1
                pair[1] += t.due_at < now
        top = sorted(counts.items(), key=lambda kv: (-kv[1][1], -kv[1][0], kv[0]))[:2]
        named = {g: session.get(Organization, g) for g, _ in top}
        assert figures[group_by] == {
            "open_tasks": sum(n for n, _ in counts.values()), "overdue_tasks": sum(o for _, o in counts.values()),
            "groups": len(counts), "rows": [{"group_id": g, "name": named[g].short_name or named[g].name,
                                             "open_tasks": n, "overdue_tasks": o} for g, (n, o) in top]}, group_by
    assert figures["township"]["groups"] == 2 and figures["department"]["overdue_tasks"] > 0
