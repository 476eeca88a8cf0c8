"""The one way the server writes a file: a temporary file beside the target, fsync, rename.

Objects, multipart parts, metadata sidecars, upload records, styles and processing results are
all written through `StagedWrite`, so a crash leaves the old file (or none) plus at most a stray
`.ciimage-tmp-*` file that nothing lists or reads, and a change to how files are created (their
permissions, say) lands here once.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import shutil
from pathlib import Path

from ciimage.files import open_temporary
from ciimage.server.errors import InvalidKeyError
from ciimage.server.metadata import FileIdentity
from ciimage.watermark.resolver import SERVER_TEMP_PREFIX

# One prefix for half-written files, which the watermark resolver also refuses to read.
TEMP_PREFIX = SERVER_TEMP_PREFIX


def atomic_write_bytes(target: Path, data: bytes) -> None:
    """Write a small file (sidecars, upload records, styles) with the objects' atomic write."""
    staged = StagedWrite(target)
    try:
        staged.write(data)
        staged.finish()
        staged.publish()
    finally:
        staged.discard()


class StagedWrite:
    """A temporary file next to its target, hashed as it is written.

    The one place files are created: every write of the server (objects, parts, sidecars,
    styles) is a StagedWrite, fsynced and renamed over its target by `publish`.
    """

    def __init__(
        self,
        target: Path,
        *,
        bucket: str | None = None,
        key: str | None = None,
        hashed: bool = True,
    ) -> None:
        self.target = target
        self.bucket = bucket
        self.key = key
        fd, self._temp = open_temporary(target, prefix=TEMP_PREFIX)  # the umask's mode
        self._handle = os.fdopen(fd, "wb")
        self._md5 = hashlib.md5(usedforsecurity=False) if hashed else None
        self._size = 0
        self._published = False

    @property
    def size(self) -> int:
        return self._size

    @property
    def temp_path(self) -> Path:
        return self._temp

    @property
    def md5_digest(self) -> bytes:
        assert self._md5 is not None, "an unhashed staged write has no MD5"
        return self._md5.digest()

    @property
    def md5_etag(self) -> str:
        return f'"{self._md5.hexdigest()}"' if self._md5 is not None else ""

    def read_back(self) -> bytes:
        """What has been written so far, before it is committed."""
        self._handle.flush()
        return self._temp.read_bytes()

    def write(self, chunk: bytes) -> None:
        self._handle.write(chunk)
        if self._md5 is not None:
            self._md5.update(chunk)
        self._size += len(chunk)

    def append_file(self, source: Path) -> None:
        """Copy a whole file in (kernel-side where the OS can), without hashing it."""
        assert self._md5 is None, "append_file does not hash; stage with hashed=False"
        self._handle.flush()
        with source.open("rb") as reader:
            length = os.fstat(reader.fileno()).st_size
            copied = _copy_range(reader.fileno(), self._handle.fileno(), length)
            if copied < length:  # no kernel copy here: copy the rest through Python
                reader.seek(copied)
                self._handle.seek(0, os.SEEK_END)
                shutil.copyfileobj(reader, self._handle, 1 << 20)
                self._handle.flush()
        self._size += length
        self._handle.seek(0, os.SEEK_END)

    def finish(self) -> FileIdentity:
        """Flush and fsync; the identity the file keeps once renamed into place."""
        if not self._handle.closed:
            self._handle.flush()
            os.fsync(self._handle.fileno())
            self._handle.close()
        return FileIdentity.of(self._temp.stat())

    def publish(self) -> None:
        try:
            os.replace(self._temp, self.target)
        except IsADirectoryError:
            raise InvalidKeyError(
                f"{self.target.name!r} is a folder of other objects; it cannot become an object"
            ) from None
        self._published = True

    def discard(self) -> None:
        if not self._handle.closed:
            self._handle.close()
        if not self._published:
            with contextlib.suppress(FileNotFoundError):
                self._temp.unlink()


def _copy_range(source_fd: int, target_fd: int, length: int) -> int:
    """Bytes copied by `os.copy_file_range`, appending at the target's end; 0 if unsupported."""
    copy_file_range = getattr(os, "copy_file_range", None)
    if copy_file_range is None:
        return 0
    copied = 0
    target_offset = os.fstat(target_fd).st_size
    try:
        while copied < length:
            done = copy_file_range(
                source_fd, target_fd, length - copied, copied, target_offset + copied
            )
            if done == 0:
                break
            copied += done
    except OSError:
        pass  # e.g. across file systems on old kernels: the caller copies the rest
    os.lseek(target_fd, target_offset + copied, os.SEEK_SET)
    return copied
