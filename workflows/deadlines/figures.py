"""Deadline figures per township or department: 按时办结率, overdue count, time to act (domain.md §4)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from heapq import nsmallest

from sqlalchemy import String, case, extract, func, null, select, type_coerce
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


def _group_columns() -> tuple:
    """Each organization's id, the township and department its figures count under, and its shown name.

    Worked out in SQL: grouping 2,000 rows in Python (and converting their kinds to enums) took as long as
    the figures' own statements.
    """
    township = case((Organization.kind == OrgKind.TOWNSHIP, Organization.id),
                    (Organization.kind == OrgKind.TOWNSHIP_ORGAN, Organization.township_id), else_=null())
    department = case((Organization.kind != OrgKind.COUNTY_DEPARTMENT, null()),
                      # A stationed agency (派驻) counts under its county department.
                      (Organization.is_stationed & Organization.parent_id.is_not(None), Organization.parent_id),
                      else_=Organization.id)
    name = case((func.coalesce(Organization.short_name, "") == "", Organization.name), else_=Organization.short_name)
    return Organization.id, township.label("township"), department.label("department"), name.label("name")


_ORGS_KEY = "quanze.figures.orgs"  # session.info: (transaction, {id: row}) of the current transaction
_AT = {"township": 1, "department": 2}  # where a grouping's group id sits in a _group_columns row


def _all(session: Session, query) -> list:
    """Rows of a Core statement on the session's connection, flushed first as session.execute would be.

    The ORM's per-row wrapping of the figures' thousands of rows cost a tenth of the dashboard's time.
    """
    session.flush()
    return session.connection().execute(query).all()


def _directory(session: Session, ids: set) -> dict:
    """Every organization's groups and name (rows of _group_columns), read once per transaction.

    The figures of one page share the read: the county dashboard asked for 2,000 townships' rows seven
    times (IN lists of 2,000 ids), most of its time. An id the read does not hold (an organization added
    later in the transaction) reads them again.
    """
    transaction = session.get_transaction()
    cached = session.info.get(_ORGS_KEY)
    if transaction is not None and cached is not None and cached[0] is transaction and ids <= cached[1].keys():
        return cached[1]
    orgs = {o[0]: o for o in _all(session, select(*_group_columns()))}
    if transaction is not None:
        session.info[_ORGS_KEY] = (transaction, orgs)
    return orgs


def _check_period(start: datetime, end: datetime) -> None:
    if start.tzinfo is None or end.tzinfo is None or end <= start:
        raise ValidationFailed({"period": ["起止须带时区且结束晚于开始 / aware instants, end after start"]})


# The rules whose periods a step kind is measured by (按时办结率 per kind of step, issue 11 §6).
STEP_KINDS = {
    "service": ("apl61_service",),  # 送达 (行政处罚法 第61条)
    "decision": ("apl60_decide",),  # 作出决定 (第60条)
    "publication": ("gb118_publish_penalty", "apl48_withdraw_publication"),  # 公示与撤回 (国办发〔2018〕118号, 第48条)
}
KIND_OF = {key: kind for kind, keys in STEP_KINDS.items() for key in keys}


def _rows(session: Session, start: datetime, end: datetime, *, step_kinds_only: bool = False):
    """(org, status, step kind or None, count, met on time, met late, seconds to act) of deadlines due in
    [start, end), cancelled ones left out: one pass for the figures per group and per step kind.

    The status is read as plain text (DeadlineStatus is a StrEnum, so it compares equal): converting
    thousands of rows to the enum was a tenth of the county dashboard's time.
    """
    met = Deadline.status == DeadlineStatus.MET
    act = _seconds_between(session, Deadline.met_at, Deadline.started_at) - Deadline.paused_seconds
    kind = case(KIND_OF, value=Deadline.rule_key, else_=None).label("step_kind")
    query = (
        select(Deadline.org_id, type_coerce(Deadline.status, String), kind, func.count(),
               func.sum(case((met & (Deadline.met_at <= Deadline.due_at), 1), else_=0)),
               func.sum(case((met & (Deadline.met_at > Deadline.due_at), 1), else_=0)),
               func.sum(case((met, act), else_=0)))
        .where(Deadline.due_at >= start, Deadline.due_at < end, Deadline.org_id.is_not(None),
               Deadline.status != DeadlineStatus.CANCELLED)
        .group_by(Deadline.org_id, Deadline.status, kind))  # the label: PostgreSQL wants the same expression
    if step_kinds_only:
        query = query.where(Deadline.rule_key.in_(KIND_OF))
    return _all(session, query)


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
    _check_period(start, end)
    rows = _rows(session, start, end)
    orgs = _directory(session, {r[0] for r in rows})
    return {group_by: _grouped(rows, orgs, group_by) for group_by in groupings}


def period_figures(session: Session, *, start: datetime, end: datetime, townships: set[int] | None = None,
                   departments: set[int] | None = None) -> dict[str, list[dict]]:
    """The dashboard's figures from one pass over the deadlines due in [start, end): "township" and
    "department" hold every group (the caller shows those in its scope), "steps" the step kinds within
    the given townships or departments (see step_kind_figures)."""
    _check_period(start, end)
    rows = _rows(session, start, end)
    orgs = _directory(session, {r[0] for r in rows})
    return {**{group_by: _grouped(rows, orgs, group_by) for group_by in GROUPINGS},
            "steps": _steps(rows, orgs, townships, departments)}


def _grouped(rows, orgs: dict, group_by: str) -> list[dict]:
    groups: dict[int, GroupFigures] = {}
    at = _AT[group_by]
    for org_id, status, _kind, count, on_time, late, act_seconds in rows:
        group_id = orgs[org_id][at]
        if group_id is None:
            continue
        if (bar := groups.get(group_id)) is None:
            bar = groups[group_id] = GroupFigures(group_id, orgs[group_id].name)
        bar.add(status, count, on_time, late, act_seconds)
    return [g.to_dict() for g in sorted(groups.values(), key=lambda g: g.name)]


def task_figures_by(session: Session, now: datetime, scopes: dict[str, set[int] | None],
                    limit: int = 20) -> dict[str, dict]:
    """Open tasks with a due date (those 期限提醒 lists) per township or department within each scope.

    Per grouping: the totals and the `limit` groups with most overdue, then most open (a county has
    thousands of townships; the page shows where the backlog is, the totals count every task).
    """
    overdue = func.sum(case((HumanTask.due_at < now, 1), else_=0))
    rows = _all(session, select(HumanTask.organization_id, func.count(), overdue)
                .where(HumanTask.state.in_(OPEN_TASK_STATES), HumanTask.due_at.is_not(None))
                .group_by(HumanTask.organization_id))
    orgs = _directory(session, {r[0] for r in rows})
    result = {}
    for group_by, allowed in scopes.items():
        counts: dict[int, list[int]] = {}
        at = _AT[group_by]
        for org_id, count, late in rows:
            group_id = orgs[org_id][at]
            if group_id is not None and (allowed is None or group_id in allowed):
                pair = counts.setdefault(group_id, [0, 0])
                pair[0] += count
                pair[1] += int(late or 0)
        top = nsmallest(limit, counts.items(), key=lambda kv: (-kv[1][1], -kv[1][0], kv[0]))  # not a sort of 2,000
        result[group_by] = {
            "open_tasks": sum(n for n, _ in counts.values()), "overdue_tasks": sum(late for _, late in counts.values()),
            "groups": len(counts),
            "rows": [{"group_id": g, "name": orgs[g].name, "open_tasks": n, "overdue_tasks": late}
                     for g, (n, late) in top]}
    return result


def step_kind_figures(session: Session, *, start: datetime, end: datetime, townships: set[int] | None = None,
                      departments: set[int] | None = None) -> list[dict]:
    """按时办结率 per step kind for deadlines due in [start, end), within the given townships or departments.

    Both scopes None: county-wide. Otherwise a deadline counts when its organization falls under one of them.
    """
    _check_period(start, end)
    rows = _rows(session, start, end, step_kinds_only=True)
    return _steps(rows, _directory(session, {r[0] for r in rows}), townships, departments)


def _steps(rows, orgs: dict, townships: set[int] | None, departments: set[int] | None) -> list[dict]:
    county_wide = townships is None and departments is None
    kinds = {kind: GroupFigures(n, kind) for n, kind in enumerate(STEP_KINDS)}
    for org_id, status, kind, count, on_time, late, _act_seconds in rows:
        if kind is None:
            continue
        org = orgs[org_id]
        if county_wide or org.township in (townships or ()) or org.department in (departments or ()):
            kinds[kind].add(status, count, on_time, late)
    return [g.to_dict() | {"kind": g.name} for g in kinds.values()]  # average_hours_to_act not summed here
