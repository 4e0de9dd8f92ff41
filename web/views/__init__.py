"""Server-rendered pages, one blueprint per area."""

from __future__ import annotations

from flask import Flask


def register_views(app: Flask) -> None:
    """Attach every page blueprint."""
    from web.views import account, admin, auth, catalogue, delegations, home, public, townships

    for module in (auth, home, catalogue, townships, delegations, public, admin, account):
        app.register_blueprint(module.bp)
    _register_optional(app)


def _register_optional(app: Flask) -> None:
    """Pages for the procedures, once the engine is wired into the app."""
    if app.extensions["quanze"].engine_factory is None:
        return
    from web.views import tasks

    app.register_blueprint(tasks.bp)
