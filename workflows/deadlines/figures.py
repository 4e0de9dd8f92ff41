"""Deadline figures per township or department: 按时办结率, overdue count, time to act (domain.md §4)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import case, extract, func, select
from sqlalchemy.orm import Session

from models import Deadline, DeadlineStatus, HumanTask, Organization, OrgKind
from workflows.core.errors import ValidationFailed

GROUPINGS = ("township", "department")
OPEN_TASK_STATES = ("ready", "claimed")


@dataclass
class GroupFigures:
    """One bar of the dashboard chart."""

    group_id: int
    name: str
    due: int = 0  # deadlines that fell due in the period (cancelled ones left out)
    met_on_time: int = 0
    met_late: int = 0
    overdue_open: int = 0  # passed their due instant and still not met
    open: int = 0  # running or paused
    _act_seconds: float = 0.0

    @property
    def overdue(self) -> int:
        """Deadlines that passed their due instant unmet (late or still open)."""
        return self.met_late + self.overdue_open

    @property
    def on_time_rate(self) -> float | None:
        """按时办结率: met on time over those decided (met, or passed due), None when none."""
        decided = self.met_on_time + self.overdue
        return round(self.met_on_time / decided, 4) if decided else None

    @property
    def average_hours_to_act(self) -> float | None:
        """Mean hours from start to completion, paused spans not counted."""
        met = self.met_on_time + self.met_late
        return round(self._act_seconds / met / 3600, 2) if met else None

    def add(self, status, count: int, on_time, late, act_seconds=0.0) -> None:
        """Count one (organization, status) row of deadlines into the bar."""
        self.due += count
        self.met_on_time += int(on_time or 0)
        self.met_late += int(late or 0)
        self._act_seconds += float(act_seconds or 0)
        if status == DeadlineStatus.OVERDUE:
            self.overdue_open += count
        elif status != DeadlineStatus.MET:
            self.open += count

    def to_dict(self) -> dict:
        """JSON-native figures for the web's chart."""
        # Built by hand: dataclasses.asdict deep-copies, a tenth of the dashboard's time at 2,000 townships.
        data = {"group_id": self.group_id, "name": self.name, "due": self.due, "met_on_time": self.met_on_time,
                "met_late": self.met_late, "overdue_open": self.overdue_open, "open": self.open}
        return {**data, "overdue": self.overdue, "on_time_rate": self.on_time_rate,
                "average_hours_to_act": self.average_hours_to_act}


def _seconds_between(session: Session, later, earlier):
    """Portable seconds between two timestamp columns."""
    if session.get_bind().dialect.name == "postgresql":
        return extract("epoch", later - earlier)
    return (func.julianday(later) - func.julianday(earlier)) * 86400.0


def _group_of(org: Organization, group_by: str) -> int | None:
    """The township or department a deadline's organization counts under."""
    if group_by == "township":
        if org.kind == OrgKind.TOWNSHIP:
            return org.id
        return org.township_id if org.kind == OrgKind.TOWNSHIP_ORGAN else None
    if org.kind == OrgKind.COUNTY_DEPARTMENT:
        # A stationed agency (派驻) counts under its county department.
        return org.parent_id if org.is_stationed and org.parent_id else org.id
    return None


def _rows(session: Session, start: datetime, end: datetime):
    met = Deadline.status == DeadlineStatus.MET
    act = _seconds_between(session, Deadline.met_at, Deadline.started_at) - Deadline.paused_seconds
    query = (
        select(Deadline.org_id, Deadline.status, func.count(),
               func.sum(case((met & (Deadline.met_at <= Deadline.due_at), 1), else_=0)),
               func.sum(case((met & (Deadline.met_at > Deadline.due_at), 1), else_=0)),
               func.sum(case((met, act), else_=0)))
        .where(Deadline.due_at >= start, Deadline.due_at < end, Deadline.org_id.is_not(None),
               Deadline.status != DeadlineStatus.CANCELLED)
        .group_by(Deadline.org_id, Deadline.status))
    return session.execute(query).all()


_ORGS_KEY = "quanze.figures.orgs"  # session.info: (transaction, {id: row}) of the current transaction
ORG_COLUMNS = (Organization.id, Organization.kind, Organization.township_id, Organization.parent_id,
               Organization.is_stationed, Organization.short_name, Organization.name)


def _org_rows(session: Session, ids: set) -> dict:
    """Only the columns grouping and naming need: whole Organization objects cost most of the figures' time.

    Every organization is read once per transaction and shared by the figures of one page: the county
    dashboard asked for 2,000 townships' rows seven times (IN lists of 2,000 ids), most of its time.
    """
    if not ids:
        return {}
    transaction = session.get_transaction()
    cached = session.info.get(_ORGS_KEY)
    if transaction is None or cached is None or cached[0] is not transaction:
        rows = {o.id: o for o in session.execute(select(*ORG_COLUMNS))}
        if transaction is None:
            return {i: rows[i] for i in ids if i in rows}
        cached = session.info[_ORGS_KEY] = (transaction, rows)
    return {i: cached[1][i] for i in ids if i in cached[1]}


def deadline_figures(session: Session, *, start: datetime, end: datetime,
                     group_by: str = "township") -> list[dict]:
    """Per township or department, for deadlines due in [start, end): rates, counts, time to act."""
    return deadline_figures_by(session, start=start, end=end, groupings=(group_by,))[group_by]


