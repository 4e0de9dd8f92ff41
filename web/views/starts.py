"""Start pages of every procedure beyond grant and entrustment: validate → one service call → render."""

from __future__ import annotations

from contextlib import suppress
from dataclasses import dataclass

from flask import Blueprint, abort, redirect, render_template, request, url_for
from marshmallow import fields, validate

from models import Organization, OrgKind
from web.auth import login_required, principal
from web.names import item_name, org_name, punct
from web.requests import db, end_reads, today
from web.schemas import starts as schemas
from web.schemas.common import form_dict, load
from web.starting import CASE_RUNNERS, MENU_RUNNERS, Started, service_errors
from web.views.tasks import acting_user, workflow_engine
from workflows.cases.browse import certified_officers, list_cases, orgs_of_kind, visible_case
from workflows.core.errors import QuanzeError
from workflows.procedures import start_grants
from workflows.procedures.case_measures.rules import coercion_items
from workflows.procedures.case_transfer.steps import competent_receiver
from workflows.registry.browse import MAX_PAGE_SIZE, departments, townships
from workflows.registry.picking import catalogue_items, items_acted_by
from workflows.registry.powers import who

bp = Blueprint("starts", __name__)
SCHEMAS = {key: schemas.schema_for(key) for key in (*MENU_RUNNERS, *CASE_RUNNERS)}
YES_NO = (("false", "否"), ("true", "是"))


@dataclass(frozen=True)
class FormField:
    """One input of a start form: name, labels, widget and its choices (from the schema field)."""

    name: str
    label: str
    label_en: str = ""
    widget: str = "text"  # text, textarea, date, number, select, multi
    options: tuple = ()
    required: bool = True


def _orgs(orgs) -> tuple:
    return tuple((str(o.id), org_name(o)) for o in orgs)


def _own(kind: str) -> tuple:
    return tuple((str(g.org_id), org_name(g.org_id, g.org_name)) for g in start_grants(principal(), kind))


def _officer_options(org_ids) -> tuple:
    return tuple((f"{u.id}:{number}", f"{u.display_name}{punct('（')}{number}{punct('）')}")
                 for org_id in org_ids for u, number in certified_officers(db(), org_id, today()))


def _parties() -> tuple:
    return _orgs(orgs_of_kind(db(), OrgKind.TOWNSHIP, OrgKind.COUNTY_DEPARTMENT))


def _officers(kind: str, case) -> tuple:
    """Certified officers of the case's handling organ, else of the organs the user starts for."""
    org_ids = [case.handling_org_id] if case is not None else [int(v) for v, _ in _own(kind)]
    return _officer_options(org_ids)


def _items(items) -> tuple:
    return tuple((i.code, f"{i.code} {item_name(i)}") for i in items)


def _acted_items(kind: str, _case) -> tuple:
    """Items the organs the user starts for act on today (their power lists), each once."""
    found = {i.code: i for g in start_grants(principal(), kind)
             for i in items_acted_by(db(), db().get(Organization, g.org_id), today())}
    return _items(sorted(found.values(), key=lambda i: i.code))


def _own_cases(kind: str, _case) -> tuple:
    """Open cases the organs the user starts for handle (a notification may name one)."""
    own = {g.org_id for g in start_grants(principal(), kind)}
    return tuple((str(c.id), f"{c.case_number} {c.party_name}")
                 for c in list_cases(db(), principal(), 1, MAX_PAGE_SIZE).items if c.handling_org_id in own)


# Option sources named by the schemas' `x-options` metadata: (start key, case) → (value, text) pairs.
OPTIONS = {
    "acted_items": _acted_items,
    "catalogue": lambda _kind, _case: _items(catalogue_items(db())),
    "own_cases": _own_cases,
    "townships": lambda _kind, _case: _orgs(townships(db())),
    "departments": lambda _kind, _case: _orgs(departments(db())),
    "own": lambda kind, _case: _own(kind),
    "parties": lambda _kind, _case: _parties(),
    "police": lambda _kind, _case: _orgs(orgs_of_kind(db(), OrgKind.PUBLIC_SECURITY)),
    "officers": _officers,
    "coercion_items": lambda _kind, case: (("", "—"), *((i.code, f"{i.code} {item_name(i)}")
                                                       for i in (coercion_items(db(), case) if case else ()))),
}


def _one_of(field) -> tuple:
    found = [v for v in field.validators if isinstance(v, validate.OneOf)]
    return tuple(found[0].choices) if found else ()


def _widget(field) -> str:
    if "x-widget" in field.metadata:
        return field.metadata["x-widget"]
    if isinstance(field, fields.List):
        return "multi"
    if isinstance(field, fields.Date):
        return "date"
    if isinstance(field, fields.Boolean) or _one_of(field) or "x-options" in field.metadata:
        return "select"
    return "number" if isinstance(field, fields.Integer | fields.Decimal) else "text"


def _options(kind: str, field, case) -> tuple:
    source = field.metadata.get("x-options")
    if source:
        return OPTIONS[source](kind, case)
    if isinstance(field, fields.Boolean):
        return YES_NO[::-1] if field.load_default is True else YES_NO
    return tuple((c, c) for c in _one_of(field))


