"""Delegations (赋权/委托 records) over the API."""

from __future__ import annotations

from flask.views import MethodView
from flask_smorest import Blueprint

from web.api.common import BEARER, QUERY, caller, paged, require_token
from web.requests import db
from web.schemas import out
from web.views.delegations import DelegationArgs, delegation_filter
from workflows.registry.browse import get_delegation, list_delegations

blp = Blueprint("api_delegations", __name__, url_prefix="/api/v1/delegations",
                description="赋权与委托 / delegations")
blp.before_request(require_token)


@blp.route("/")
class Delegations(MethodView):
    """Delegations within the caller's scope."""

    @blp.doc(security=BEARER)
    @blp.arguments(DelegationArgs, **QUERY)
    @blp.response(200, out.DelegationPage)
    def get(self, args):
        """Delegations of the caller's township or department's items (all, county-wide)."""
        return paged(list_delegations(db(), caller(), delegation_filter(args), args["page"],
                                      args["page_size"]))


@blp.route("/<int:delegation_id>")
class DelegationById(MethodView):
    """One delegation."""

    @blp.doc(security=BEARER)
    @blp.response(200, out.Delegation)
    def get(self, delegation_id: int):
        """The delegation, or 404 when missing or outside the caller's scope."""
        return get_delegation(db(), caller(), delegation_id)
