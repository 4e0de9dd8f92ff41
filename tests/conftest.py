"""Shared fixtures: a real database per test (SQLite file, and PostgreSQL when configured).

Each database is a copy: of an empty schema built once per session, or of a named template
(`database_template`, e.g. the Gucheng sample for the web tests) built once per session.
"""

from __future__ import annotations

import os

import pytest

from models.db import make_session_factory
from tests.support.databases import PgSchemas, SqliteFiles
from tests.support.templates import TEMPLATE_AT, TEMPLATES
from workflows.core.clock import FixedClock

PG_URL = os.environ.get("QUANZE_TEST_DATABASE_URL")
# The audit chain's HMAC key (kept outside the database); tests that need the file default
# unset it themselves.
os.environ.setdefault("QUANZE_AUDIT_KEY", "quanze-test-audit-key")
BACKENDS = ["sqlite"] + (["postgresql"] if PG_URL else [])


@pytest.fixture(scope="session")
def sqlite_files(tmp_path_factory):
    """The session's empty SQLite database and its templates."""
    return SqliteFiles(tmp_path_factory.mktemp("databases"))


@pytest.fixture(scope="session")
def pg_schemas():
    """The session's pool of PostgreSQL schemas (dropped at the end)."""
    pool = PgSchemas(PG_URL)
    yield pool
    pool.close()


@pytest.fixture
def database_template():
    """The template a test's database starts from: None is an empty schema."""
    return None


def pytest_configure(config):
    config.addinivalue_line("markers", "database(name): start from a copy of that template "
                                       "(tests/support/templates.py)")


@pytest.fixture(params=BACKENDS)
def engine(request, tmp_path, database_template):
    """An engine on a database of its own: every table, and the template's rows if any."""
    marker = request.node.get_closest_marker("database")
    if marker is not None:
        database_template = marker.args[0]
    loader = TEMPLATES[database_template] if database_template else None
    if request.param == "sqlite":
        files = request.getfixturevalue("sqlite_files")
        source = files.template(database_template, loader) if loader else None
        eng = files.engine(tmp_path / "test.db", source)
        yield eng
        eng.dispose()
        return
    pool = request.getfixturevalue("pg_schemas")
    if loader:
        pool.template(database_template, loader)
    schema = pool.acquire(database_template)
    eng = pool.engine_on(schema)
    yield eng
    eng.dispose()
    pool.release(schema)


@pytest.fixture
def session_factory(engine):
    """Session factory on the test engine."""
    return make_session_factory(engine)


@pytest.fixture
def session(session_factory):
    """One session, closed after the test."""
    with session_factory() as s:
        yield s


@pytest.fixture
def clock():
    """A fixed clock at 2026-03-02 09:00 Asia/Shanghai (a Monday, a working day)."""
    return FixedClock(TEMPLATE_AT)


# The longest files first: pytest-xdist (`--dist loadfile`) hands out whole files in collection
# order, and a long file handed out last keeps one worker busy after the other has finished.
LONG_FILES = ("e2e/test_procedure_walks.py", "web/test_endpoint_walk.py", "e2e/test_browser.py",
              "web/test_openapi.py", "web/test_api_schemathesis.py", "e2e/test_viewer_browser.py",
              "web/test_languages.py")


def pytest_collection_modifyitems(items):
    """Put the long files' tests at the front, each file's tests in their own order."""
    def rank(item) -> int:
        path = item.nodeid.split("::")[0]
        return next((i for i, name in enumerate(LONG_FILES) if path.endswith(name)), len(LONG_FILES))
    items.sort(key=rank)  # stable: the order within a file and among the others is kept
