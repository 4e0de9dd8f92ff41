"""Web application, JSON API and the `quanze` command line — the edges of Quanze."""


def create_app(config: dict | None = None):
    """Build the Flask application (see web/app.py); importing `web` creates nothing."""
    from web.app import create_app as _create_app

    return _create_app(config)
