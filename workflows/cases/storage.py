"""Where evidence bytes live: one small interface (put/get/exists by sha256), on disk by default."""

from __future__ import annotations

import hashlib
import os
import re
import tempfile
from pathlib import Path
from typing import Protocol

from workflows.core.errors import NotFound

_SHA256 = re.compile(r"[0-9a-f]{64}")


class BlobStore(Protocol):
    """Content-addressed storage; a county may point it at object storage instead of the disk."""

    def put(self, content: bytes) -> str:
        """Store the bytes (idempotent) and return their sha256."""

    def get(self, sha256: str) -> bytes:
        """The bytes stored under the hash; NotFound when absent."""

    def exists(self, sha256: str) -> bool:
        """Whether bytes with that hash are stored."""


class DiskBlobStore:
    """Files named by their sha256 under a folder (instance/evidence by default), two-level fan-out."""

    def __init__(self, root: str | os.PathLike) -> None:
        self.root = Path(root)

    def _path(self, sha256: str) -> Path:
        if not _SHA256.fullmatch(sha256 or ""):
            raise NotFound(f"无效的摘要：{sha256!r} / not a sha256 digest", sha256=sha256)
        return self.root / sha256[:2] / sha256[2:4] / sha256

    def put(self, content: bytes) -> str:
        """Write once via a temporary file and rename, so a reader never sees half a file."""
        sha256 = hashlib.sha256(content).hexdigest()
        path = self._path(sha256)
        if path.exists():
            return sha256
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".incoming-")
        try:
            with os.fdopen(fd, "wb") as out:
                out.write(content)
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        return sha256

    def get(self, sha256: str) -> bytes:
        """The stored bytes, checked against their name so a changed file is never served."""
        path = self._path(sha256)
        if not path.exists():
            raise NotFound(f"证据文件缺失：{sha256} / evidence file missing", sha256=sha256)
        content = path.read_bytes()
        if hashlib.sha256(content).hexdigest() != sha256:
            raise NotFound(f"证据文件已被改动：{sha256} / evidence file altered", sha256=sha256)
        return content

    def exists(self, sha256: str) -> bool:
        """Whether a file with that hash is stored."""
        return self._path(sha256).exists()
