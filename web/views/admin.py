"""Administration pages: users, memberships, enforcement certificates, organizations."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for

from models import OrgKind, Role
from web.auth import login_required, principal
from web.requests import db, now
from web.schemas.admin import (
    CertificateCreate,
    CertificateRevoke,
    MembershipCreate,
    OrganizationCreate,
    UserCreate,
    UserUpdate,
)
from web.schemas.common import form_dict, load
from workflows.accounts import admin as service
from workflows.accounts.access import require_admin
from workflows.core.errors import QuanzeError

bp = Blueprint("admin", __name__, url_prefix="/admin")


@bp.before_request
@login_required
def _admins_only():
    """Every admin page is for administrators only (403 for anyone else)."""
    require_admin(principal())


def _user_page(user_id: int, errors=None, form=None, status=200, section=None):
    user = service.get_user(db(), principal(), user_id)
    return render_template("admin/user.html", user=user, errors=errors or {}, form=form or {},
                           section=section, roles=list(Role),
                           organizations=service.list_organizations(db())), status


@bp.get("/users")
def users():
    """Every account."""
    return render_template("admin/users.html", users=service.list_users(db(), principal()))


@bp.route("/users/new", methods=["GET", "POST"])
def new_user():
    """Create an account; all field errors are shown at once."""
    errors, form = {}, {}
    if request.method == "POST":
        form = form_dict(request.form)
        data, errors = load(UserCreate(), form)
        if not errors:
            try:
                user = service.create_user(db(), principal(), now=now(), **data)
                return redirect(url_for("admin.user", user_id=user.id))
            except QuanzeError as exc:
                errors = _field_errors(exc)
    return render_template("admin/user_new.html", errors=errors, form=form), (422 if errors else 200)


def _field_errors(exc: QuanzeError) -> dict:
    """Service errors as form errors: on their field when named, else on the form."""
    if isinstance(exc.details.get("errors"), dict):
        return exc.details["errors"]
    return {exc.details.get("field", "_form"): [exc.message]}


@bp.get("/users/<int:user_id>")
def user(user_id: int):
    """One account with its roles and certificates."""
    return _user_page(user_id)


def _apply(user_id: int, schema, section: str, call):
    """Validate a user sub-form, run the service call, and re-render with errors if any."""
    form = form_dict(request.form)
    data, errors = load(schema, form)
    if not errors:
        try:
            call(data)
            return redirect(url_for("admin.user", user_id=user_id))
        except QuanzeError as exc:
            if exc.status == 404:
                raise
            errors = _field_errors(exc)
    return _user_page(user_id, errors=errors, form=form, status=422, section=section)


@bp.post("/users/<int:user_id>")
def update_user(user_id: int):
    """Change name, active flag, password or language."""
    return _apply(user_id, UserUpdate(), "profile",
                  lambda d: service.update_user(db(), principal(), user_id, now=now(), **d))


@bp.post("/users/<int:user_id>/memberships")
def add_membership(user_id: int):
    """Give the user a role in an organization."""
    return _apply(user_id, MembershipCreate(), "membership", lambda d: service.add_membership(
        db(), principal(), user_id, d["organization_id"], d["role"], now()))


@bp.post("/memberships/<int:membership_id>/delete")
def remove_membership(membership_id: int):
    """Take a role away."""
    user_id = request.form.get("user_id", type=int)
    try:
        service.remove_membership(db(), principal(), membership_id, now())
    except QuanzeError as exc:
        if exc.status == 404 or user_id is None:
            raise
        flash(exc.message, "error")
    return redirect(url_for("admin.user", user_id=user_id) if user_id else url_for("admin.users"))


@bp.post("/users/<int:user_id>/certificates")
def add_certificate(user_id: int):
    """Record an enforcement certificate."""
    return _apply(user_id, CertificateCreate(), "certificate",
                  lambda d: service.add_certificate(db(), principal(), user_id, now=now(), **d))


@bp.post("/certificates/<int:cert_id>/revoke")
def revoke_certificate(cert_id: int):
    """Revoke a certificate from a date on."""
    data, errors = load(CertificateRevoke(), form_dict(request.form))
    user_id = request.form.get("user_id", type=int)
    if errors:
        flash("；".join(m for ms in errors.values() for m in ms), "error")
    else:
        service.revoke_certificate(db(), principal(), cert_id, data["revoked_on"], now())
    return redirect(url_for("admin.user", user_id=user_id) if user_id else url_for("admin.users"))


@bp.route("/organizations", methods=["GET", "POST"])
def organizations():
    """Every organization; administrators add new ones here."""
    errors, form = {}, {}
    if request.method == "POST":
        form = form_dict(request.form)
        data, errors = load(OrganizationCreate(), form)
        if not errors:
            try:
                service.create_organization(db(), principal(), now=now(), **data)
                return redirect(url_for("admin.organizations"))
            except QuanzeError as exc:
                errors = {"parent_id": [exc.message]} if exc.status == 404 else _field_errors(exc)
    return render_template("admin/organizations.html", orgs=service.list_organizations(db()),
                           kinds=list(OrgKind), errors=errors, form=form), (422 if errors else 200)