def deadline_figures_by(session: Session, *, start: datetime, end: datetime,
                        groupings: tuple[str, ...] = GROUPINGS) -> dict[str, list[dict]]:
    """The figures for several groupings from one pass over the deadlines."""
    for group_by in groupings:
        if group_by not in GROUPINGS:
            raise ValidationFailed({"group_by": [f"应为 {GROUPINGS} / must be township or department"]})
    if start.tzinfo is None or end.tzinfo is None or end <= start:
        raise ValidationFailed({"period": ["起止须带时区且结束晚于开始 / aware instants, end after start"]})
    rows = _rows(session, start, end)
    orgs = _org_rows(session, {r[0] for r in rows})
    return {group_by: _grouped(session, rows, orgs, group_by) for group_by in groupings}


def _grouped(session: Session, rows, orgs: dict, group_by: str) -> list[dict]:
    placed = [(_group_of(orgs[r[0]], group_by), *r[1:]) for r in rows]
    missing = {p[0] for p in placed if p[0] is not None} - orgs.keys()
    known = {**orgs, **_org_rows(session, missing)}
    names = {i: known[i].short_name or known[i].name for i in {p[0] for p in placed if p[0] is not None}}
    groups: dict[int, GroupFigures] = {}
    for group_id, status, count, on_time, late, act_seconds in placed:
        if group_id is None:
            continue
        groups.setdefault(group_id, GroupFigures(group_id, names[group_id])).add(status, count, on_time, late,
                                                                              act_seconds)
    return [g.to_dict() for g in sorted(groups.values(), key=lambda g: g.name)]


def task_figures_by(session: Session, now: datetime, scopes: dict[str, set[int] | None],
                    limit: int = 20) -> dict[str, dict]:
    """Open tasks with a due date (those 期限提醒 lists) per township or department within each scope.

    Per grouping: the totals and the `limit` groups with most overdue, then most open (a county has
    thousands of townships; the page shows where the backlog is, the totals count every task).
    """
    overdue = func.sum(case((HumanTask.due_at < now, 1), else_=0))
    rows = session.execute(
        select(HumanTask.organization_id, func.count(), overdue)
        .where(HumanTask.state.in_(OPEN_TASK_STATES), HumanTask.due_at.is_not(None))
        .group_by(HumanTask.organization_id)).all()
    orgs = _org_rows(session, {r[0] for r in rows})
    result = {}
    for group_by, allowed in scopes.items():
        counts: dict[int, list[int]] = {}
        for org_id, count, late in rows:
            group_id = _group_of(orgs[org_id], group_by)
            if group_id is not None and (allowed is None or group_id in allowed):
                pair = counts.setdefault(group_id, [0, 0])
                pair[0] += count
                pair[1] += int(late or 0)
        top = sorted(counts.items(), key=lambda kv: (-kv[1][1], -kv[1][0], kv[0]))[:limit]
        names = {**orgs, **_org_rows(session, {g for g, _ in top} - orgs.keys())}
        result[group_by] = {
            "open_tasks": sum(n for n, _ in counts.values()), "overdue_tasks": sum(late for _, late in counts.values()),
            "groups": len(counts),
            "rows": [{"group_id": g, "name": names[g].short_name or names[g].name, "open_tasks": n,
                      "overdue_tasks": late} for g, (n, late) in top]}
    return result


# The rules whose periods a step kind is measured by (按时办结率 per kind of step, issue 11 §6).
STEP_KINDS = {
    "service": ("apl61_service",),  # 送达 (行政处罚法 第61条)
    "decision": ("apl60_decide",),  # 作出决定 (第60条)
    "publication": ("gb118_publish_penalty", "apl48_withdraw_publication"),  # 公示与撤回 (国办发〔2018〕118号, 第48条)
}


def step_kind_figures(session: Session, *, start: datetime, end: datetime, townships: set[int] | None = None,
                      departments: set[int] | None = None) -> list[dict]:
    """按时办结率 per step kind for deadlines due in [start, end), within the given townships or departments.

    Both scopes None: county-wide. Otherwise a deadline counts when its organization falls under one of them.
    """
    if start.tzinfo is None or end.tzinfo is None or end <= start:
        raise ValidationFailed({"period": ["起止须带时区且结束晚于开始 / aware instants, end after start"]})
    kind_of = {key: kind for kind, keys in STEP_KINDS.items() for key in keys}
    met = Deadline.status == DeadlineStatus.MET
    rows = session.execute(
        select(Deadline.org_id, Deadline.rule_key, Deadline.status, func.count(),
               func.sum(case((met & (Deadline.met_at <= Deadline.due_at), 1), else_=0)),
               func.sum(case((met & (Deadline.met_at > Deadline.due_at), 1), else_=0)))
        .where(Deadline.due_at >= start, Deadline.due_at < end, Deadline.org_id.is_not(None),
               Deadline.rule_key.in_(kind_of), Deadline.status != DeadlineStatus.CANCELLED)
        .group_by(Deadline.org_id, Deadline.rule_key, Deadline.status)).all()
    orgs = _org_rows(session, {r[0] for r in rows})
    county_wide = townships is None and departments is None
    kinds = {kind: GroupFigures(n, kind) for n, kind in enumerate(STEP_KINDS)}
    for org_id, rule_key, status, count, on_time, late in rows:
        org = orgs[org_id]
        if not (county_wide or _group_of(org, "township") in (townships or ())
                or _group_of(org, "department") in (departments or ())):
            continue
        kinds[kind_of[rule_key]].add(status, count, on_time, late)
    return [g.to_dict() | {"kind": g.name} for g in kinds.values()]  # average_hours_to_act not summed here
