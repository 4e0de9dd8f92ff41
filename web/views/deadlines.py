"""Deadlines and notifications of the user, and the dashboards (on-time rate, overdue) as SVG."""

from __future__ import annotations

from datetime import timedelta

from flask import Blueprint, redirect, render_template, request, url_for
from marshmallow import EXCLUDE, fields

from models import DeadlineStatus
from web.auth import login_required, principal
from web.charts import cases_chart, on_time_chart, overdue_chart
from web.i18n import is_english
from web.names import item_name, org_name
from web.requests import clock, db, end_reads, today
from web.schemas.common import BaseSchema, load
from web.views.tasks import acting_user
from workflows.accounts.access import visible_township_ids
from workflows.core.clock import start_of_legal_day
from workflows.deadlines.figures import period_figures, task_figures_by
from workflows.deadlines.notifications import list_notifications, mark_read
from workflows.deadlines.records import list_deadlines
from workflows.procedures.case_handling.disclosure import cases_by_item
from workflows.tasks.inbox import dated_open_tasks

bp = Blueprint("deadlines", __name__)
DATE_MSG = {"invalid": "日期格式应为 YYYY-MM-DD / date must be YYYY-MM-DD"}


class PeriodArgs(BaseSchema):
    """?start=&end= legal dates of the dashboard period (default: the last 90 days)."""

    class Meta:
        unknown = EXCLUDE

    start = fields.Date(load_default=None, error_messages=DATE_MSG)
    end = fields.Date(load_default=None, error_messages=DATE_MSG)
    status = fields.Enum(DeadlineStatus, by_value=True, load_default=None,
                         error_messages={"unknown": "取值无效 / not an allowed value"})


@bp.get("/deadlines")
@login_required
def index():
    """My organizations' deadlines (overdue first) and my notifications."""
    args, errors = load(PeriodArgs(), {k: v for k, v in request.args.items() if v.strip()})
    statuses = [args["status"]] if not errors and args["status"] else None
    user = acting_user()
    return render_template("deadlines/index.html", errors=errors,
                           deadlines=list_deadlines(db(), user, statuses=statuses),
                           notifications=list_notifications(db(), user), statuses=list(DeadlineStatus),
                           tasks=dated_open_tasks(db(), {g.org_id for g in principal().grants}),
                           args=request.args, now=clock().now()), (422 if errors else 200)


@bp.post("/notifications/<int:notification_id>/read")
@login_required
def read(notification_id: int):
    """Mark one notification read."""
    user = acting_user()
    end_reads()
    mark_read(db(), clock(), notification_id, user)
    return redirect(url_for("deadlines.index"))


def _visible(figures: list[dict], allowed: set[int] | None) -> list[dict]:
    shown = figures if allowed is None else [f for f in figures if f["group_id"] in allowed]
    # The charts print each group's name: in English its organization's English name.
    return [dict(f, name=org_name(f["group_id"], f["name"])) for f in shown] if is_english() else shown


@bp.get("/dashboard")
@login_required
def dashboard():
    """按时办结率 and overdue counts per township and per department, drawn as SVG."""
    args, errors = load(PeriodArgs(), {k: v for k, v in request.args.items() if v.strip()})
    end = (args or {}).get("end") or today()
    start = (args or {}).get("start") or end - timedelta(days=90)
    if not errors and start > end:
        errors = {"start": ["开始日期不能晚于结束日期 / start is after end"]}
    me = principal()
    towns, depts, steps = [], [], []
    # Every open task with a due date counts here for its organization, as 期限提醒 lists it.
    town_scope = visible_township_ids(me) if not me.department_ids else None
    dept_scope = None if me.is_county_wide else me.department_ids
    tasks = task_figures_by(db(), clock().now(), {"township": town_scope, "department": dept_scope})
    dated = {"towns": tasks["township"], "depts": tasks["department"]}
    if not errors:
        span = (start_of_legal_day(start), start_of_legal_day(end + timedelta(days=1)))
        # Township staff see their own township; departments their own; county-wide roles all.
        # One pass for both groupings and 按时办结率 per kind of case step (送达、决定、公示) in the same scope.
        figures = period_figures(db(), start=span[0], end=span[1], townships=town_scope, departments=dept_scope)
        towns = _visible(figures["township"], town_scope)
        depts = _visible(figures["department"], dept_scope)
        steps = figures["steps"]
    by_item = [(code, item_name(code, name), n) for code, name, n in cases_by_item(db(), me)]
    return render_template("deadlines/dashboard.html", errors=errors, start=start, end=end,
                           towns=towns, depts=depts, steps=steps, dated=dated, by_item=by_item, cases_chart=cases_chart(by_item),
                           charts={"town_rate": on_time_chart(towns), "town_overdue": overdue_chart(towns),
                                   "dept_rate": on_time_chart(depts), "dept_overdue": overdue_chart(depts)}
                           ), (422 if errors else 200)
