"""List Objects against a plain in-memory model, over real folder trees (hypothesis).

The model is the definition, written the naive way: take every key after the marker that starts
with the prefix, map it to itself or to its rolled-up common prefix, drop duplicates and items not
after the marker, sort by UTF-8 bytes, cut at max-keys. The store walks folders instead and stops
early; both must agree for every prefix/delimiter/marker/max-keys, and paging with NextMarker
until not truncated must return every item exactly once.

`CIIMAGE_FUZZ=long` runs many more examples.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ciimage.server.listing import ListPage, ListQuery
from ciimage.server.storage import BucketStore

BUCKET = "prop-1250000000"
EXAMPLES = 400 if os.environ.get("CIIMAGE_FUZZ") == "long" else 40

# Few distinct characters, so keys share prefixes and collide with delimiters often.
_SEGMENT = st.text(alphabet=["a", "b", "+", " ", "é", "猫", "-", "~"], min_size=1, max_size=3)
_KEY = st.lists(_SEGMENT, min_size=1, max_size=3).map("/".join)


def file_tree_keys(keys: list[str]) -> list[str]:
    """Keys a folder tree can hold at once: `a` and `a/b` cannot both exist."""
    kept: list[str] = []
    for key in sorted(set(keys)):
        clash = any(other.startswith(key + "/") or key.startswith(other + "/") for other in kept)
        if not clash:
            kept.append(key)
    return kept


def model_page(keys: list[str], query: ListQuery) -> ListPage:
    marker = query.marker.encode()
    items: dict[bytes, bool] = {}
    for key in keys:
        encoded = key.encode()
        if not encoded.startswith(query.prefix.encode()) or (marker and encoded <= marker):
            continue
        rest = key[len(query.prefix) :]
        if query.delimiter and query.delimiter in rest:
            rolled = query.prefix + rest[: rest.index(query.delimiter) + len(query.delimiter)]
            items[rolled.encode()] = True
        else:
            items[encoded] = False
    ordered = sorted(item for item in items if not marker or item > marker)
    chosen = ordered[: query.max_keys]
    truncated = len(ordered) > len(chosen) and query.max_keys > 0
    return ListPage(
        keys=tuple(item.decode() for item in chosen if not items[item]),
        prefixes=tuple(item.decode() for item in chosen if items[item]),
        truncated=truncated,
        next_marker=chosen[-1].decode() if truncated else None,
    )


def build_store(keys: list[str]) -> tuple[BucketStore, Path]:
    root = Path(tempfile.mkdtemp(prefix="listing-"))
    store = BucketStore(root)
    store.create_bucket(BUCKET)
    for key in keys:
        path = root / BUCKET / key
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(key.encode())
    (root / BUCKET / ".ciimage-tmp-stray").write_bytes(b"never listed")
    return store, root


def _queries(keys: list[str]) -> st.SearchStrategy[ListQuery]:
    near = [key[:cut] for key in keys for cut in range(len(key) + 1)] or [""]
    return st.builds(
        ListQuery,
        prefix=st.sampled_from(near) | _SEGMENT,
        delimiter=st.sampled_from(["", "/", "+", " ", "-", "a/", "猫"]),
        marker=st.sampled_from(["", *near]) | _SEGMENT,
        max_keys=st.integers(min_value=0, max_value=6) | st.just(1000),
    )


@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(_KEY, max_size=25).map(file_tree_keys), st.data())
def test_listing_matches_the_model(keys: list[str], data: st.DataObject) -> None:
    store, root = build_store(keys)
    try:
        for query in data.draw(st.lists(_queries(keys), min_size=1, max_size=8)):
            page, stats = store.list_objects(BUCKET, query)
            assert page == model_page(keys, query), query
            assert [stat.size for stat in stats] == [len(k.encode()) for k in page.keys]
    finally:
        shutil.rmtree(root)


@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.lists(_KEY, max_size=30).map(file_tree_keys),
    st.sampled_from(["", "/", "+", "-"]),
    st.integers(min_value=1, max_value=4),
    st.sampled_from(["", "a", "b/", "a+"]),
)
def test_paging_returns_every_item_once(
    keys: list[str], delimiter: str, max_keys: int, prefix: str
) -> None:
    store, root = build_store(keys)
    try:
        seen: list[str] = []
        marker = ""
        for _ in range(len(keys) + 2):
            query = ListQuery(prefix=prefix, delimiter=delimiter, marker=marker, max_keys=max_keys)
            page, _ = store.list_objects(BUCKET, query)
            seen += [*page.keys, *page.prefixes]
            assert len(page.keys) + len(page.prefixes) <= max_keys
            if not page.truncated:
                break
            assert page.next_marker is not None
            marker = page.next_marker
        else:
            raise AssertionError("paging did not end")
        everything = model_page(keys, ListQuery(prefix=prefix, delimiter=delimiter))
        assert sorted(seen) == sorted([*everything.keys, *everything.prefixes])
        assert len(seen) == len(set(seen))
    finally:
        shutil.rmtree(root)
