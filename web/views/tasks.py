"""The inbox, task forms, instance pages (diagram, audit trail) and case documents."""

from __future__ import annotations

from urllib.parse import quote

from flask import (
    Blueprint,
    Response,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from marshmallow import EXCLUDE, fields, validate

from models import User
from web import task_page as page
from web.auth import login_required, principal
from web.labels import bilingual
from web.nav import count_known
from web.requests import db, end_reads, forms, now
from web.schemas.common import BaseSchema, form_dict, id_field, load
from web.schemas.task_forms import html_to_task_data
from web.views.diagrams import diagram_context
from workflows.cases.evidence import instance_evidence
from workflows.core.errors import ValidationFailed
from workflows.procedures import ALL
from workflows.procedures.entrustment import steps as entrustment
from workflows.tasks import processes
from workflows.tasks.inbox import (
    DUE_WINDOWS,
    inbox,
    inbox_total,
    inbox_townships,
    instance_view,
    next_task_for,
    visible_document,
    visible_task,
)

bp = Blueprint("tasks", __name__)
INBOX_PAGE = 100


class InboxArgs(BaseSchema):
    """Inbox filters: procedure, township, due window."""

    class Meta:
        unknown = EXCLUDE

    process_id = fields.String(load_default=None, validate=validate.Length(min=1, max=120))
    township_id = id_field(load_default=None)
    due = fields.String(load_default=None, validate=validate.OneOf(DUE_WINDOWS))
    page = fields.Integer(load_default=1, validate=validate.Range(min=1, max=1_000_000))


def workflow_engine():
    """The app's procedure engine (built on first use)."""
    return current_app.extensions["quanze"].workflow_engine()


def acting_user() -> User:
    """The signed-in user's row, for the engine's role and certificate checks."""
    return db().get(User, principal().user_id)


@bp.get("/tasks")
@login_required
def inbox_page():
    """My open tasks: overdue first, filterable by procedure, township and due window."""
    raw = {k: v for k, v in request.args.items() if v.strip()}
    args, errors = load(InboxArgs(), raw)
    rows, total, page = [], 0, 1
    if not errors:
        user, page = acting_user(), args["page"]
        filters = {"process_id": args["process_id"], "township_id": args["township_id"], "due_window": args["due"]}
        # Paged in SQL: a county department can have thousands of open tasks.
        rows = inbox(db(), user, now(), limit=INBOX_PAGE, offset=(page - 1) * INBOX_PAGE, **filters)
        total = inbox_total(db(), user, now(), **filters)
        if not any(value is not None for value in filters.values()):
            count_known(total)  # the 待办 badge counts exactly these: the user's roles in their organizations
    pager = {"page": page, "total": total, "pages": max(1, -(-total // INBOX_PAGE)),
             "args": {k: v for k, v in raw.items() if k != "page"}}
    return render_template("tasks/inbox.html", rows=rows, errors=errors, args=raw, pager=pager,
                           procedures=[p.id for p in ALL], windows=DUE_WINDOWS,
                           townships=inbox_townships(db(), acting_user(), now()), now=now()), (422 if errors else 200)


def _task_page(task_id: int, errors=None, values=None, status=200):
    task = visible_task(db(), principal(), task_id)
    view = instance_view(db(), principal(), task.instance_id, forms())
    form = forms().form_for(view["process_id"], task.task_spec_name, task.form_key).to_dict()
    is_open = task.state in ("ready", "claimed")
    data = processes.task_data(db(), workflow_engine(), task) if is_open else {}
    subject = page.subject(db(), view, data)
    return render_template(
        "tasks/task.html", task=task, view=view, form=form, errors=errors or {},
        values=values if values is not None else page.prefill(form, data), now=now(), me=principal(),
        subject=subject, decisions=page.earlier_decisions(db(), view, task.id),
        deadlines=page.open_deadlines(db(), view["id"]), days_left=page.days_left(task.due_at, now()),
        item_options=page.item_options(db(), view, data), option_text=page.option_text,
        pick_options=processes.task_options(db(), forms(), view["process_id"], task, data) if is_open else {},
        evidence=instance_evidence(db(), task.instance_id)), status


@bp.get("/tasks/<int:task_id>")
@login_required
def task(task_id: int):
    """A task with its form."""
    return _task_page(task_id)


@bp.post("/tasks/<int:task_id>/claim")
@login_required
def claim(task_id: int):
    """Take the task (only a user with its role in its organization may)."""
    visible_task(db(), principal(), task_id)
    end_reads()  # the use case below commits in its own transaction
    processes.claim(db(), workflow_engine(), task_id, acting_user())
    return redirect(url_for("tasks.task", task_id=task_id))


@bp.post("/tasks/<int:task_id>/release")
@login_required
def release(task_id: int):
    """Give the task back to the group."""
    visible_task(db(), principal(), task_id)
    end_reads()
    processes.release(db(), workflow_engine(), task_id, acting_user())
    return redirect(url_for("tasks.task", task_id=task_id))


@bp.post("/tasks/<int:task_id>/complete")
@login_required
def complete(task_id: int):
    """Submit the form; every field error is shown at once and nothing is written."""
    task = visible_task(db(), principal(), task_id)
    view_process = instance_view(db(), principal(), task.instance_id, forms())["process_id"]
    form = forms().form_for(view_process, task.task_spec_name, task.form_key).to_dict()
    nul = {k: ["含有非法字符 / contains a NUL character"] for k, v in request.form.items() if "\x00" in v}
    if nul:
        return _task_page(task_id, errors=nul, values=request.form, status=422)
    data = html_to_task_data(form, request.form)
    instance_id, title = task.instance_id, task.title
    user = acting_user()
    engine = workflow_engine()
    end_reads()
    try:
        processes.complete(db(), engine, task_id, user, data)
    except ValidationFailed as exc:
        return _task_page(task_id, errors=exc.errors, values=request.form, status=422)
    flash(_("已提交：%(title)s", title=bilingual(title)), "success")
    following = next_task_for(db(), principal(), instance_id)
    if following is not None:
        flash(f"{following.id}|{following.title}", "next-task")
    return redirect(url_for("tasks.instance", instance_id=instance_id))


@bp.get("/instances/<int:instance_id>")
@login_required
def instance(instance_id: int):
    """The instance: its diagram with element states, its tasks, documents and audit trail."""
    view = instance_view(db(), principal(), instance_id, forms())
    return render_template("tasks/instance.html", view=view, now=now(), **diagram_context(view))


class RevokeForm(BaseSchema):
    """Revocation of an entrustment: from which date, and why (reasons are required)."""

    reason = fields.String(required=True, validate=validate.Length(min=1, max=2000),
                           error_messages={"required": "必填 / required"})
    revoke_on = fields.Date(required=True, error_messages={
        "required": "必填 / required", "invalid": "日期格式应为 YYYY-MM-DD / date must be YYYY-MM-DD"})


@bp.post("/instances/<int:instance_id>/revoke")
@login_required
def revoke(instance_id: int):
    """The entrusting department revokes an entrustment with its reasons (委托机关可随时撤销)."""
    view = instance_view(db(), principal(), instance_id, forms())
    data, errors = load(RevokeForm(), form_dict(request.form))
    if not errors:
        user, engine = acting_user(), workflow_engine()
        end_reads()
        try:
            entrustment.revoke_entrustment(db(), engine, instance_id, user, reason=data["reason"],
                                           revoke_on=data["revoke_on"])
            return redirect(url_for("tasks.instance", instance_id=instance_id))
        except ValidationFailed as exc:
            errors = exc.errors
        view = instance_view(db(), principal(), instance_id, forms())
    return render_template("tasks/instance.html", view=view, now=now(), errors=errors,
                           values=request.form, **diagram_context(view)), 422


@bp.get("/documents/<int:document_id>")
@login_required
def document(document_id: int):
    """A letter or decision of an instance the user may open, byte-for-byte as issued."""
    doc = visible_document(db(), principal(), document_id)
    disposition = "inline" if doc.mime.startswith("text/html") else "attachment"
    return Response(doc.content, mimetype=doc.mime.split(";")[0], headers={
        "Content-Disposition": f"{disposition}; filename*=UTF-8''{quote(doc.filename)}",
        "X-Content-SHA256": doc.sha256})
