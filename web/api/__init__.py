"""The JSON API under /api/v1 (flask-smorest), documented at /api/openapi.json."""

from __future__ import annotations

import threading

from flask import Flask
from flask_smorest import Api

from web.schemas.common import ErrorSchema


class QuanzeApi(Api):
    """flask-smorest with our error body documented, writing the OpenAPI document on first use.

    flask-smorest documents each blueprint as it is registered: about 70 % of building an app, for a
    document most processes (the CLI, the scheduler, a test's app) never serve. The blueprints are
    registered for routing at once and documented the first time `spec` is read.
    """

    ERROR_SCHEMA = ErrorSchema

    def __init__(self, *args, **kwargs):
        self._undocumented: list[tuple] = []
        self._documenting = threading.RLock()  # the first /api/openapi.json may come on two threads
        super().__init__(*args, **kwargs)

    @property
    def spec(self):
        """The OpenAPI document, with every registered blueprint's operations in it."""
        with self._documenting:
            while self._undocumented:
                blp, name, parameters = self._undocumented.pop(0)
                blp.register_views_in_doc(self, self._app, self._spec, name=name, parameters=parameters)
                self._spec.tag({"name": name, "description": blp.description})
        return self._spec

    @spec.setter
    def spec(self, value) -> None:
        self._spec = value

    def register_blueprint(self, blp, *, parameters=None, **options):
        """Route the blueprint now; document it when the document is first read."""
        name = options.get("name", blp.name)
        self._app.extensions["flask-smorest"]["blp_name_to_api"][name] = self
        self._app.register_blueprint(blp, **options)
        self._undocumented.append((blp, name, parameters))


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

