"""The caller and their API tokens."""

from __future__ import annotations

from flask.views import MethodView
from flask_smorest import Blueprint

from web.api.common import BEARER, caller, require_token
from web.requests import db, now
from web.schemas import out
from web.schemas.admin import TokenCreate
from workflows.accounts.signin import issue_token, list_tokens, revoke_token

blp = Blueprint("api_account", __name__, url_prefix="/api/v1",
                description="调用者与令牌 / the caller and API tokens")
blp.before_request(require_token)


@blp.route("/me")
class MeView(MethodView):
    """The caller."""

    @blp.doc(security=BEARER)
    @blp.response(200, out.Me)
    def get(self):
        """Who the token acts for, with every role held."""
        return caller()


@blp.route("/tokens")
class Tokens(MethodView):
    """The caller's tokens (every token, for an administrator)."""

    @blp.doc(security=BEARER)
    @blp.response(200, out.Token(many=True))
    def get(self):
        """Tokens without their secrets."""
        return list_tokens(db(), caller())

    @blp.doc(security=BEARER)
    @blp.arguments(TokenCreate)
    @blp.response(201, out.NewToken)
    def post(self, data):
        """Create a token; the secret is in this answer only."""
        me = caller()
        token, secret = issue_token(db(), me, data["user_id"] or me.user_id, data["name"], now(),
                                    data["expires_at"])
        return {**{name: getattr(token, name) for name in out.Token().fields}, "secret": secret}


@blp.route("/tokens/<int:token_id>/revoke")
class RevokeToken(MethodView):
    """Revoke a token."""

    @blp.doc(security=BEARER)
    @blp.response(200, out.Token)
    def post(self, token_id: int):
        """Revoke one of the caller's tokens (404 for anyone else's)."""
        return revoke_token(db(), caller(), token_id, now())
