"""Buckets as folders under the server root: `<root>/<bucket>/<key>`, written atomically.

The layout is the one `ciimage.watermark.resolver.BucketRootResolver` reads. Every write goes to a
temporary file in the destination folder and is renamed over the target (`atomic.StagedWrite`),
so a crash mid-write leaves either the old object or the new one, never a partial file; headers
stored with an object live in sidecars (`metadata`); listing is `listing`'s ordered walk. Keys
are checked before they touch the file system: none can leave its bucket.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import shutil
import stat as stat_module
import threading
from collections import OrderedDict
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from ciimage.server.atomic import TEMP_PREFIX, StagedWrite, atomic_write_bytes
from ciimage.server.errors import (
    BucketAlreadyOwnedByYouError,
    BucketNotEmptyError,
    InvalidBucketNameError,
    InvalidKeyError,
    NoSuchBucketError,
    NoSuchKeyError,
)
from ciimage.server.hosts import BUCKET_NAME
from ciimage.server.keylocks import KeyLocks
from ciimage.server.listing import DirectoryCache, ListPage, ListQuery, TreeWalker, list_page
from ciimage.server.metadata import (
    NO_META,
    MetadataStore,
    ObjectMeta,
    ObjectRecord,
)

# Folder names under the root that are not buckets (the styles store lives in one).
RESERVED_PREFIX = "."
# The root's private folder: styles, object metadata, multipart staging. Never a bucket.
PRIVATE_FOLDER = ".ciimage"
MAX_BUCKET_NAME_LENGTH = 60  # COS: BucketName-APPID at most 60 characters
_MAX_SEGMENT_BYTES = 255  # the usual file-name limit of Linux, macOS and Windows file systems
_ETAG_CACHE_SIZE = 4096


@dataclass(frozen=True)
class ObjectStat:
    size: int
    mtime: float
    etag: str  # quoted hex MD5 for simple uploads, "md5-of-part-md5s-N" for multipart ones
    meta: ObjectMeta = NO_META


def _is_hidden_entry(name: str) -> bool:
    return name.startswith(TEMP_PREFIX)


def folder_keys(
    folder: Path, prefix: str = "", directories: DirectoryCache | None = None
) -> Iterator[str]:
    """The keys under `folder` that begin with `prefix`, in UTF-8 byte order, walked as List
    Objects walks them (temporary files skipped, links not followed); it starts at `prefix` and
    stops after the last key that has it."""
    start = prefix.encode("utf-8")
    walker = TreeWalker(directories or DirectoryCache(skip=_is_hidden_entry), folder)
    for key in walker.seek(start):
        if not key.startswith(start):
            return
        yield key.decode("utf-8")


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


def check_new_bucket_name(bucket: str) -> str:
    """The name COS would accept for a new bucket; InvalidBucketName otherwise."""
    if not BUCKET_NAME.match(bucket) or len(bucket) > MAX_BUCKET_NAME_LENGTH:
        raise InvalidBucketNameError(
            f"bucket name {bucket!r} must be 1-{MAX_BUCKET_NAME_LENGTH} lowercase letters, digits "
            "and hyphens, not starting or ending with a hyphen (BucketName-APPID)"
        )
    return bucket


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
        self.private = self.root / PRIVATE_FOLDER
        self.meta = MetadataStore(self.private, atomic_write_bytes)
        self._directories = DirectoryCache(skip=_is_hidden_entry)
        self._etags: OrderedDict[str, tuple[int, int, str]] = OrderedDict()
        self._etag_lock = threading.Lock()
        self._key_locks = KeyLocks(self.private / "locks")

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

    def create_bucket(self, bucket: str, *, exist_ok: bool = False) -> Path:
        path = self.root / check_new_bucket_name(bucket)
        try:
            path.mkdir(parents=True, exist_ok=exist_ok)
        except FileExistsError:
            raise BucketAlreadyOwnedByYouError(
                f"bucket {bucket!r} already exists (folder {path})"
            ) from None
        return path

    def delete_bucket(self, bucket: str) -> None:
        """Remove an empty bucket: 409 BucketNotEmpty while it holds any listable object."""
        path = self.bucket_path(bucket)
        if next(TreeWalker(self._directories, path).seek(b""), None) is not None:
            raise BucketNotEmptyError(f"bucket {bucket!r} still holds objects; delete them first")
        shutil.rmtree(path)  # what is left is empty folders and stray temporary files
        self.meta.drop_bucket(bucket)

    def list_objects(self, bucket: str, query: ListQuery) -> tuple[ListPage, list[ObjectStat]]:
        """One List Objects page and the stat of each key on it (in the page's order)."""
        path = self.bucket_path(bucket)
        page = list_page(TreeWalker(self._directories, path).seek, query)
        top = str(path)
        records = self.meta.bucket_has_records(bucket)
        stats = []
        for key in page.keys:
            try:
                stats.append(self._stat_at(bucket, key, os.path.join(top, key), records))
            except NoSuchKeyError:  # deleted since it was listed: report what was seen
                stats.append(ObjectStat(size=0, mtime=0.0, etag='""'))
        return page, stats

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
        return self._stat_at(bucket, key, self.object_path(bucket, key))

    def _stat_at(self, bucket: str, key: str, path: Path | str, records: bool = True) -> ObjectStat:
        try:
            info = os.stat(path)
        except (FileNotFoundError, NotADirectoryError):
            info = None
        if info is None or not stat_module.S_ISREG(info.st_mode):
            raise NoSuchKeyError(f"object {key!r} does not exist in bucket {bucket!r}")
        record = self.meta.read(bucket, key, info) if records else None
        if record is not None:
            return ObjectStat(info.st_size, info.st_mtime, record.etag, record.meta)
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

    def open_staged(self, bucket: str, key: str, *, hashed: bool = True) -> StagedWrite:
        """A temporary file beside the object; the caller commits it or discards it."""
        path = self.object_path(bucket, key)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
        except (FileExistsError, NotADirectoryError):
            raise InvalidKeyError(
                f"object key {key!r} needs a folder where an object already exists"
            ) from None
        return StagedWrite(path, bucket=bucket, key=key, hashed=hashed)

    def commit(
        self, staged: StagedWrite, meta: ObjectMeta | None = None, etag: str | None = None
    ) -> ObjectStat:
        """Publish a staged object with its metadata; `etag` overrides the content MD5.

        A sidecar is written only when there is something the file itself cannot tell (headers,
        or an ETag that is not its MD5), so plain uploads cost one rename, as before.
        """
        meta = meta or NO_META
        assert staged.bucket is not None and staged.key is not None
        bucket, key = staged.bucket, staged.key
        identity = staged.finish()
        etag = etag or staged.md5_etag
        needs_record = bool(meta.headers) or etag != staged.md5_etag
        with self._key_locks.hold(bucket, key):
            try:
                current = staged.target.stat()
            except (FileNotFoundError, NotADirectoryError):
                current = None
            if needs_record:
                record = ObjectRecord(identity=identity, etag=etag, meta=meta)
                self.meta.prepare(bucket, key, record, current)
            staged.publish()
            if not needs_record and current is not None:
                self.meta.forget(bucket, key)  # the old version's headers are not this one's
        stat = ObjectStat(staged.size, identity.mtime_ns / 1e9, etag, meta)
        self._store_etag(str(staged.target), identity.mtime_ns, identity.size, etag)
        return stat

    def delete(self, bucket: str, key: str) -> None:
        """Remove the object (absent is fine, as in COS) and any folders it leaves empty."""
        path = self.object_path(bucket, key)
        bucket_dir = self.bucket_path(bucket)
        missing = (FileNotFoundError, NotADirectoryError)
        with self._key_locks.hold(bucket, key), contextlib.suppress(*missing):
            if path.is_dir():
                raise NoSuchKeyError(f"{key!r} is a folder in bucket {bucket!r}, not an object")
            path.unlink()
            self.meta.forget(bucket, key)
        parent = path.parent
        while parent != bucket_dir and parent.is_relative_to(bucket_dir):
            try:
                parent.rmdir()
            except OSError:
                break
            parent = parent.parent

    # ---- ETags ----

    def _etag(self, path: Path | str, info: os.stat_result) -> str:
        cache_key = str(path)
        with self._etag_lock:
            cached = self._etags.get(cache_key)
            if cached and cached[0] == info.st_mtime_ns and cached[1] == info.st_size:
                self._etags.move_to_end(cache_key)
                return cached[2]
        digest = hashlib.md5(usedforsecurity=False)
        with open(path, "rb") as handle:
            for chunk in iter(lambda: handle.read(1 << 20), b""):
                digest.update(chunk)
        etag = f'"{digest.hexdigest()}"'
        self._store_etag(cache_key, info.st_mtime_ns, info.st_size, etag)
        return etag

    def _store_etag(self, cache_key: str, mtime_ns: int, size: int, etag: str) -> None:
        with self._etag_lock:
            self._etags[cache_key] = (mtime_ns, size, etag)
            self._etags.move_to_end(cache_key)
            while len(self._etags) > _ETAG_CACHE_SIZE:
                self._etags.popitem(last=False)
