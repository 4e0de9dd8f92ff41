"""Fixtures for the browser tests: the application with the Gucheng sample (tests/support/webapp.py)."""

from tests.e2e.test_browser import browser, site  # noqa: F401  (the live server and Chromium, for every file)
from tests.support.webapp import app, as_user, client, database_template  # noqa: F401
