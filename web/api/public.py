"""Public disclosure (公示) over the API, without a token."""

from __future__ import annotations

from flask.views import MethodView
from flask_smorest import Blueprint

from models import DelegationMode
from web.requests import db, today
from web.schemas import out
from workflows.registry.browse import (
    public_delegations,
    public_documents,
    public_township,
    townships,
)
from workflows.registry.powers import power_list

blp = Blueprint("api_public", __name__, url_prefix="/api/v1/public",
                description="公示 / public disclosure (no token needed)")


@blp.route("/townships")
class PublicTownships(MethodView):
    """Every township."""

    @blp.response(200, out.OrgRef(many=True))
    def get(self):
        """Townships with public disclosures."""
        return townships(db())


@blp.route("/townships/<int:township_id>")
class PublicTownship(MethodView):
    """What is disclosed about one township today."""

    @blp.response(200, out.PublicTownship)
    def get(self, township_id: int):
        """Effective grants, entrustments, their documents and the township's powers."""
        town, on = public_township(db(), township_id), today()
        rows = public_delegations(db(), town.id, on)
        return {"township": town, "on": on,
                "grants": [d for d in rows if d.mode == DelegationMode.GRANT],
                "entrustments": [d for d in rows if d.mode == DelegationMode.ENTRUST],
                "documents": public_documents(db(), town.id, on),
                "powers": [c for c in power_list(db(), town.id, on)
                           if c.mode != DelegationMode.ASSIST.value]}
