"""List Objects (v1) over a folder tree: keys in UTF-8 byte order, read in order and stopped early.

Two halves. `list_page` is the COS paging algorithm over any ordered key source that can start
at a given key (`Seek`): prefix, delimiter roll-up into CommonPrefixes, exclusive marker,
max-keys counting keys and prefixes together. `TreeWalker` is that source for a bucket folder: it
walks directories in key order (a folder `a` sorts as `a/`, which is where its keys sort), jumps
to the start key by bisecting each directory's sorted entries, and stops as soon as the page is
full. Each directory's sorted entries are cached and reused while the directory's mtime (which
every create, rename or delete inside it changes) is unchanged, so a page of 1,000 keys out of
100,000 costs one `stat` of the folder plus the 1,000 keys, not a scan of the bucket.
"""

from __future__ import annotations

import os
import threading
import time
from bisect import bisect_left
from collections import OrderedDict
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

# Key sources yield UTF-8 encoded keys >= the start key, ascending.
Seek = Callable[[bytes], Iterator[bytes]]

MAX_KEYS = 1000
# A directory modified less than this long before it was read may change again within the same
# file-system timestamp tick, unseen by an mtime comparison ("racy" entries, as git calls them):
# such a read is not cached.
_RACY_NS = 1_000_000_000
_CACHED_ENTRIES = 2_000_000  # total names kept across cached directories


@dataclass(frozen=True)
class ListQuery:
    prefix: str = ""
    delimiter: str = ""
    marker: str = ""
    max_keys: int = MAX_KEYS


@dataclass(frozen=True)
class ListPage:
    keys: tuple[str, ...]
    prefixes: tuple[str, ...]
    truncated: bool
    next_marker: str | None


def _successor_of_prefix(prefix: bytes) -> bytes | None:
    """The smallest byte string greater than every string that starts with `prefix`."""
    stripped = prefix.rstrip(b"\xff")
    if not stripped:
        return None
    return stripped[:-1] + bytes([stripped[-1] + 1])


def list_page(seek: Seek, query: ListQuery) -> ListPage:
    """One page of `query` over the keys `seek` yields; items are keys and rolled-up prefixes.

    An item is returned when it sorts after the marker, so a page that ended on a common prefix
    (NextMarker = that prefix) is never repeated on the next page.
    """
    prefix = query.prefix.encode("utf-8")
    delimiter = query.delimiter.encode("utf-8")
    marker = query.marker.encode("utf-8")
    items: list[tuple[bytes, bool]] = []  # (item, is_common_prefix)
    if query.max_keys <= 0:
        return ListPage((), (), False, None)
    start: bytes | None = max(prefix, marker + b"\x00") if marker else prefix
    truncated = False
    while start is not None and not truncated:
        resume: bytes | None = None
        for key in seek(start):
            if not key.startswith(prefix):
                break  # past every key with the prefix
            cut = key.find(delimiter, len(prefix)) if delimiter else -1
            item = key if cut < 0 else key[: cut + len(delimiter)]
            if item > marker or not marker:
                if len(items) == query.max_keys:
                    truncated = True
                    break
                items.append((item, cut >= 0))
            if cut >= 0:
                resume = _successor_of_prefix(item)
                break  # skip the rest of the rolled-up group by seeking past it
        start = resume
    return ListPage(
        keys=tuple(item.decode("utf-8") for item, rolled in items if not rolled),
        prefixes=tuple(item.decode("utf-8") for item, rolled in items if rolled),
        truncated=truncated,
        next_marker=items[-1][0].decode("utf-8") if truncated else None,
    )


@dataclass(frozen=True)
class _Entries:
    sort_keys: list[bytes]  # name, or name + b"/" for a folder
    names: list[str]
    is_dir: list[bool]


def _scan(directory: Path, skip: Callable[[str], bool]) -> _Entries:
    rows: list[tuple[bytes, str, bool]] = []
    with os.scandir(directory) as entries:
        for entry in entries:
            if skip(entry.name):
                continue
            try:
                encoded = entry.name.encode("utf-8")  # a non-UTF-8 name cannot be a key
            except UnicodeEncodeError:
                continue
            # Symbolic links are not followed: a listing never leaves the bucket folder.
            if entry.is_dir(follow_symlinks=False):
                rows.append((encoded + b"/", entry.name, True))
            elif entry.is_file(follow_symlinks=False):
                rows.append((encoded, entry.name, False))
    rows.sort()
    return _Entries([row[0] for row in rows], [row[1] for row in rows], [row[2] for row in rows])


class DirectoryCache:
    """Sorted entries per directory, valid while the directory's (inode, mtime) is unchanged."""

    def __init__(self, skip: Callable[[str], bool]) -> None:
        self._skip = skip
        self._cache: OrderedDict[str, tuple[int, int, _Entries]] = OrderedDict()
        self._total = 0
        self._lock = threading.Lock()

    def entries(self, directory: Path) -> _Entries:
        info = directory.stat()
        name = str(directory)
        with self._lock:
            cached = self._cache.get(name)
            if cached and cached[0] == info.st_ino and cached[1] == info.st_mtime_ns:
                self._cache.move_to_end(name)
                return cached[2]
        scanned_at = time.time_ns()
        entries = _scan(directory, self._skip)
        if scanned_at - info.st_mtime_ns > _RACY_NS:
            self._remember(name, (info.st_ino, info.st_mtime_ns, entries))
        return entries

    def _remember(self, name: str, value: tuple[int, int, _Entries]) -> None:
        with self._lock:
            previous = self._cache.pop(name, None)
            if previous is not None:
                self._total -= len(previous[2].names)
            self._cache[name] = value
            self._total += len(value[2].names)
            while self._total > _CACHED_ENTRIES and len(self._cache) > 1:
                _, evicted = self._cache.popitem(last=False)
                self._total -= len(evicted[2].names)


class TreeWalker:
    """The keys under one bucket folder, in UTF-8 byte order, from any start key."""

    def __init__(self, cache: DirectoryCache, top: Path) -> None:
        self._cache = cache
        self._top = top

    def seek(self, start: bytes) -> Iterator[bytes]:
        return self._walk(self._top, b"", start)

    def _walk(self, directory: Path, base: bytes, start: bytes) -> Iterator[bytes]:
        """Keys >= base + start under `directory`, whose keys all begin with `base`."""
        try:
            entries = self._cache.entries(directory)
        except (FileNotFoundError, NotADirectoryError):
            return  # removed while being listed
        keys = entries.sort_keys
        index = bisect_left(keys, start)
        if index > 0 and entries.is_dir[index - 1] and start.startswith(keys[index - 1]):
            # The start key lies inside this folder: resume within it.
            inner = keys[index - 1]
            yield from self._walk(
                directory / entries.names[index - 1], base + inner, start[len(inner) :]
            )
        for position in range(index, len(keys)):
            if entries.is_dir[position]:
                yield from self._walk(
                    directory / entries.names[position], base + keys[position], b""
                )
            else:
                yield base + keys[position]