def form_fields(kind: str, case=None) -> list[FormField]:
    """The inputs of a start form, in schema order, built from the schema's fields and metadata."""
    return [FormField(name, f.metadata.get("description", name), f.metadata.get("title", ""), _widget(f),
                      _options(kind, f, case), f.required) for name, f in SCHEMAS[kind]().fields.items()]


def own_defaults(kind: str) -> dict:
    """The user's own township preselected wherever a form asks for a township (issue 10 §4)."""
    mine = sorted(principal().township_ids)
    if not mine:
        return {}
    return {name: str(mine[0]) for name, f in SCHEMAS[kind]().fields.items()
            if f.metadata.get("x-options") == "townships" and _widget(f) == "select"}


def _multi(kind: str) -> tuple[str, ...]:
    return tuple(name for name, f in SCHEMAS[kind]().fields.items() if _widget(f) == "multi")


def to_data(form, kind: str) -> dict:
    """The HTML form as the API would send it: officers 'id:certificate', materials one per line."""
    data = form_dict(form, multi=_multi(kind))
    if "officers" in data:
        data["officers"] = [dict(zip(("user_id", "certificate_number"), v.split(":", 1), strict=False))
                            for v in data["officers"]]
    if kind == "case_transfer" and "materials" in data:
        lines = [line.strip() for line in data["materials"].splitlines() if line.strip()]
        data["materials"] = [dict(zip(("title", "pages"), (p.strip() for p in line.rsplit(",", 1)), strict=False))
                             if "," in line else {"title": line} for line in lines]
    return data


def flat_errors(errors: dict) -> dict:
    """Nested list errors (officers.0.user_id) as one message list per form field."""
    flat = {}
    for name, value in errors.items():
        if isinstance(value, dict):
            flat[name] = [f"第{int(i) + 1 if str(i).isdigit() else i}项 {k}: {m}" for i, sub in value.items()
                          for k, msgs in (sub.items() if isinstance(sub, dict) else [("", sub)])
                          for m in (msgs if isinstance(msgs, list) else [msgs])]
        else:
            flat[name] = value
    return flat


def _render(kind: str, fields: list, form: dict, errors: dict, status: int = 200, **extra):
    values = {k: (v if isinstance(v, list) else [str(v)]) for k, v in form.items()}
    return render_template("procedures/start.html", kind=kind, fields=fields, form=values,
                           errors=flat_errors(errors), **extra), status


def _redirect(started: Started):
    if started.case_id is not None and started.procedure in ("case_filing", "case_transfer", "summary_penalty"):
        return redirect(url_for("cases.detail", case_id=started.case_id))
    return redirect(url_for("tasks.instance", instance_id=started.instance_id))


def _competence(form: dict):
    """The registry's answer for the item and township entered, shown beside the filing form."""
    if not (form.get("item_code") and str(form.get("township_id", "")).isdigit()):
        return None
    try:
        return who(db(), form["item_code"], int(form["township_id"]), today())
    except QuanzeError:
        return None


@bp.route(f"/procedures/<any({', '.join(MENU_RUNNERS)}):kind>", methods=["GET", "POST"])
@login_required
def start(kind: str):
    """The start form of a menu procedure; 403 for users who may not start it."""
    if not start_grants(principal(), kind):
        abort(403)
    if request.method == "GET":
        form = {**own_defaults(kind), **{k: v for k, v in request.args.items() if v.strip()}}
        return _render(kind, form_fields(kind), form, {}, competence=_competence(form))
    form = to_data(request.form, kind)
    data, errors = load(SCHEMAS[kind](), form)
    if not errors:
        try:
            user, engine, who_ = acting_user(), workflow_engine(), principal()
            end_reads()
            return _redirect(MENU_RUNNERS[kind](db(), engine, user, who_, data))
        except QuanzeError as exc:
            if exc.status == 403:
                raise
            errors, status = service_errors(exc), exc.status
    else:
        status = 422
    return _render(kind, form_fields(kind), request.form.to_dict(flat=False), errors, status,
                   competence=_competence(request.form))


@bp.route(f"/cases/<int:case_id>/<any({', '.join(CASE_RUNNERS)}):kind>", methods=["GET", "POST"])
@login_required
def start_for_case(case_id: int, kind: str):
    """Crime transfer or case transfer of a case the user's organ handles."""
    case = visible_case(db(), principal(), case_id)
    if case.handling_org_id not in {g.org_id for g in start_grants(principal(), kind)}:
        abort(403)
    inputs = form_fields(kind, case)
    if request.method == "GET":
        form = {}
        if kind == "case_transfer":
            with suppress(QuanzeError):  # the registry's competent organ, preselected (第22–24条)
                form["receiver_org_id"] = str(competent_receiver(db(), case, today())[0].id)
        return _render(kind, inputs, form, {}, case=case)
    data, errors = load(SCHEMAS[kind](), to_data(request.form, kind))
    if not errors:
        try:
            user, engine, who_ = acting_user(), workflow_engine(), principal()
            end_reads()
            return _redirect(CASE_RUNNERS[kind](db(), engine, user, who_, data, case))
        except QuanzeError as exc:
            if exc.status == 403:
                raise
            errors, status = service_errors(exc), exc.status
    else:
        status = 422
    return _render(kind, inputs, request.form.to_dict(flat=False), errors, status, case=case)
