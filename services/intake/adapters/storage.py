"""Where attachment bytes live: content-addressed, behind an interface an object store fits.

A blob's name is the SHA-256 of its content, so storing the same photo twice is a
no-op, a name can never point at other bytes, and a blob written before a failed
database commit is harmless (an orphan, not a half-stored report).
"""

from __future__ import annotations

import asyncio
import hashlib
import os
import tempfile
from pathlib import Path
from typing import Protocol


class BlobStore(Protocol):
    async def put(self, content: bytes) -> str:
        """Store ``content`` durably; return its SHA-256 hex digest."""
        ...

    async def get(self, digest: str) -> bytes | None: ...

    async def exists(self, digest: str) -> bool: ...


def digest_of(content: bytes) -> str:
    return hashlib.sha256(content).hexdigest()


class LocalBlobStore:
    """Files under ``root/ab/cd/<sha256>``, written to a temp file, fsynced, then renamed."""

    def __init__(self, root: Path):
        self.root = root

    def _path(self, digest: str) -> Path:
        if len(digest) != 64 or not all(c in "0123456789abcdef" for c in digest):
            raise ValueError("not a sha256 hex digest")
        return self.root / digest[:2] / digest[2:4] / digest

    async def put(self, content: bytes) -> str:
        digest = digest_of(content)
        await asyncio.to_thread(self._write, self._path(digest), content)
        return digest

    @staticmethod
    def _write(path: Path, content: bytes) -> None:
        if path.exists():
            return
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(content)
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise

    async def get(self, digest: str) -> bytes | None:
        try:
            path = self._path(digest)
        except ValueError:
            return None
        if not path.exists():
            return None
        return await asyncio.to_thread(path.read_bytes)

    async def exists(self, digest: str) -> bool:
        try:
            return self._path(digest).exists()
        except ValueError:
            return False
