"""Start a procedure: an entrustment letter draft (委托) or a grant proposal (赋权)."""

from __future__ import annotations

from flask import Blueprint, abort, redirect, render_template, request, url_for

from models import DelegationMode, OrgKind, Role
from web.auth import login_required, principal
from web.requests import db, end_reads
from web.schemas.common import form_dict, load
from web.schemas.starts import EntrustmentStart, GrantStart
from web.starting import service_errors
from web.views.tasks import acting_user, workflow_engine
from workflows.core.directory import find_org
from workflows.core.errors import QuanzeError
from workflows.procedures import OWN_PAGE, start_grants, startable, starts
from workflows.procedures.entrustment import steps as entrustment
from workflows.procedures.grant import steps as grant
from workflows.registry.browse import ItemFilter, search_items, townships

bp = Blueprint("procedures", __name__, url_prefix="/procedures")


def _my_departments():
    me = principal()
    return [g for g in me.grants if g.role == Role.COUNTY_OFFICER and g.org_kind == OrgKind.COUNTY_DEPARTMENT]


def _items(mode: DelegationMode):
    items = []
    for g in _my_departments():
        items += search_items(db(), ItemFilter(department_id=g.org_id, mode=mode), 1, 200).items
    return items


SCHEMAS = {"entrustment": EntrustmentStart, "grant": GrantStart}


def field_labels(schema) -> dict[str, tuple[str, str]]:
    """Each field's (Chinese, English) label from the schema that also validates it."""
    return {name: (f.metadata["description"], f.metadata["title"]) for name, f in schema().fields.items()}


def _page(kind: str, errors=None, form=None, status=200):
    mode = DelegationMode.ENTRUST if kind == "entrustment" else DelegationMode.GRANT
    return render_template(f"procedures/{kind}.html", departments=_my_departments(), items=_items(mode),
                           townships=townships(db()), labels=field_labels(SCHEMAS[kind]),
                           errors=errors or {}, form=form or {}), status


@bp.get("/")
@login_required
def index():
    """Which procedures the user may start."""
    return render_template("procedures/index.html", kinds=startable(principal()), own_page=starts(OWN_PAGE))


@bp.get(f"/<any({', '.join(starts(OWN_PAGE))}):kind>")
@login_required
def new(kind: str):
    """The start form; 403 for users who may not start the procedure."""
    _require_start(kind)
    return _page(kind)


def _require_start(kind: str) -> None:
    if not start_grants(principal(), kind):
        abort(403)


@bp.post("/entrustment")
@login_required
def start_entrustment():
    """Check the draft letter and start the entrustment procedure."""
    _require_start("entrustment")
    form = form_dict(request.form, multi=("item_codes",))
    data, errors = load(EntrustmentStart(), form)
    if errors:
        return _page("entrustment", errors, form, 422)
    try:
        department = find_org(db(), data["department_id"], OrgKind.COUNTY_DEPARTMENT)
        township = find_org(db(), data["township_id"], OrgKind.TOWNSHIP)
        actor, engine = acting_user(), workflow_engine()
        end_reads()
        instance = entrustment.start_entrustment(db(), engine, actor, department, township, data["item_codes"],
                         authority=data["authority"], term_start=data["term_start"].isoformat(),
                         term_end=data["term_end"].isoformat(), responsibilities=data["responsibilities"],
                         supervision=data["supervision"])
    except QuanzeError as exc:
        if exc.status in (403,):
            raise
        return _page("entrustment", service_errors(exc), form, exc.status)
    return redirect(url_for("tasks.instance", instance_id=instance.id))


@bp.post("/grant")
@login_required
def start_grant():
    """Check the proposal and start one grant instance per township."""
    _require_start("grant")
    form = form_dict(request.form, multi=("item_codes", "township_ids"))
    data, errors = load(GrantStart(), form)
    if errors:
        return _page("grant", errors, form, 422)
    try:
        department = find_org(db(), data["department_id"], OrgKind.COUNTY_DEPARTMENT)
        towns = [find_org(db(), t, OrgKind.TOWNSHIP) for t in data["township_ids"]]
        actor, engine = acting_user(), workflow_engine()
        end_reads()
        instances = grant.start_grant(db(), engine, actor, department, towns, data["item_codes"], note=data["note"])
    except QuanzeError as exc:
        if exc.status in (403,):
            raise
        return _page("grant", service_errors(exc), form, exc.status)
    return redirect(url_for("tasks.instance", instance_id=instances[0].id))
