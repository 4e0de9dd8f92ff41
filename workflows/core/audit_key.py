"""The audit chain's HMAC key, kept outside the database (issue 13).

`QUANZE_AUDIT_KEY` (the key itself, from the deployment's secret store) wins; else the file
named by `QUANZE_AUDIT_KEY_FILE`; else the development default `<instance folder>/audit.key`
(`QUANZE_INSTANCE_DIR`, default ./instance), created with a random key on first use. Whoever
holds the key can write authentic rows: keep it off the database server and its backups.
"""

from __future__ import annotations

import os
import secrets
import threading
from pathlib import Path

AUDIT_KEY_ENV = "QUANZE_AUDIT_KEY"
AUDIT_KEY_FILE_ENV = "QUANZE_AUDIT_KEY_FILE"
_FILES: dict[str, bytes] = {}
_LOCK = threading.Lock()


def key_file() -> Path:
    """The file the key is read from when QUANZE_AUDIT_KEY is not set."""
    named = os.environ.get(AUDIT_KEY_FILE_ENV)
    if named:
        return Path(named)
    return Path(os.environ.get("QUANZE_INSTANCE_DIR", "instance")) / "audit.key"


def audit_key() -> bytes:
    """The key as bytes (read once per file; a missing development file is created)."""
    given = os.environ.get(AUDIT_KEY_ENV)
    if given:
        return given.encode("utf-8")
    path = key_file().resolve()
    found = _FILES.get(str(path))
    if found is not None:
        return found
    with _LOCK:
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            try:
                fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            except FileExistsError:  # another process created it a moment ago
                pass
            else:
                with os.fdopen(fd, "w", encoding="utf-8") as out:
                    out.write(secrets.token_hex(32) + "\n")
        key = path.read_text(encoding="utf-8").strip().encode("utf-8")
        if not key:
            raise RuntimeError(f"audit key file {path} is empty")
        _FILES[str(path)] = key
        return key
