"""Procedures over the API: inbox, claim, release, complete, instances, starting an entrustment."""

from __future__ import annotations

from flask import current_app
from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate

from models import OrgKind, User
from web.api.common import BEARER, QUERY, caller, may_start, paged, require_token
from web.api.openapi import NO_NUL
from web.requests import db, end_reads, forms, now
from web.schemas.common import MAX_PAGE_SIZE, BaseSchema, PageMeta
from web.schemas.records import InstanceRowOut, TaskRowOut
from web.schemas.starts import EntrustmentStart
from web.views.tasks import InboxArgs
from workflows.core.directory import find_org
from workflows.procedures.entrustment import steps as entrustment
from workflows.registry.browse import Page
from workflows.tasks import processes
from workflows.tasks.inbox import inbox, inbox_total, instance_view, visible_task

blp = Blueprint("api_tasks", __name__, url_prefix="/api/v1",
                description="流程与待办 / procedures and tasks")
blp.before_request(require_token)


class TaskOut(Schema):
    """An open or finished human task."""

    id = fields.Integer()
    instance_id = fields.Integer()
    task = fields.String(attribute="task_spec_name")
    title = fields.String()
    role = fields.String()
    organization_id = fields.Integer()
    state = fields.String()
    claimed_by = fields.Integer(allow_none=True)
    due_at = fields.DateTime(allow_none=True)
    needs_certificate = fields.Boolean()


class InboxRowOut(Schema):
    """One inbox line."""

    task = fields.Nested(TaskOut)
    process_id = fields.Function(lambda r: r.instance.process_id)
    township_id = fields.Function(lambda r: r.instance.township_id)
    overdue = fields.Boolean()


class HistoryOut(Schema):
    """One audit row of an instance (执法全过程记录)."""

    seq = fields.Integer()
    at = fields.DateTime()
    action = fields.String()
    actor_user_id = fields.Integer(allow_none=True)
    actor_name = fields.String(allow_none=True)
    actor_org_id = fields.Integer(allow_none=True)
    actor_org_name = fields.String(allow_none=True)
    task = fields.String(allow_none=True)
    data_digest = fields.String()


class InstanceOut(InstanceRowOut):
    """An instance as listed, with its tasks, history and documents."""

    tasks = fields.List(fields.Nested(TaskRowOut))
    history = fields.List(fields.Nested(HistoryOut))
    document_ids = fields.Function(lambda v: [d.id for d in v["documents"]])


# What a form field may hold (workflows.core.forms.FIELD_TYPES): text, a number, yes/no, a date as
# text, or a list of item codes; the task's own form (GET /tasks/{id}) names the fields.
FORM_VALUE = {"nullable": True, "oneOf": [
    {"type": "string", "pattern": NO_NUL}, {"type": "number"}, {"type": "boolean"},
    {"type": "array", "items": {"type": "string", "pattern": NO_NUL}}]}


class CompleteIn(BaseSchema):
    """The task's form data; each field is checked against the task's declaration."""

    data = fields.Dict(required=True, keys=fields.String(),
                       error_messages={"required": "必填 / required", "invalid": "应为对象 / must be an object"},
                       metadata={"additionalProperties": FORM_VALUE})


def _engine():
    return current_app.extensions["quanze"].workflow_engine()


def _user() -> User:
    return db().get(User, caller().user_id)


def _prepare(task_id: int) -> tuple:
    """Check the task is visible, then close the read so the use case commits its own work."""
    visible_task(db(), caller(), task_id)
    user, engine = _user(), _engine()
    end_reads()
    return user, engine


class InboxPageArgs(InboxArgs):
    """Inbox filters and the page: ?process_id=&township_id=&due=&page=&page_size=."""

    page_size = fields.Integer(load_default=50, validate=validate.Range(min=1, max=MAX_PAGE_SIZE),
                               error_messages={"invalid": "应为整数 / must be an integer"})


class InboxPageOut(Schema):
    """One page of the inbox with its pagination facts."""

    items = fields.List(fields.Nested(InboxRowOut))
    meta = fields.Nested(PageMeta)


@blp.route("/tasks")
class Tasks(MethodView):
    """The caller's inbox."""

    @blp.doc(security=BEARER)
    @blp.arguments(InboxPageArgs, **QUERY)
    @blp.response(200, InboxPageOut)
    def get(self, args):
        """Open tasks the caller may act on, overdue first, a page at a time (paged in SQL)."""
        user, size = _user(), args["page_size"]
        filters = {"process_id": args["process_id"], "township_id": args["township_id"], "due_window": args["due"]}
        rows = inbox(db(), user, now(), limit=size, offset=(args["page"] - 1) * size, **filters)
        return paged(Page(rows, args["page"], size, inbox_total(db(), user, now(), **filters)))


@blp.route("/tasks/<int:task_id>/claim")
class Claim(MethodView):
    """Claim a task."""

    @blp.doc(security=BEARER)
    @blp.response(200, TaskOut)
    def post(self, task_id: int):
        """Take the task (its role in its organization only)."""
        user, engine = _prepare(task_id)
        return processes.claim(db(), engine, task_id, user)


@blp.route("/tasks/<int:task_id>/release")
class Release(MethodView):
    """Release a claimed task."""

    @blp.doc(security=BEARER)
    @blp.response(200, TaskOut)
    def post(self, task_id: int):
        """Give the task back."""
        user, engine = _prepare(task_id)
        return processes.release(db(), engine, task_id, user)


@blp.route("/tasks/<int:task_id>/complete")
class Complete(MethodView):
    """Complete a task with its form data."""

    @blp.doc(security=BEARER)
    @blp.arguments(CompleteIn)
    @blp.response(200, InstanceOut)
    def post(self, body, task_id: int):
        """Validate every field at once (422 lists them all), run the step, return the instance."""
        user, engine = _prepare(task_id)
        instance = processes.complete(db(), engine, task_id, user, body["data"])
        return instance_view(db(), caller(), instance.id, forms())


@blp.route("/instances/<int:instance_id>")
class Instance(MethodView):
    """A procedure instance."""

    @blp.doc(security=BEARER)
    @blp.response(200, InstanceOut)
    def get(self, instance_id: int):
        """The instance with tasks, audit history and document ids (404 outside scope)."""
        return instance_view(db(), caller(), instance_id, forms())


@blp.route("/procedures/entrustment")
class StartEntrustment(MethodView):
    """Start an entrustment (委托, 行政处罚法 第20–21条)."""

    @blp.doc(security=BEARER)
    @may_start("entrustment")
    @blp.arguments(EntrustmentStart)
    @blp.response(201, InstanceOut)
    def post(self, data):
        """Check the draft letter and start the procedure; nothing is written on any error."""
        department = find_org(db(), data["department_id"], OrgKind.COUNTY_DEPARTMENT)
        township = find_org(db(), data["township_id"], OrgKind.TOWNSHIP)
        user, engine = _user(), _engine()
        end_reads()
        instance = entrustment.start_entrustment(
            db(), engine, user, department, township, data["item_codes"], authority=data["authority"],
            term_start=data["term_start"].isoformat(), term_end=data["term_end"].isoformat(),
            responsibilities=data["responsibilities"], supervision=data["supervision"])
        return instance_view(db(), caller(), instance.id, forms())
