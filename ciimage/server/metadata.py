"""Object metadata (Content-Type, `x-cos-meta-*`...) kept beside the object, atomically with it.

An object stays a plain file under `<root>/<bucket>/` (watermarks and users read it as such), so
its metadata lives in a sidecar under the root's private folder:
`<root>/.ciimage/meta/<bucket>/<hh>/<sha256(key)>.json`. A sidecar holds records, each tied to one
version of the file by its identity (inode, size, mtime in ns), which `os.replace` keeps. A write
first stores the sidecar with the new version's record *and* the current version's, then renames
the object: a crash between the two leaves the old object with its old record still valid, and
after the rename the new record matches. A record whose identity no longer matches (the file was
replaced or edited by hand) is ignored: such a file has no stored metadata, and its ETag is its
MD5 again.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import shutil
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any  # parsed JSON

# The headers an upload may set and every GET/HEAD of the object answers (COS PUT Object).
STORED_HEADERS = (
    "Content-Type",
    "Content-Disposition",
    "Cache-Control",
    "Content-Encoding",
    "Expires",
)
USER_META_PREFIX = "x-cos-meta-"
_CANONICAL = {name.lower(): name for name in STORED_HEADERS}


@dataclass(frozen=True)
class ObjectMeta:
    """The stored headers of one object, names as COS spells them (`x-cos-meta-*` lower case)."""

    headers: tuple[tuple[str, str], ...] = ()

    @classmethod
    def from_headers(cls, headers: Mapping[str, str]) -> ObjectMeta:
        kept = []
        for name, value in headers.items():
            lower = name.lower()
            if lower in _CANONICAL:
                kept.append((_CANONICAL[lower], value))
            elif lower.startswith(USER_META_PREFIX) and len(lower) > len(USER_META_PREFIX):
                kept.append((lower, value))
        return cls(tuple(sorted(kept)))

    def get(self, name: str) -> str | None:
        for key, value in self.headers:
            if key.lower() == name.lower():
                return value
        return None

    def as_dict(self) -> dict[str, str]:
        return dict(self.headers)


NO_META = ObjectMeta()


@dataclass(frozen=True)
class FileIdentity:
    """One version of a file: what `os.replace` keeps and any rewrite changes."""

    inode: int
    size: int
    mtime_ns: int

    @classmethod
    def of(cls, info: os.stat_result) -> FileIdentity:
        return cls(inode=info.st_ino, size=info.st_size, mtime_ns=info.st_mtime_ns)


@dataclass(frozen=True)
class ObjectRecord:
    identity: FileIdentity
    etag: str
    meta: ObjectMeta

    def to_json(self) -> dict[str, object]:
        return {
            "inode": self.identity.inode,
            "size": self.identity.size,
            "mtime_ns": self.identity.mtime_ns,
            "etag": self.etag,
            "headers": [list(pair) for pair in self.meta.headers],
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> ObjectRecord:
        """Raises KeyError/TypeError/ValueError on a record that is not one (the caller's skip)."""
        identity = FileIdentity(
            inode=int(data["inode"]), size=int(data["size"]), mtime_ns=int(data["mtime_ns"])
        )
        headers = tuple((str(name), str(value)) for name, value in data.get("headers") or [])
        return cls(identity=identity, etag=str(data["etag"]), meta=ObjectMeta(headers))


AtomicWriter = Callable[[Path, bytes], None]


class MetadataStore:
    """Sidecar records under `<root>/.ciimage/meta/`; `write_file` is the store's atomic write."""

    def __init__(self, private_dir: Path, write_file: AtomicWriter) -> None:
        self.folder = private_dir / "meta"
        self._folder_text = str(self.folder)
        self._write_file = write_file

    def _path(self, bucket: str, key: str) -> Path:
        return Path(self._path_text(bucket, key))

    def _path_text(self, bucket: str, key: str) -> str:
        # Plain strings, not pathlib: a listing looks up one sidecar per key it returns.
        digest = hashlib.sha256(key.encode("utf-8")).hexdigest()
        return os.path.join(self._folder_text, bucket, digest[:2], digest + ".json")

    def _records(self, bucket: str, key: str) -> list[ObjectRecord]:
        try:
            with open(self._path_text(bucket, key), "rb") as handle:
                data = json.loads(handle.read())
        except (FileNotFoundError, NotADirectoryError):
            return []
        except (OSError, ValueError):
            return []  # an unreadable sidecar means "no metadata", never a failed GET
        try:
            return [ObjectRecord.from_json(item) for item in data.get("records", [])]
        except (KeyError, TypeError, ValueError):
            return []

    def read(self, bucket: str, key: str, info: os.stat_result) -> ObjectRecord | None:
        """The record of the file version `info` describes, if one was stored."""
        identity = FileIdentity.of(info)
        for record in self._records(bucket, key):
            if record.identity == identity:
                return record
        return None

    def prepare(
        self, bucket: str, key: str, new: ObjectRecord, current: os.stat_result | None
    ) -> None:
        """Store `new` before its file is renamed into place, keeping the current version's."""
        records = [new]
        if current is not None and (kept := self.read(bucket, key, current)) is not None:
            records.append(kept)
        path = self._path(bucket, key)
        path.parent.mkdir(parents=True, exist_ok=True)
        body = {"key": key, "records": [record.to_json() for record in records]}
        self._write_file(path, json.dumps(body, ensure_ascii=False).encode("utf-8"))

    def forget(self, bucket: str, key: str) -> None:
        with contextlib.suppress(FileNotFoundError, NotADirectoryError):
            self._path(bucket, key).unlink()

    def bucket_has_records(self, bucket: str) -> bool:
        """False when no object of the bucket was ever stored with a record: lookups can skip."""
        return os.path.isdir(os.path.join(self._folder_text, bucket))

    def drop_bucket(self, bucket: str) -> None:
        shutil.rmtree(self.folder / bucket, ignore_errors=True)
