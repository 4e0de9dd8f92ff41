"""Web application, JSON API and the `quanze` command line — the edges of Quanze."""
