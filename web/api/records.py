"""What the pages show beside tasks: one task with its form, documents, deadlines, notifications, figures."""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import quote

from flask import Response, current_app
from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import fields, validate

from models import DeadlineStatus, User
from web.api.common import BEARER, QUERY, caller, paged, require_token
from web.requests import clock, db, end_reads, forms, today
from web.schemas import records as out
from web.schemas.common import MSG_REQUIRED, BaseSchema, PageArgs
from web.schemas.task_forms import form_json_schema
from workflows.accounts.access import visible_township_ids
from workflows.core.clock import start_of_legal_day
from workflows.core.errors import ValidationFailed
from workflows.deadlines.figures import deadline_figures_by
from workflows.deadlines.notifications import list_notifications, mark_read
from workflows.deadlines.records import list_deadlines
from workflows.procedures.entrustment import steps as entrustment
from workflows.tasks import processes
from workflows.tasks.inbox import visible_document, visible_instance, visible_task
from workflows.tasks.listing import visible_instances

blp = Blueprint("api_records", __name__, url_prefix="/api/v1",
                description="任务、文书、期限、通知与统计 / tasks, documents, deadlines, notifications, figures")
blp.before_request(require_token)
DATE_MSG = {"invalid": "日期格式应为 YYYY-MM-DD / date must be YYYY-MM-DD", "required": MSG_REQUIRED}


def _user() -> User:
    return db().get(User, caller().user_id)


@blp.route("/tasks/<int:task_id>")
class Task(MethodView):
    """One task."""

    @blp.doc(security=BEARER)
    @blp.response(200, out.TaskDetailOut)
    def get(self, task_id: int):
        """The task with its form, as declared and as a JSON Schema of the data that completes it."""
        task = visible_task(db(), caller(), task_id)
        instance = visible_instance(db(), caller(), task.instance_id)
        row = processes.task_to_dict(task, instance.process_id, forms())
        if task.state in ("ready", "claimed"):
            data = processes.task_data(db(), current_app.extensions["quanze"].workflow_engine(), task)
            choices = processes.task_options(db(), forms(), instance.process_id, task, data)
            for field in row["form"]["fields"]:
                if field["name"] in choices:
                    field["options"] = [o.to_dict() for o in choices[field["name"]]]
        return {**row, "process_id": instance.process_id, "form_schema": form_json_schema(row["form"])}


@blp.route("/documents/<int:document_id>")
class DocumentMeta(MethodView):
    """A letter or decision of an instance the caller may open."""

    @blp.doc(security=BEARER)
    @blp.response(200, out.DocumentOut)
    def get(self, document_id: int):
        """Number, title, type, size and sha256 (the bytes are at /content)."""
        return visible_document(db(), caller(), document_id)


@blp.route("/documents/<int:document_id>/content")
class DocumentContent(MethodView):
    """The stored bytes of a document."""

    @blp.doc(security=BEARER, responses={"200": {"description": "the document as issued",
                                                  "content": {"application/octet-stream": {}}}})
    def get(self, document_id: int):
        """Byte-for-byte as issued, always as an attachment (HTML never runs on our origin)."""
        doc = visible_document(db(), caller(), document_id)
        return Response(doc.content, mimetype=doc.mime.split(";")[0], headers={
            "Content-Disposition": f"attachment; filename*=UTF-8''{quote(doc.filename)}",
            "X-Content-SHA256": doc.sha256})


class DeadlineArgs(BaseSchema):
    """?status= filter of the caller's deadlines."""

    status = fields.Enum(DeadlineStatus, by_value=True, load_default=None,
                         error_messages={"unknown": "取值无效 / not an allowed value"})


@blp.route("/deadlines")
class Deadlines(MethodView):
    """The caller's organizations' deadlines."""

    @blp.doc(security=BEARER)
    @blp.arguments(DeadlineArgs, **QUERY)
    @blp.response(200, out.DeadlineRowOut(many=True))
    def get(self, args):
        """Overdue first, then by due time (at most 100)."""
        return list_deadlines(db(), _user(), statuses=[args["status"]] if args["status"] else None)


