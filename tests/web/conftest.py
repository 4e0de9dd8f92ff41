"""Fixtures for the web tests: the application with the Gucheng sample (tests/support/webapp.py).

Web tests run on SQLite only, unless their module is marked `both_backends`: the pages and the API
sit on the service layer, whose storage paths the engine, procedure and unit tests run on both
SQLite and PostgreSQL. The marked modules are those whose outcome can depend on the backend:
ordering and paging, PostgreSQL's refusals of odd input (NUL, out-of-range numbers), the API sweeps.
"""

import pytest

from tests.support.webapp import app, as_user, client, database_template  # noqa: F401


@pytest.hookimpl(tryfirst=True)
def pytest_generate_tests(metafunc):
    """Parametrize `engine` with SQLite alone, before the fixture's own backends apply."""
    definition = metafunc.definition
    if "engine" not in metafunc.fixturenames or definition.get_closest_marker("both_backends"):
        return
    if any("engine" in str(mark.args[0]) for mark in definition.iter_markers("parametrize")):
        return  # the test chose its backends itself
    definition.add_marker(pytest.mark.parametrize("engine", ["sqlite"], indirect=True))
