"""Buckets as folders: keys never leave their bucket, writes are atomic."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ciimage.server.errors import (
    BucketAlreadyOwnedByYouError,
    BucketNotEmptyError,
    InvalidBucketNameError,
    InvalidKeyError,
    NoSuchBucketError,
    NoSuchKeyError,
)
from ciimage.server.metadata import ObjectMeta
from ciimage.server.storage import TEMP_PREFIX, BucketStore, StagedWrite, check_key

BUCKET = "photos-1250000000"


@pytest.fixture
def store(tmp_path: Path) -> BucketStore:
    store = BucketStore(tmp_path)
    store.create_bucket(BUCKET)
    return store


@pytest.mark.parametrize(
    "key",
    [
        "../escape.jpg",
        "a/../../b.jpg",
        "a/./b.jpg",
        "a//b.jpg",
        "..",
        "a/",
        "",
        "a\\..\\b",
        "x\x00y",
    ],
)
def test_traversal_and_ambiguous_keys_are_refused(store: BucketStore, key: str) -> None:
    with pytest.raises(InvalidKeyError):
        store.write_bytes(BUCKET, key, b"data")
    assert not (store.root / "escape.jpg").exists()


@settings(max_examples=60, deadline=None)
@given(st.lists(st.sampled_from(["..", ".", "a", "b.jpg", ""]), min_size=1, max_size=5))
def test_any_key_with_dot_segments_is_refused_or_stays_inside(segments: list[str]) -> None:
    key = "/".join(segments)
    try:
        check_key(key)
    except InvalidKeyError:
        return
    assert all(segment not in ("", ".", "..") for segment in key.split("/"))


def test_symlink_out_of_the_bucket_is_refused(store: BucketStore, tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret.txt").write_text("secret")
    os.symlink(outside, store.root / BUCKET / "link")
    with pytest.raises(InvalidKeyError, match="outside"):
        store.read_bytes(BUCKET, "link/secret.txt")


def test_write_read_stat_delete(store: BucketStore) -> None:
    stat = store.write_bytes(BUCKET, "a/b/c.txt", b"hello")
    assert stat.etag == '"5d41402abc4b2a76b9719d911017c592"'
    assert store.read_bytes(BUCKET, "a/b/c.txt") == b"hello"
    assert store.stat(BUCKET, "a/b/c.txt").size == 5
    store.delete(BUCKET, "a/b/c.txt")
    with pytest.raises(NoSuchKeyError):
        store.stat(BUCKET, "a/b/c.txt")
    assert list((store.root / BUCKET).iterdir()) == []  # empty folders pruned, as COS shows them


def test_crash_mid_write_keeps_the_old_object_and_leaves_no_temporary(store: BucketStore) -> None:
    store.write_bytes(BUCKET, "photo.jpg", b"old contents")

    class Crash(Exception):
        pass

    with pytest.raises(Crash), store.staged_write(BUCKET, "photo.jpg") as staged:
        staged.write(b"new contents, half")
        raise Crash
    assert store.read_bytes(BUCKET, "photo.jpg") == b"old contents"
    assert not [p for p in (store.root / BUCKET).iterdir() if p.name.startswith(TEMP_PREFIX)]


def test_staged_upload_is_invisible_until_committed(store: BucketStore) -> None:
    staged = store.open_staged(BUCKET, "new.bin")
    staged.write(b"abc")
    assert not store.exists(BUCKET, "new.bin")
    store.commit(staged)
    assert store.read_bytes(BUCKET, "new.bin") == b"abc"


def test_reserved_temporary_prefix_cannot_be_a_key(store: BucketStore) -> None:
    with pytest.raises(InvalidKeyError, match="reserved"):
        store.write_bytes(BUCKET, f"{TEMP_PREFIX}x", b"x")


def test_object_where_a_folder_is_needed_is_refused(store: BucketStore) -> None:
    store.write_bytes(BUCKET, "a", b"file")
    with pytest.raises(InvalidKeyError):
        store.write_bytes(BUCKET, "a/b", b"x")


def test_unknown_and_malformed_buckets(store: BucketStore) -> None:
    with pytest.raises(NoSuchBucketError):
        store.bucket_path("absent-1250000000")
    with pytest.raises(NoSuchBucketError):
        store.bucket_path("../etc")
    assert store.buckets() == [BUCKET]


def test_etag_follows_content_changes(store: BucketStore) -> None:
    first = store.write_bytes(BUCKET, "x", b"one").etag
    path = store.object_path(BUCKET, "x")
    path.write_bytes(b"two!")  # changed behind the server's back
    assert store.stat(BUCKET, "x").etag != first


def test_metadata_survives_a_crash_between_sidecar_and_rename(
    store: BucketStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    old = ObjectMeta.from_headers({"Content-Type": "text/old", "x-cos-meta-v": "1"})
    new = ObjectMeta.from_headers({"Content-Type": "text/new", "x-cos-meta-v": "2"})
    staged = store.open_staged(BUCKET, "doc.txt")
    staged.write(b"old")
    store.commit(staged, old)

    class Crash(Exception):
        pass

    def crash(self: StagedWrite) -> None:
        raise Crash

    monkeypatch.setattr(StagedWrite, "publish", crash)
    staged = store.open_staged(BUCKET, "doc.txt")
    staged.write(b"new contents")
    with pytest.raises(Crash):
        store.commit(staged, new)  # the sidecar already names the new version
    staged.discard()
    monkeypatch.undo()
    stat = store.stat(BUCKET, "doc.txt")
    assert store.read_bytes(BUCKET, "doc.txt") == b"old"
    assert stat.meta == old and stat.etag == '"149603e6c03516362a8da23f624db945"'


def test_a_file_edited_by_hand_loses_its_stored_headers(store: BucketStore) -> None:
    staged = store.open_staged(BUCKET, "edited.bin")
    staged.write(b"first")
    store.commit(staged, ObjectMeta.from_headers({"Content-Type": "x/y"}), etag='"custom-2"')
    assert store.stat(BUCKET, "edited.bin").etag == '"custom-2"'
    store.object_path(BUCKET, "edited.bin").write_bytes(b"changed by hand")
    stat = store.stat(BUCKET, "edited.bin")
    assert (
        stat.meta == ObjectMeta()
        and stat.etag == '"' + hashlib.md5(b"changed by hand").hexdigest() + '"'
    )


def test_buckets_are_created_once_and_deleted_only_when_empty(store: BucketStore) -> None:
    with pytest.raises(BucketAlreadyOwnedByYouError):
        store.create_bucket(BUCKET)
    store.create_bucket(BUCKET, exist_ok=True)
    with pytest.raises(InvalidBucketNameError):
        store.create_bucket("Upper-Case")
    store.write_bytes(BUCKET, "a/b", b"x")
    with pytest.raises(BucketNotEmptyError):
        store.delete_bucket(BUCKET)
    store.delete(BUCKET, "a/b")
    (store.root / BUCKET / "empty" / "folders").mkdir(parents=True)
    store.delete_bucket(BUCKET)
    assert not (store.root / BUCKET).exists()
