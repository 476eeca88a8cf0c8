"""Buckets as folders under the server root: `<root>/<bucket>/<key>`, written atomically.

The layout is the one `ciimage.watermark.resolver.BucketRootResolver` reads. Every write goes to a
temporary file in the destination folder and is renamed over the target, so a crash mid-write
leaves either the old object or the new one, never a partial file. Keys are checked before they
touch the file system: none can leave its bucket.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import stat as stat_module
import threading
from collections import OrderedDict
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from ciimage.files import open_temporary
from ciimage.server.errors import InvalidKeyError, NoSuchBucketError, NoSuchKeyError
from ciimage.server.hosts import BUCKET_NAME
from ciimage.watermark.resolver import SERVER_TEMP_PREFIX

# One prefix for half-written files, which the watermark resolver also refuses to read.
TEMP_PREFIX = SERVER_TEMP_PREFIX
# Folder names under the root that are not buckets (the styles store lives in one).
RESERVED_PREFIX = "."
_MAX_SEGMENT_BYTES = 255  # the usual file-name limit of Linux, macOS and Windows file systems
_ETAG_CACHE_SIZE = 4096


@dataclass(frozen=True)
class ObjectStat:
    size: int
    mtime: float
    etag: str  # quoted hex MD5, as COS answers for simple uploads


def check_key(key: str) -> str:
    """The key itself if it can be a file inside a bucket; InvalidKeyError otherwise."""
    if not key:
        raise InvalidKeyError("the object key is empty")
    if key.endswith("/"):
        raise InvalidKeyError(f"object key {key!r} ends with '/': folders are not objects here")
    if "\x00" in key or "\\" in key:
        raise InvalidKeyError(f"object key {key!r} contains a NUL byte or a backslash")
    for segment in key.split("/"):
        if segment in ("", ".", ".."):
            raise InvalidKeyError(
                f"object key {key!r} has an empty, '.' or '..' path segment; keys cannot leave "
                "their bucket or name folders ambiguously"
            )
        if segment.startswith(TEMP_PREFIX):
            raise InvalidKeyError(f"object key {key!r} uses the reserved prefix {TEMP_PREFIX!r}")
        if len(segment.encode("utf-8")) > _MAX_SEGMENT_BYTES:
            raise InvalidKeyError(
                f"object key {key!r} has a path segment over {_MAX_SEGMENT_BYTES} bytes"
            )
    return key


def check_bucket_name(bucket: str) -> str:
    if not BUCKET_NAME.match(bucket):
        raise NoSuchBucketError(
            f"bucket name {bucket!r} is not lowercase letters, digits and hyphens "
            "(BucketName-APPID)"
        )
    return bucket


class BucketStore:
    """Objects of every bucket under one root folder."""

    def __init__(self, root: Path) -> None:
        self.root = root.resolve()
        self._etags: OrderedDict[str, tuple[int, int, str]] = OrderedDict()
        self._etag_lock = threading.Lock()

    # ---- buckets ----

    def buckets(self) -> list[str]:
        if not self.root.is_dir():
            return []
        return sorted(
            entry.name
            for entry in self.root.iterdir()
            if entry.is_dir()
            and not entry.name.startswith(RESERVED_PREFIX)
            and BUCKET_NAME.match(entry.name)
        )

    def create_bucket(self, bucket: str) -> Path:
        path = self.root / check_bucket_name(bucket)
        path.mkdir(parents=True, exist_ok=True)
        return path

    def bucket_path(self, bucket: str) -> Path:
        path = self.root / check_bucket_name(bucket)
        if not path.is_dir():
            raise NoSuchBucketError(f"bucket {bucket!r} does not exist (no folder {path})")
        return path

    # ---- objects ----

    def object_path(self, bucket: str, key: str) -> Path:
        """The file for `key`; symbolic links that lead out of the bucket are refused too."""
        bucket_dir = self.bucket_path(bucket)
        path = bucket_dir / check_key(key)
        real = Path(os.path.realpath(path))
        if not real.is_relative_to(os.path.realpath(bucket_dir)):
            raise InvalidKeyError(f"object key {key!r} resolves outside bucket {bucket!r}")
        return path

    def _file_info(self, bucket: str, key: str) -> tuple[Path, os.stat_result]:
        path = self.object_path(bucket, key)
        try:
            info = path.stat()
        except (FileNotFoundError, NotADirectoryError):
            info = None
        if info is None or not stat_module.S_ISREG(info.st_mode):
            raise NoSuchKeyError(f"object {key!r} does not exist in bucket {bucket!r}")
        return path, info

    def stat(self, bucket: str, key: str) -> ObjectStat:
        path, info = self._file_info(bucket, key)
        return ObjectStat(size=info.st_size, mtime=info.st_mtime, etag=self._etag(path, info))

    def exists(self, bucket: str, key: str) -> bool:
        """True when `key` is a stored object; an invalid key is simply not one."""
        try:
            return self.object_path(bucket, key).is_file()
        except InvalidKeyError:
            return False

    def size(self, bucket: str, key: str) -> int:
        """The object's size without its ETag (which needs the whole file read once)."""
        return self._file_info(bucket, key)[1].st_size

    def read_bytes(self, bucket: str, key: str) -> bytes:
        path = self.object_path(bucket, key)
        try:
            return path.read_bytes()
        except (FileNotFoundError, NotADirectoryError, IsADirectoryError):
            raise NoSuchKeyError(f"object {key!r} does not exist in bucket {bucket!r}") from None

    def write_bytes(self, bucket: str, key: str, data: bytes) -> ObjectStat:
        staged = self.open_staged(bucket, key)
        try:
            staged.write(data)
            return self.commit(staged)
        finally:
            staged.discard()

    @contextlib.contextmanager
    def staged_write(self, bucket: str, key: str) -> Iterator[StagedWrite]:
        """Write through a temporary file; renamed over the object only when the block succeeds."""
        staged = self.open_staged(bucket, key)
        try:
            yield staged
            self.commit(staged)
        finally:
            staged.discard()

    def open_staged(self, bucket: str, key: str) -> StagedWrite:
        """A temporary file beside the object; the caller commits it or discards it."""
        path = self.object_path(bucket, key)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
        except (FileExistsError, NotADirectoryError):
            raise InvalidKeyError(
                f"object key {key!r} needs a folder where an object already exists"
            ) from None
        return StagedWrite(path)

    def commit(self, staged: StagedWrite) -> ObjectStat:
        staged.commit()
        self._remember_etag(staged.target, staged.result)
        return staged.result

    def delete(self, bucket: str, key: str) -> None:
        """Remove the object (absent is fine, as in COS) and any folders it leaves empty."""
        path = self.object_path(bucket, key)
        bucket_dir = self.bucket_path(bucket)
        with contextlib.suppress(FileNotFoundError, NotADirectoryError):
            if path.is_dir():
                raise NoSuchKeyError(f"{key!r} is a folder in bucket {bucket!r}, not an object")
            path.unlink()
        parent = path.parent
        while parent != bucket_dir and parent.is_relative_to(bucket_dir):
            try:
                parent.rmdir()
            except OSError:
                break
            parent = parent.parent

    # ---- ETags ----

    def _etag(self, path: Path, info: os.stat_result) -> str:
        cache_key = str(path)
        with self._etag_lock:
            cached = self._etags.get(cache_key)
            if cached and cached[0] == info.st_mtime_ns and cached[1] == info.st_size:
                self._etags.move_to_end(cache_key)
                return cached[2]
        digest = hashlib.md5(usedforsecurity=False)
        with path.open("rb") as handle:
            for chunk in iter(lambda: handle.read(1 << 20), b""):
                digest.update(chunk)
        etag = f'"{digest.hexdigest()}"'
        self._store_etag(cache_key, info.st_mtime_ns, info.st_size, etag)
        return etag

    def _remember_etag(self, path: Path, stat: ObjectStat) -> None:
        info = path.stat()
        self._store_etag(str(path), info.st_mtime_ns, info.st_size, stat.etag)

    def _store_etag(self, cache_key: str, mtime_ns: int, size: int, etag: str) -> None:
        with self._etag_lock:
            self._etags[cache_key] = (mtime_ns, size, etag)
            self._etags.move_to_end(cache_key)
            while len(self._etags) > _ETAG_CACHE_SIZE:
                self._etags.popitem(last=False)


