"""One writer per object key at a time, across threads and across server processes.

A write with metadata is two renames (sidecar, then object) that must not interleave with another
write of the same key, also from another `ciimage serve` worker process sharing the root. Keys
map onto a fixed set of stripes; each stripe is a thread lock plus an `flock` on a lock file under
the root's private folder (where `fcntl` exists; elsewhere the thread lock alone).
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import threading
from collections.abc import Iterator
from pathlib import Path

try:
    import fcntl
except ImportError:  # not POSIX: one process per root is all that is supported there
    fcntl = None  # type: ignore[assignment]

STRIPES = 64


class KeyLocks:
    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self._threads = [threading.Lock() for _ in range(STRIPES)]
        self._folder_made = False

    @contextlib.contextmanager
    def hold(self, bucket: str, key: str) -> Iterator[None]:
        digest = hashlib.sha256(f"{bucket}/{key}".encode()).digest()
        stripe = int.from_bytes(digest[:4], "big") % STRIPES
        with self._threads[stripe]:
            if fcntl is None:
                yield
                return
            if not self._folder_made:
                self.folder.mkdir(parents=True, exist_ok=True)
                self._folder_made = True
            fd = os.open(self.folder / f"{stripe:02d}.lock", os.O_RDWR | os.O_CREAT, 0o644)
            try:
                fcntl.flock(fd, fcntl.LOCK_EX)
                yield
            finally:
                os.close(fd)  # closing releases the flock
