"""Server-rendered pages, one blueprint per area."""

from __future__ import annotations

from flask import Flask


def register_views(app: Flask) -> None:
    """Attach every page blueprint."""
    from web.views import (
        account,
        admin,
        auth,
        cases,
        catalogue,
        deadlines,
        delegations,
        diagrams,
        evidence,
        home,
        procedures,
        public,
        starts,
        tasks,
        townships,
    )

    for module in (auth, home, catalogue, townships, delegations, public, admin, account, tasks,
                   procedures, deadlines, cases, evidence, starts, diagrams):
        app.register_blueprint(module.bp)
