"""Fixtures for the web tests: the application with the Gucheng sample (tests/support/webapp.py)."""

from tests.support.webapp import app, as_user, client, database_template  # noqa: F401
