"""The catalogue of power items (事项清单) with filters."""

from __future__ import annotations

from flask import Blueprint, render_template, request
from marshmallow import EXCLUDE, fields, validate

from models import DelegationMode, ItemCategory
from web.auth import login_required
from web.requests import db
from web.schemas.common import PageArgs, id_field, load
from workflows.registry.browse import ItemFilter, departments, get_item, search_items

bp = Blueprint("catalogue", __name__, url_prefix="/catalogue")


class CatalogueArgs(PageArgs):
    """Catalogue filters from the query string."""

    class Meta:
        unknown = EXCLUDE

    department_id = id_field(load_default=None)
    category = fields.Enum(ItemCategory, by_value=True, load_default=None)
    mode = fields.Enum(DelegationMode, by_value=True, load_default=None)
    q = fields.String(load_default=None, validate=validate.Length(max=100))


def item_filter(args: dict) -> ItemFilter:
    """Service filter from validated arguments."""
    return ItemFilter(department_id=args["department_id"], category=args["category"],
                      mode=args["mode"], text=args["q"])


@bp.get("/")
@login_required
def index():
    """Items, filtered by department, category, mode and text."""
    raw = {k: v for k, v in request.args.items() if v.strip()}
    args, errors = load(CatalogueArgs(), raw)
    page = None
    if not errors:
        page = search_items(db(), item_filter(args), args["page"], args["page_size"])
    return render_template("catalogue.html", page=page, errors=errors, args=raw,
                           departments=departments(db()), categories=list(ItemCategory),
                           modes=list(DelegationMode)), (422 if errors else 200)


@bp.get("/<int:item_id>")
@login_required
def item(item_id: int):
    """One item with its legal basis and related powers."""
    return render_template("item.html", item=get_item(db(), item_id))