@blp.route("/notifications")
class Notifications(MethodView):
    """The caller's notifications."""

    @blp.doc(security=BEARER)
    @blp.response(200, out.NotificationOut(many=True))
    def get(self):
        """Newest first (at most 50)."""
        return list_notifications(db(), _user())


@blp.route("/notifications/<int:notification_id>/read")
class ReadNotification(MethodView):
    """Mark a notification read."""

    @blp.doc(security=BEARER)
    @blp.response(200, out.NotificationOut)
    def post(self, notification_id: int):
        """Only one's own; anyone else's answers as a missing one."""
        user = _user()
        end_reads()
        return mark_read(db(), clock(), notification_id, user)


class PeriodArgs(BaseSchema):
    """?start=&end= legal dates (default: the 90 days up to today)."""

    start = fields.Date(load_default=None, error_messages=DATE_MSG)
    end = fields.Date(load_default=None, error_messages=DATE_MSG)


@blp.route("/dashboard")
class Dashboard(MethodView):
    """按时办结率 and overdue counts, as on the dashboard page."""

    @blp.doc(security=BEARER)
    @blp.arguments(PeriodArgs, **QUERY)
    @blp.response(200, out.DashboardOut)
    def get(self, args):
        """Figures per township and per department within the caller's scope."""
        end = args["end"] or today()
        start = args["start"] or end - timedelta(days=90)
        if start > end:
            raise ValidationFailed({"start": ["开始日期不能晚于结束日期 / start is after end"]})
        me = caller()
        figures = deadline_figures_by(db(), start=start_of_legal_day(start),
                                      end=start_of_legal_day(end + timedelta(days=1)))
        towns_allowed = visible_township_ids(me) if not me.department_ids else None
        depts_allowed = None if me.is_county_wide else me.department_ids
        return {"start": start, "end": end,
                "townships": [f for f in figures["township"] if towns_allowed is None
                              or f["group_id"] in towns_allowed],
                "departments": [f for f in figures["department"] if depts_allowed is None
                                or f["group_id"] in depts_allowed]}


class InstanceArgs(PageArgs):
    """?process_id=&status=&page=&page_size= filters of the instance list."""

    process_id = fields.String(load_default=None, validate=validate.Length(max=80))
    status = fields.String(load_default=None, validate=validate.Length(max=20))


@blp.route("/instances")
class Instances(MethodView):
    """Procedure instances the caller may open."""

    @blp.doc(security=BEARER)
    @blp.arguments(InstanceArgs, **QUERY)
    @blp.response(200, out.InstancePageOut)
    def get(self, args):
        """Newest first, a page at a time."""
        return paged(visible_instances(db(), caller(), process_id=args["process_id"], status=args["status"],
                                       page=args["page"], page_size=args["page_size"]))


class RevokeIn(BaseSchema):
    """Why and from when an entrustment ends (行政处罚法 第20条: the entrusting organ may revoke)."""

    reason = fields.String(required=True, validate=validate.Length(min=1, max=2000),
                           error_messages={"required": MSG_REQUIRED})
    revoke_on = fields.Date(required=True, error_messages=DATE_MSG)


@blp.route("/instances/<int:instance_id>/revocation")
class Revocation(MethodView):
    """Revoke an entrustment in force."""

    @blp.doc(security=BEARER)
    @blp.arguments(RevokeIn)
    @blp.response(200, out.RevokedOut)
    def post(self, data, instance_id: int):
        """The entrusting department ends the entrustment from a date, with its reasons."""
        visible_instance(db(), caller(), instance_id)
        user, engine = _user(), current_app.extensions["quanze"].workflow_engine()
        end_reads()
        entrustment.revoke_entrustment(db(), engine, instance_id, user, reason=data["reason"],
                                       revoke_on=data["revoke_on"])
        return {"instance_id": instance_id, "revoke_on": data["revoke_on"], "reason": data["reason"]}
