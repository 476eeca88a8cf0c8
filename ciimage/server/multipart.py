"""Multipart uploads staged under the root's private folder, published with one atomic rename.

`<root>/.ciimage/multipart/<bucket>/<uploadId>/` holds `upload.json` (key, time, the headers given
at initiate) and one file per part, `<number>-<md5 hex>.part`, each written atomically: the MD5
(the part's ETag) is in its name, so listing parts never reads them. An upload exists exactly
while its `upload.json` does: abort and complete remove that file first, then the folder, so a
crash in between leaves an inert folder, never a half-aborted upload. Complete concatenates the
parts into a temporary file beside the object and renames it into place (`BucketStore.commit`).
"""

from __future__ import annotations

import contextlib
import hashlib
import itertools
import json
import re
import shutil
import threading
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

from ciimage.server.atomic import StagedWrite, atomic_write_bytes
from ciimage.server.errors import (
    EntityTooSmallError,
    InvalidArgumentError,
    InvalidPartError,
    InvalidPartOrderError,
    NoSuchUploadError,
)
from ciimage.server.metadata import ObjectMeta
from ciimage.server.storage import BucketStore, ObjectStat, check_key

MAX_PART_NUMBER = 10_000
MIN_PART_BYTES = 1024 * 1024  # every part but the last (COS: 1 MB)
MAX_PART_BYTES = 5 * 1024**3  # COS: 5 GB per part (design A26)
_UPLOAD_ID = re.compile(r"^[0-9a-f]{32}$")
_PART_FILE = re.compile(r"^(\d{5})-([0-9a-f]{32})\.part$")
_UPLOAD_RECORD = "upload.json"


@dataclass(frozen=True)
class Upload:
    bucket: str
    key: str
    upload_id: str
    initiated: float
    meta: ObjectMeta
    folder: Path


@dataclass(frozen=True)
class Part:
    number: int
    etag: str  # quoted hex MD5
    size: int
    mtime: float
    path: Path


def check_part_number(text: str | None) -> int:
    if text is None or not text.isdigit() or not 1 <= int(text) <= MAX_PART_NUMBER:
        raise InvalidArgumentError(
            f"partNumber {text!r} must be an integer from 1 to {MAX_PART_NUMBER}"
        )
    return int(text)


def multipart_etag(parts: list[Part]) -> str:
    """S3's convention (design A27): MD5 of the parts' binary MD5s, then `-<count>`."""
    digest = hashlib.md5(usedforsecurity=False)
    for part in parts:
        digest.update(bytes.fromhex(part.etag.strip('"')))
    return f'"{digest.hexdigest()}-{len(parts)}"'


