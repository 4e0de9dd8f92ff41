"""Townships and their power and responsibility lists over the API."""

from __future__ import annotations

from flask.views import MethodView
from flask_smorest import Blueprint

from web.api.common import BEARER, QUERY, caller, require_token
from web.requests import db, today
from web.schemas import out
from web.views.townships import MIMETYPES, OnDateArgs, powers_file
from workflows.accounts.access import visible_township
from workflows.registry.browse import townships
from workflows.registry.powers import power_list, responsibility_list

blp = Blueprint("api_townships", __name__, url_prefix="/api/v1/townships",
                description="乡镇权力清单、责任清单 / township power and responsibility lists")
blp.before_request(require_token)


@blp.route("/")
class Townships(MethodView):
    """Townships within the caller's scope."""

    @blp.doc(security=BEARER)
    @blp.response(200, out.Organization(many=True))
    def get(self):
        """Every township the caller may open."""
        return townships(db(), caller())


@blp.route("/<int:township_id>/powers")
class Powers(MethodView):
    """A township's power list."""

    @blp.doc(security=BEARER)
    @blp.arguments(OnDateArgs, **QUERY)
    @blp.response(200, out.Competence(many=True))
    def get(self, args, township_id: int):
        """权力清单 on a legal date (default today, Asia/Shanghai)."""
        town = visible_township(db(), caller(), township_id)
        return power_list(db(), town.id, args["on"] or today())


@blp.route("/<int:township_id>/responsibilities")
class Responsibilities(MethodView):
    """A township's responsibility list."""

    @blp.doc(security=BEARER)
    @blp.arguments(OnDateArgs, **QUERY)
    @blp.response(200, out.Responsibility(many=True))
    def get(self, args, township_id: int):
        """责任清单 on a legal date (default today, Asia/Shanghai)."""
        town = visible_township(db(), caller(), township_id)
        return responsibility_list(db(), town.id, args["on"] or today())


@blp.route("/<int:township_id>/powers.<any(csv, xlsx):fmt>")
class PowersFile(MethodView):
    """A township's lists as a file."""

    @blp.doc(security=BEARER, responses={"200": {"description": "CSV (power list) or XLSX (both lists)",
                                                 "content": {"text/csv": {}, MIMETYPES["xlsx"]: {}}}})
    @blp.arguments(OnDateArgs, **QUERY)
    def get(self, args, township_id: int, fmt: str):
        """Download the lists as of a legal date (default today, Asia/Shanghai)."""
        town = visible_township(db(), caller(), township_id)
        return powers_file(town, args["on"] or today(), fmt)
