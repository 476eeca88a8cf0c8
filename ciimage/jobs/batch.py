"""What an inventory-triggered job runs on: the keys of Prefix, Object, UrlFile or Manifest.

Enumeration is a snapshot taken at submit time (ruling A16): outputs written under the same
prefix later do not feed back into the batch.
"""

from __future__ import annotations

import csv
import gzip
import io
import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote, urlsplit

from ciimage.jobs.errors import InvalidJobError
from ciimage.server.storage import BucketStore, folder_keys

# A URL file or inventory CSV of ~2 million keys; larger lists are refused, not read into memory.
MAX_LIST_BYTES = 256 * 1024 * 1024


@dataclass(frozen=True)
class Enumerated:
    keys: list[str]
    skipped: int = 0  # UrlFile lines for other buckets or that do not parse


def walk_bucket(bucket_dir: Path, prefix: str = "") -> Iterator[tuple[str, float]]:
    """(key, mtime) of the objects under `bucket_dir` whose keys begin with `prefix`, in key order
    (UTF-8 bytes): the server's List Objects walk, so a batch sees exactly what a listing shows."""
    for key in folder_keys(bucket_dir, prefix):
        try:
            mtime = (bucket_dir / key).stat().st_mtime
        except FileNotFoundError:
            continue  # deleted while walking
        yield key, mtime


def _in_interval(mtime: float, start: float | None, end: float | None) -> bool:
    return (start is None or mtime >= start) and (end is None or mtime <= end)


def prefix_keys(
    store: BucketStore, bucket: str, prefix: str, start: float | None, end: float | None
) -> Enumerated:
    prefix = prefix[1:] if prefix.startswith("/") else prefix
    keys = [
        key
        for key, mtime in walk_bucket(store.bucket_path(bucket), prefix)
        if _in_interval(mtime, start, end)
    ]
    return Enumerated(keys)


def _key_from_url(line: str, bucket: str) -> str | None:
    """`http(s)://<bucket>.<cos|pic>.<region>.<domain>/<percent-encoded key>` -> key."""
    parts = urlsplit(line)
    host = (parts.hostname or "").split(".")
    if parts.scheme not in ("http", "https") or len(host) < 3 or host[0] != bucket:
        return None
    if host[1] not in ("cos", "pic"):
        return None
    key = unquote(parts.path[1:])
    return key or None


def _read_object(store: BucketStore, bucket: str, reference: str, what: str) -> bytes:
    """A key, or a URL of an object in this bucket."""
    key = reference
    if "://" in reference:
        found = _key_from_url(reference, bucket)
        if found is None:
            raise InvalidJobError(f"{what} {reference!r} is not an object URL of bucket {bucket}")
        key = found
    key = key[1:] if key.startswith("/") else key
    if not store.exists(bucket, key):
        raise InvalidJobError(f"{what} {reference!r}: object {key!r} does not exist in {bucket}")
    if store.size(bucket, key) > MAX_LIST_BYTES:
        raise InvalidJobError(f"{what} {reference!r} is over {MAX_LIST_BYTES} bytes; split it")
    return store.read_bytes(bucket, key)


def _gunzip(data: bytes, what: str) -> bytes:
    with gzip.GzipFile(fileobj=io.BytesIO(data)) as stream:
        try:
            unpacked = stream.read(MAX_LIST_BYTES + 1)
        except (OSError, EOFError) as exc:
            raise InvalidJobError(f"{what} is not a readable .gz file: {exc}") from None
    if len(unpacked) > MAX_LIST_BYTES:
        raise InvalidJobError(f"{what} unpacks to over {MAX_LIST_BYTES} bytes; split it")
    return unpacked


def url_file_keys(store: BucketStore, bucket: str, reference: str) -> Enumerated:
    data = _read_object(store, bucket, reference, "Input.UrlFile")
    keys: list[str] = []
    skipped = 0
    for raw in data.decode("utf-8", errors="replace").splitlines():
        line = raw.strip()
        if not line:
            continue
        key = _key_from_url(line, bucket)
        if key is None:
            skipped += 1
        else:
            keys.append(key)
    return Enumerated(keys, skipped)


def manifest_keys(store: BucketStore, bucket: str, reference: str) -> Enumerated:
    """A COS inventory `manifest.json` (ruling A17): `fileSchema` names the CSV columns and
    `files[].key` the CSV (or CSV.GZ) files; the Key column is URL-encoded."""
    try:
        manifest = json.loads(_read_object(store, bucket, reference, "Input.Manifest"))
        schema = [name.strip() for name in str(manifest["fileSchema"]).split(",")]
        files = [str(entry["key"]) for entry in manifest["files"]]
        key_column = schema.index("Key")
    except (ValueError, KeyError, TypeError) as exc:
        raise InvalidJobError(
            f"Input.Manifest {reference!r} is not a COS inventory manifest.json "
            f"(fileSchema with a Key column, files[].key): {exc}"
        ) from None
    keys: list[str] = []
    for file_key in files:
        data = _read_object(store, bucket, file_key, "Manifest file")
        if file_key.endswith(".gz"):
            data = _gunzip(data, f"Manifest file {file_key!r}")
        for row in csv.reader(io.StringIO(data.decode("utf-8"))):
            if len(row) > key_column and row[key_column]:
                keys.append(unquote(row[key_column]))
    return Enumerated(keys)