class MultipartStore:
    def __init__(self, store: BucketStore) -> None:
        self.store = store
        self.folder = store.private / "multipart"
        self._upload_locks: dict[str, threading.Lock] = {}
        self._locks_lock = threading.Lock()

    def _lock(self, upload_id: str) -> threading.Lock:
        with self._locks_lock:
            return self._upload_locks.setdefault(upload_id, threading.Lock())

    def initiate(self, bucket: str, key: str, meta: ObjectMeta) -> Upload:
        self.store.bucket_path(bucket)
        check_key(key)
        upload_id = uuid.uuid4().hex
        folder = self.folder / bucket / upload_id
        folder.mkdir(parents=True)
        initiated = time.time()
        record = {"key": key, "initiated": initiated, "headers": [list(p) for p in meta.headers]}
        atomic_write_bytes(folder / _UPLOAD_RECORD, json.dumps(record).encode("utf-8"))
        return Upload(bucket, key, upload_id, initiated, meta, folder)

    def _read(self, bucket: str, upload_id: str) -> Upload | None:
        folder = self.folder / bucket / upload_id
        try:
            record = json.loads((folder / _UPLOAD_RECORD).read_bytes())
        except (FileNotFoundError, NotADirectoryError, ValueError):
            return None
        headers = tuple((str(k), str(v)) for k, v in record.get("headers", []))
        meta = ObjectMeta(headers)
        return Upload(
            bucket, str(record["key"]), upload_id, float(record["initiated"]), meta, folder
        )

    def get(self, bucket: str, key: str, upload_id: str | None) -> Upload:
        """The upload `upload_id` of `key`; 404 NoSuchUpload for anything else."""
        self.store.bucket_path(bucket)
        upload = None
        if upload_id and _UPLOAD_ID.match(upload_id):
            upload = self._read(bucket, upload_id)
        if upload is None or upload.key != key:
            raise NoSuchUploadError(
                f"upload {upload_id!r} of {key!r} does not exist: it was never initiated, or it "
                "was completed or aborted"
            )
        return upload

    def uploads(self, bucket: str) -> list[Upload]:
        """Every upload in progress in the bucket, by key, then initiation time."""
        self.store.bucket_path(bucket)
        folder = self.folder / bucket
        if not folder.is_dir():
            return []
        found = [
            upload
            for entry in folder.iterdir()
            if _UPLOAD_ID.match(entry.name) and (upload := self._read(bucket, entry.name))
        ]
        return sorted(found, key=lambda u: (u.key.encode("utf-8"), u.initiated, u.upload_id))

    def open_part(self, upload: Upload) -> StagedWrite:
        return StagedWrite(upload.folder / "pending.part")

    def commit_part(self, upload: Upload, number: int, staged: StagedWrite) -> Part:
        """Rename the part into place under its MD5 name, then drop older copies of it."""
        staged.target = upload.folder / f"{number:05d}-{staged.md5_etag.strip(chr(34))}.part"
        staged.finish()
        staged.publish()
        for older in upload.folder.glob(f"{number:05d}-*.part"):
            if older != staged.target:
                with contextlib.suppress(FileNotFoundError):
                    older.unlink()
        info = staged.target.stat()
        return Part(number, staged.md5_etag, info.st_size, info.st_mtime, staged.target)

    def parts(self, upload: Upload) -> list[Part]:
        """The parts uploaded so far, ascending; a re-uploaded number keeps its newest copy."""
        newest: dict[int, tuple[int, Part]] = {}
        for path in upload.folder.iterdir():
            match = _PART_FILE.match(path.name)
            if match is None:
                continue
            try:
                info = path.stat()
            except FileNotFoundError:
                continue
            number = int(match[1])
            part = Part(number, f'"{match[2]}"', info.st_size, info.st_mtime, path)
            if number not in newest or info.st_mtime_ns > newest[number][0]:
                newest[number] = (info.st_mtime_ns, part)
        return [newest[number][1] for number in sorted(newest)]

    def _chosen_parts(self, upload: Upload, wanted: list[tuple[int, str]]) -> list[Part]:
        if not wanted:
            raise InvalidPartError("CompleteMultipartUpload names no parts")
        numbers = [number for number, _ in wanted]
        if any(b <= a for a, b in itertools.pairwise(numbers)):
            raise InvalidPartOrderError("parts must be listed in strictly ascending PartNumber")
        stored = {part.number: part for part in self.parts(upload)}
        chosen = []
        for number, etag in wanted:
            part = stored.get(number)
            if part is None or part.etag.strip('"').lower() != etag.strip('"').lower():
                raise InvalidPartError(
                    f"part {number} with ETag {etag} was not uploaded to upload {upload.upload_id}"
                )
            chosen.append(part)
        for part in chosen[:-1]:
            if part.size < MIN_PART_BYTES:
                raise EntityTooSmallError(
                    f"part {part.number} is {part.size} bytes; every part but the last must be "
                    f"at least {MIN_PART_BYTES} bytes"
                )
        return chosen

    def complete(self, upload: Upload, wanted: list[tuple[int, str]]) -> ObjectStat:
        with self._lock(upload.upload_id):
            if self._read(upload.bucket, upload.upload_id) is None:
                raise NoSuchUploadError(f"upload {upload.upload_id!r} was completed or aborted")
            chosen = self._chosen_parts(upload, wanted)
            staged = self.store.open_staged(upload.bucket, upload.key, hashed=False)
            try:
                for part in chosen:
                    staged.append_file(part.path)
                stat = self.store.commit(staged, upload.meta, etag=multipart_etag(chosen))
            finally:
                staged.discard()
            self._remove(upload)
        return stat

    def abort(self, upload: Upload) -> None:
        with self._lock(upload.upload_id):
            self._remove(upload)

    def _remove(self, upload: Upload) -> None:
        with contextlib.suppress(FileNotFoundError):
            (upload.folder / _UPLOAD_RECORD).unlink()  # from here on the upload does not exist
        shutil.rmtree(upload.folder, ignore_errors=True)
        with self._locks_lock:
            self._upload_locks.pop(upload.upload_id, None)

    def drop_bucket(self, bucket: str) -> None:
        shutil.rmtree(self.folder / bucket, ignore_errors=True)
