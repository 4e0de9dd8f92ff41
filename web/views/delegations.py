"""Delegations (赋权/委托 records) within the user's scope."""

from __future__ import annotations

from flask import Blueprint, render_template, request
from marshmallow import EXCLUDE, fields

from models import DelegationMode, DelegationStatus
from web.auth import login_required, principal
from web.requests import db
from web.schemas.common import PageArgs, id_field, load
from workflows.registry.browse import DelegationFilter, get_delegation, list_delegations, townships

bp = Blueprint("delegations", __name__, url_prefix="/delegations")


class DelegationArgs(PageArgs):
    """Delegation filters from the query string."""

    class Meta:
        unknown = EXCLUDE

    township_id = id_field(load_default=None)
    item_id = id_field(load_default=None)
    mode = fields.Enum(DelegationMode, by_value=True, load_default=None)
    status = fields.Enum(DelegationStatus, by_value=True, load_default=None)


def delegation_filter(args: dict) -> DelegationFilter:
    """Service filter from validated arguments."""
    return DelegationFilter(township_id=args["township_id"], item_id=args["item_id"],
                            mode=args["mode"], status=args["status"])


@bp.get("/")
@login_required
def index():
    """Delegations of the user's township, department's items, or the whole county."""
    raw = {k: v for k, v in request.args.items() if v.strip()}
    args, errors = load(DelegationArgs(), raw)
    me = principal()
    page = None if errors else list_delegations(db(), me, delegation_filter(args), args["page"],
                                                args["page_size"])
    return render_template("delegations.html", page=page, errors=errors, args=raw,
                           townships=townships(db(), me), modes=list(DelegationMode),
                           statuses=list(DelegationStatus)), (422 if errors else 200)


@bp.get("/<int:delegation_id>")
@login_required
def show(delegation_id: int):
    """One delegation."""
    return render_template("delegation.html", d=get_delegation(db(), principal(), delegation_id))
