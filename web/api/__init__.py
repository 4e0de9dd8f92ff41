"""The JSON API under /api/v1 (flask-smorest), documented at /api/openapi.json."""

from __future__ import annotations

from flask import Flask
from flask_smorest import Api

from web.schemas.common import ErrorSchema


class QuanzeApi(Api):
    """flask-smorest with our error body documented as the Error component of every operation."""

    ERROR_SCHEMA = ErrorSchema


def register_api(app: Flask) -> Api:
    """Create the API for this app and attach every API blueprint."""
    from web.api import (
        account,
        admin,
        catalogue,
        delegations,
        evidence,
        grant,
        openapi,
        public,
        records,
        starts,
        tasks,
        townships,
    )

    api = QuanzeApi(app, spec_kwargs={"info": {"description": "权责 Quanze: delegated-power transfers "
                                                       "(赋权/委托) to townships."}})
    openapi.init_spec(api)
    api.spec.components.security_scheme("bearer", {"type": "http", "scheme": "bearer"})
    for module in (account, catalogue, townships, delegations, public, admin, tasks, starts, evidence, records, grant):
        api.register_blueprint(module.blp)
    app.extensions["quanze_api"] = api
    return api