class StagedWrite:
    """A temporary file next to its target, hashed as it is written."""

    def __init__(self, target: Path) -> None:
        self.target = target
        fd, self._temp = open_temporary(target, prefix=TEMP_PREFIX)  # the umask's mode
        self._handle = os.fdopen(fd, "wb")
        self._md5 = hashlib.md5(usedforsecurity=False)
        self._size = 0
        self._committed = False
        self.result = ObjectStat(size=0, mtime=0.0, etag="")

    @property
    def size(self) -> int:
        return self._size

    @property
    def md5_digest(self) -> bytes:
        return self._md5.digest()

    def read_back(self) -> bytes:
        """What has been written so far, before it is committed."""
        self._handle.flush()
        return self._temp.read_bytes()

    def write(self, chunk: bytes) -> None:
        self._handle.write(chunk)
        self._md5.update(chunk)
        self._size += len(chunk)

    def commit(self) -> None:
        self._handle.flush()
        os.fsync(self._handle.fileno())
        self._handle.close()
        try:
            os.replace(self._temp, self.target)
        except IsADirectoryError:
            raise InvalidKeyError(
                f"{self.target.name!r} is a folder of other objects; it cannot become an object"
            ) from None
        self._committed = True
        self.result = ObjectStat(
            size=self._size,
            mtime=self.target.stat().st_mtime,
            etag=f'"{self._md5.hexdigest()}"',
        )

    def discard(self) -> None:
        if not self._handle.closed:
            self._handle.close()
        if not self._committed:
            with contextlib.suppress(FileNotFoundError):
                self._temp.unlink()
