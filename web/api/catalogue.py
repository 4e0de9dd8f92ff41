"""Catalogue items (事项清单) over the API."""

from __future__ import annotations

from flask.views import MethodView
from flask_smorest import Blueprint

from web.api.common import BEARER, QUERY, paged, require_token
from web.requests import db
from web.schemas import out
from web.views.catalogue import CatalogueArgs, item_filter
from workflows.registry.browse import get_item, search_items

blp = Blueprint("api_catalogue", __name__, url_prefix="/api/v1/items",
                description="事项目录 / catalogue items")
blp.before_request(require_token)


@blp.route("/")
class Items(MethodView):
    """Catalogue items."""

    @blp.doc(security=BEARER)
    @blp.arguments(CatalogueArgs, **QUERY)
    @blp.response(200, out.ItemPage)
    def get(self, args):
        """Items filtered by department, category, allowed mode and text, by code."""
        return paged(search_items(db(), item_filter(args), args["page"], args["page_size"]))


@blp.route("/<int:item_id>")
class ItemById(MethodView):
    """One catalogue item."""

    @blp.doc(security=BEARER)
    @blp.response(200, out.Item)
    def get(self, item_id: int):
        """The item with its legal basis and related powers."""
        return get_item(db(), item_id)
