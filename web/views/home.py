"""The home page: who you are, where you work, where to go next."""

from __future__ import annotations

from flask import Blueprint, render_template

from web.auth import login_required, principal

bp = Blueprint("home", __name__)


@bp.get("/")
@login_required
def index():
    """Roles, organizations and shortcuts for the signed-in user."""
    return render_template("home.html", me=principal())
