"""Administration over the API: users, memberships, certificates, organizations."""

from __future__ import annotations

from flask.views import MethodView
from flask_smorest import Blueprint

from web.api.common import BEARER, caller, require_token
from web.requests import db, now
from web.schemas import out
from web.schemas.admin import (
    CertificateCreate,
    CertificateRevoke,
    MembershipCreate,
    OrganizationCreate,
    UserCreate,
    UserUpdate,
)
from workflows.accounts import admin as service
from workflows.accounts.access import require_admin

blp = Blueprint("api_admin", __name__, url_prefix="/api/v1/admin",
                description="系统管理（仅管理员） / administration (administrators only)")


@blp.before_request
def _admins_only():
    """Every admin endpoint needs a token, and an administrator's."""
    require_token()
    require_admin(caller())


@blp.route("/users")
class Users(MethodView):
    """Accounts."""

    @blp.doc(security=BEARER)
    @blp.response(200, out.User(many=True))
    def get(self):
        """Every account."""
        return service.list_users(db(), caller())

    @blp.doc(security=BEARER)
    @blp.arguments(UserCreate)
    @blp.response(201, out.User)
    def post(self, data):
        """Create an account."""
        return service.create_user(db(), caller(), now=now(), **data)


@blp.route("/users/<int:user_id>")
class UserById(MethodView):
    """One account."""

    @blp.doc(security=BEARER)
    @blp.response(200, out.User)
    def get(self, user_id: int):
        """The account with roles and certificates."""
        return service.get_user(db(), caller(), user_id)

    @blp.doc(security=BEARER)
    @blp.arguments(UserUpdate)
    @blp.response(200, out.User)
    def patch(self, data, user_id: int):
        """Change name, active flag, password or language."""
        return service.update_user(db(), caller(), user_id, now=now(), **data)


@blp.route("/users/<int:user_id>/memberships")
class Memberships(MethodView):
    """A user's roles."""

    @blp.doc(security=BEARER)
    @blp.arguments(MembershipCreate)
    @blp.response(201, out.Membership)
    def post(self, data, user_id: int):
        """Give the user a role in an organization."""
        return service.add_membership(db(), caller(), user_id, data["organization_id"], data["role"], now())


@blp.route("/memberships/<int:membership_id>")
class MembershipById(MethodView):
    """One role assignment."""

    @blp.doc(security=BEARER)
    @blp.response(204)
    def delete(self, membership_id: int):
        """Take the role away."""
        service.remove_membership(db(), caller(), membership_id, now())


@blp.route("/users/<int:user_id>/certificates")
class Certificates(MethodView):
    """A user's enforcement certificates (执法证, 行政处罚法 第42条)."""

    @blp.doc(security=BEARER)
    @blp.arguments(CertificateCreate)
    @blp.response(201, out.Certificate)
    def post(self, data, user_id: int):
        """Record a certificate."""
        return service.add_certificate(db(), caller(), user_id, now=now(), **data)


@blp.route("/certificates/<int:cert_id>/revoke")
class RevokeCertificate(MethodView):
    """Revoke a certificate."""

    @blp.doc(security=BEARER)
    @blp.arguments(CertificateRevoke)
    @blp.response(200, out.Certificate)
    def post(self, data, cert_id: int):
        """Revoke from a date on."""
        return service.revoke_certificate(db(), caller(), cert_id, data["revoked_on"], now())


@blp.route("/organizations")
class Organizations(MethodView):
    """Organizations."""

    @blp.doc(security=BEARER)
    @blp.response(200, out.Organization(many=True))
    def get(self):
        """Every organization."""
        return service.list_organizations(db())

    @blp.doc(security=BEARER)
    @blp.arguments(OrganizationCreate)
    @blp.response(201, out.Organization)
    def post(self, data):
        """Add an organization."""
        return service.create_organization(db(), caller(), now=now(), **data)
