"""Print the PostgreSQL URL given as argument when a server answers there; print nothing otherwise."""

import sys

try:
    import psycopg
except ImportError:  # the suite still runs without PostgreSQL
    sys.exit(0)

url = sys.argv[1]
try:
    with psycopg.connect(url, connect_timeout=3) as conn:
        conn.execute("select 1")
except Exception:  # noqa: BLE001 - any failure means "no server"
    sys.exit(0)
print(url)
