"""Fixtures for the browser tests: the application with the Gucheng sample (tests/support/webapp.py)."""

from tests.support.webapp import app, as_user, client  # noqa: F401
