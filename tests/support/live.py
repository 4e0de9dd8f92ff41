"""A live server for browser tests: the Gucheng sample in SQLite, the BPMN files, a free port."""

from __future__ import annotations

import shutil
import threading
from contextlib import contextmanager
from pathlib import Path

from werkzeug.serving import make_server

from models import Base
from models.db import make_engine, make_session_factory
from tests.support.webapp import BPMN_DIR, PROCEDURES
from web import create_app
from workflows.deadlines.rules import seed_deadline_rules
from workflows.sample.gucheng import load_gucheng_sample


@contextmanager
def live_site(root: Path, clock, secret: str = "browser-test"):
    """Serve the sample on 127.0.0.1 until the block ends: {url, app, factory, clock}."""
    engine = make_engine(f"sqlite:///{root / 'site.db'}")
    Base.metadata.create_all(engine)
    factory = make_session_factory(engine)
    with factory() as s:
        load_gucheng_sample(s, clock)
        seed_deadline_rules(s, clock)
        s.commit()
    bpmn = root / "bpmn"
    bpmn.mkdir()
    for name in PROCEDURES:
        shutil.copy(BPMN_DIR / name, bpmn / name)
    # Served over plain http on 127.0.0.1, so cookies cannot demand https here.
    app = create_app({"ENGINE": engine, "CLOCK": clock, "SECRET_KEY": secret,
                      "INSTANCE_PATH": str(root / "instance"), "BPMN_DIR": str(bpmn),
                      "SECURE_COOKIES": False})
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield {"url": f"http://127.0.0.1:{server.server_port}", "app": app, "factory": factory, "clock": clock}
    finally:
        server.shutdown()
        thread.join()
        engine.dispose()
