"""The Flask application factory: configuration, database, clock, extensions, blueprints."""

from __future__ import annotations

import gc
import os
import secrets
import threading
from contextlib import suppress
from dataclasses import dataclass, field
from pathlib import Path

from flask import Flask
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker
from werkzeug.routing import IntegerConverter

from models.db import default_database_url, make_engine, make_session_factory
from workflows.calendar.legal_calendar import LegalCalendar
from workflows.cases.storage import DiskBlobStore
from workflows.core.clock import SystemClock
from workflows.core.errors import QuanzeError
from workflows.procedures import build_engine
from workflows.procedures import forms as procedure_forms

DEFAULTS = {
    "MAX_CONTENT_LENGTH": 1 * 1024 * 1024,  # 1 MiB: a bigger body is refused with 413
    # Evidence uploads alone may be larger (a video); per-kind ceilings in EVIDENCE_LIMITS (bytes).
    "EVIDENCE_MAX_BYTES": 500 * 1024 * 1024,
    "EVIDENCE_LIMITS": {},
    "SESSION_COOKIE_HTTPONLY": True,
    "SESSION_COOKIE_SAMESITE": "Lax",
    "BABEL_DEFAULT_LOCALE": "zh_CN",
    "BABEL_DEFAULT_TIMEZONE": "Asia/Shanghai",
    "LANGUAGES": ["zh_CN", "en"],
    "API_TITLE": "Quanze 权责 API",
    "API_VERSION": "v1",
    "OPENAPI_VERSION": "3.0.3",
    "OPENAPI_URL_PREFIX": "/api",
    "OPENAPI_JSON_PATH": "openapi.json",
    "JSON_AS_ASCII": False,
    "SESSION_IDLE_MINUTES": 30,
    "SESSION_ABSOLUTE_MINUTES": 12 * 60,
}


class IdConverter(IntegerConverter):
    """`<int:…>` in URLs: at most 2**31-1, so an overlong id is a 404 and never reaches the database."""

    def __init__(self, url_map, fixed_digits=0, min=None, max=2**31 - 1, signed=False):
        super().__init__(url_map, fixed_digits, min, max, signed)


BPMN_DIR = Path(__file__).resolve().parents[1] / "bpmn"


@dataclass
class Wiring:
    """What the app shares across requests: database, sessions, the one clock, the BPMN engine."""

    engine: Engine
    session_factory: sessionmaker[Session]
    clock: SystemClock
    bpmn_dir: Path = BPMN_DIR
    workflow: object | None = None  # the workflows.engine.Engine, built on first use
    evidence_store: object | None = None  # a workflows.cases.storage.BlobStore
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _forms: object | None = None

    def workflow_engine(self):
        """The procedure engine, built and synced with bpmn/ once (on the first request needing it)."""
        with self._lock:
            if self.workflow is None:
                built = build_engine(self.bpmn_dir, self.clock, LegalCalendar())
                with self.session_factory() as session:
                    built.sync_definitions(session)
                self.workflow = built
            return self.workflow

    def forms(self):
        """The user-task forms: the engine's when one is built, else the procedures' (no BPMN parse)."""
        if self.workflow is not None:
            return self.workflow.forms
        if self._forms is None:
            self._forms = procedure_forms()
        return self._forms


def _instance_path() -> str:
    return str(Path(os.environ.get("QUANZE_INSTANCE_DIR", "instance")).resolve())


def _secret_key(app: Flask) -> str:
    """QUANZE_SECRET_KEY, or a key generated once into the instance folder."""
    if os.environ.get("QUANZE_SECRET_KEY"):
        return os.environ["QUANZE_SECRET_KEY"]
    path = Path(app.instance_path) / "secret_key"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_hex(32), encoding="utf-8")
        path.chmod(0o600)
    return path.read_text(encoding="utf-8").strip()


def _wiring(app: Flask) -> Wiring:
    engine = app.config.get("ENGINE")
    if engine is None:
        url = app.config.get("DATABASE_URL") or default_database_url(app.instance_path)
        engine = make_engine(url)
    clock = app.config.get("CLOCK") or SystemClock()
    # Evidence files under the instance folder unless a county supplies its own store (object storage).
    store = app.config.get("EVIDENCE_STORE") or DiskBlobStore(
        app.config.get("EVIDENCE_DIR") or Path(app.instance_path) / "evidence")
    return Wiring(engine, make_session_factory(engine), clock, Path(app.config.get("BPMN_DIR") or BPMN_DIR),
                  app.config.get("WORKFLOW_ENGINE"), store)


def create_app(config: dict | None = None) -> Flask:
    """Build a configured application; nothing is created before this is called."""
    config = config or {}
    app = Flask(__name__, instance_path=config.get("INSTANCE_PATH") or _instance_path())
    app.config.from_mapping(DEFAULTS)
    app.config.update(config)
    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = _secret_key(app)
    app.extensions["quanze"] = _wiring(app)
    app.url_map.converters["int"] = IdConverter

    from web import auth, errors, i18n, inputs, labels, names, nav, requests, security
    from web.api import register_api
    from web.views import register_views

    security.init_app(app, set(config))
    inputs.init_app(app)
    requests.init_app(app)
    i18n.init_app(app)
    names.init_app(app)
    labels.init_app(app)
    nav.init_app(app)
    auth.init_app(app)
    register_views(app)
    register_api(app)
    errors.init_app(app)  # after the API, so our handlers replace flask-smorest's
    return app


def settle_heap(app: Flask) -> None:
    """Before serving: build the procedure engine, then move every object alive to the collector's permanent
    generation (gc.freeze).

    The app, SQLAlchemy and the parsed BPMN are ~160,000 long-lived objects; each full collection walked
    them all (70-80 ms), and a page that holds thousands of rows triggers one every few requests: that
    was the dashboard's p95 at 100,000 open tasks. Frozen objects are still freed by reference counting.
    """
    with suppress(QuanzeError):  # invalid BPMN: pages still serve; the error shows where the engine is asked for
        app.extensions["quanze"].workflow_engine()
    gc.collect()
    gc.freeze()
