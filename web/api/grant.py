"""Start a grant (赋权) over the API, as the grant page does: one instance per township (一镇一清单)."""

from __future__ import annotations

from flask import current_app
from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import Schema, fields

from models import OrgKind, User
from web.api.common import BEARER, caller, may_start, require_token
from web.requests import db, end_reads
from web.schemas.starts import GrantStart
from workflows.core.directory import find_org
from workflows.procedures.grant import steps as grant

blp = Blueprint("api_grant", __name__, url_prefix="/api/v1", description="赋权 / grant")
blp.before_request(require_token)


class GrantStartedOut(Schema):
    """The instances started, one per township, in the order the townships were given."""

    instance_ids = fields.List(fields.Integer())


@blp.route("/procedures/grant")
class StartGrant(MethodView):
    """Propose a grant of powers to townships (赋权, 行政处罚法 第24条)."""

    @blp.doc(security=BEARER)
    @may_start("grant")
    @blp.arguments(GrantStart)
    @blp.response(201, GrantStartedOut)
    def post(self, data):
        """Check the proposal and start one grant instance per township; nothing is written on any error."""
        department = find_org(db(), data["department_id"], OrgKind.COUNTY_DEPARTMENT)
        towns = [find_org(db(), t, OrgKind.TOWNSHIP) for t in data["township_ids"]]
        actor = db().get(User, caller().user_id)
        engine = current_app.extensions["quanze"].workflow_engine()
        end_reads()
        instances = grant.start_grant(db(), engine, actor, department, towns, data["item_codes"],
                                      note=data["note"])
        return {"instance_ids": [i.id for i in instances]}
