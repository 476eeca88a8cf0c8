"""The bucket-folder resolver: what it maps, what it refuses, and that it never opens a socket."""

from __future__ import annotations

import os
import socket
from pathlib import Path

import pytest

from ciimage.errors import CIError, ResolverError
from ciimage.rules.ast import ImageWatermark
from ciimage.watermark import BucketRootResolver, build_overlay, default_resolver
from ciimage.watermark.resolver import MAX_OBJECT_BYTES, split_watermark_url

BUCKET = "examplebucket-1250000000"


@pytest.mark.parametrize(
    "host",
    [
        f"{BUCKET}.cos.ap-shanghai.myqcloud.com",
        f"{BUCKET}.pic.ap-guangzhou.myqcloud.com",
        f"{BUCKET}.picsh.myqcloud.com",
        f"{BUCKET}.image.myqcloud.com",
        f"{BUCKET}.cos.ap-beijing.tencentcos.cn",
        f"{BUCKET.upper()}.COS.AP-SHANGHAI.MYQCLOUD.COM",
        f"{BUCKET}.cos.ap-shanghai.myqcloud.com:80",
    ],
)
def test_cos_hosts_map_to_the_bucket_folder(host: str, resolver: BucketRootResolver) -> None:
    data = resolver(f"http://{host}/mark.png")
    assert data.startswith(b"\x89PNG")


def test_nested_keys_and_percent_escapes(bucket_root: Path, resolver: BucketRootResolver) -> None:
    (bucket_root / BUCKET / "水印 1.png").write_bytes(b"\x89PNG-test")
    assert resolver(f"http://{BUCKET}.cos.ap-shanghai.myqcloud.com/marks/blue.png")
    encoded = "%E6%B0%B4%E5%8D%B0%201.png"
    assert resolver(f"http://{BUCKET}.cos.ap-shanghai.myqcloud.com/{encoded}") == b"\x89PNG-test"


def test_query_string_signature_is_ignored(resolver: BucketRootResolver) -> None:
    url = f"http://{BUCKET}.cos.ap-shanghai.myqcloud.com/mark.png?q-sign-algorithm=sha1&q-ak=x"
    assert resolver(url).startswith(b"\x89PNG")


@pytest.mark.parametrize(
    "url",
    [
        f"https://{BUCKET}.cos.ap-shanghai.myqcloud.com/mark.png",
        f"{BUCKET}.cos.ap-shanghai.myqcloud.com/mark.png",
        f"ftp://{BUCKET}.cos.ap-shanghai.myqcloud.com/mark.png",
        f"http://{BUCKET}.file.myqcloud.com/mark.png",  # CDN domain: documented as unsupported
        "http://example.com/mark.png",
        "http://127.0.0.1/mark.png",
        f"http://{BUCKET}.cos.ap-shanghai.myqcloud.com.evil.com/mark.png",
        f"http://user:pw@{BUCKET}.cos.ap-shanghai.myqcloud.com/mark.png",
        f"http://{BUCKET}.cos.ap-shanghai.myqcloud.com:8080/mark.png",
        f"http://{BUCKET}.cos.ap-shanghai.myqcloud.com",
        f"http://{BUCKET}.cos.ap-shanghai.myqcloud.com/",
        f"http://{BUCKET}.cos.ap-shanghai.myqcloud.com/mark png",
    ],
)
def test_foreign_or_malformed_urls_are_invalid_arguments(
    url: str, resolver: BucketRootResolver
) -> None:
    with pytest.raises(ResolverError) as caught:
        resolver(url)
    assert caught.value.code == -60998
    assert caught.value.cos_code == "InvalidArgument"
    assert "http://" in caught.value.message or "key" in caught.value.message


@pytest.mark.parametrize(
    "key",
    [
        "../secret.png",
        "marks/../../secret.png",
        "%2E%2E/secret.png",
        "marks/%2e%2e/%2e%2e/secret.png",
        "/etc/passwd",
        "%2Fetc%2Fpasswd",
        "marks//blue.png",
        "./mark.png",
        "marks\\blue.png",
        "mark.png%00.jpg",
        ".ciimage-tmp-1234",
    ],
)
def test_traversal_and_odd_keys_are_refused(
    key: str, bucket_root: Path, resolver: BucketRootResolver
) -> None:
    (bucket_root / "secret.png").write_bytes(b"secret")
    with pytest.raises(ResolverError):
        resolver(f"http://{BUCKET}.cos.ap-shanghai.myqcloud.com/{key}")


def test_missing_object_and_missing_bucket(resolver: BucketRootResolver) -> None:
    with pytest.raises(ResolverError, match="does not exist"):
        resolver(f"http://{BUCKET}.cos.ap-shanghai.myqcloud.com/nothing.png")
    with pytest.raises(ResolverError, match="does not exist"):
        resolver("http://otherbucket-1250000000.cos.ap-shanghai.myqcloud.com/mark.png")
    with pytest.raises(ResolverError, match="does not exist"):
        resolver(f"http://{BUCKET}.cos.ap-shanghai.myqcloud.com/mark.png/inside")


def test_a_folder_is_not_an_object(resolver: BucketRootResolver) -> None:
    with pytest.raises(ResolverError, match="not a file"):
        resolver(f"http://{BUCKET}.cos.ap-shanghai.myqcloud.com/marks")


def test_symlink_escaping_the_bucket_is_refused(
    bucket_root: Path, tmp_path: Path, resolver: BucketRootResolver
) -> None:
    outside = tmp_path / "outside.png"
    outside.write_bytes(b"\x89PNG-outside")
    (bucket_root / BUCKET / "link.png").symlink_to(outside)
    (bucket_root / BUCKET / "dir-link").symlink_to(tmp_path)
    with pytest.raises(ResolverError, match="outside"):
        resolver(f"http://{BUCKET}.cos.ap-shanghai.myqcloud.com/link.png")
    with pytest.raises(ResolverError, match="outside"):
        resolver(f"http://{BUCKET}.cos.ap-shanghai.myqcloud.com/dir-link/outside.png")


def test_symlink_inside_the_bucket_is_followed(
    bucket_root: Path, resolver: BucketRootResolver
) -> None:
    (bucket_root / BUCKET / "alias.png").symlink_to(bucket_root / BUCKET / "mark.png")
    assert resolver(f"http://{BUCKET}.cos.ap-shanghai.myqcloud.com/alias.png").startswith(b"\x89")


def test_object_over_32_mb_is_refused(bucket_root: Path, resolver: BucketRootResolver) -> None:
    huge = bucket_root / BUCKET / "huge.png"
    with huge.open("wb") as handle:
        handle.truncate(MAX_OBJECT_BYTES + 1)  # sparse: no 32 MB actually written
    with pytest.raises(ResolverError, match="32 MB"):
        resolver(f"http://{BUCKET}.cos.ap-shanghai.myqcloud.com/huge.png")


def test_same_bucket_restriction(bucket_root: Path) -> None:
    (bucket_root / "other-1250000000").mkdir()
    (bucket_root / "other-1250000000" / "mark.png").write_bytes(b"x")
    restricted = BucketRootResolver(bucket_root, bucket=BUCKET)
    assert restricted(f"http://{BUCKET}.cos.ap-shanghai.myqcloud.com/mark.png")
    with pytest.raises(ResolverError, match="same bucket"):
        restricted("http://other-1250000000.cos.ap-shanghai.myqcloud.com/mark.png")


def test_split_watermark_url() -> None:
    assert split_watermark_url(f"http://{BUCKET}.pic.ap-x.myqcloud.com/a/b.png") == (
        BUCKET,
        "a/b.png",
    )


def test_default_resolver_without_configuration_refuses_clearly(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("CIIMAGE_BUCKET_ROOT", raising=False)
    refusing = default_resolver()
    with pytest.raises(ResolverError) as caught:
        refusing(f"http://{BUCKET}.cos.ap-shanghai.myqcloud.com/mark.png")
    assert "resolver=" in caught.value.message and "--bucket-root" in caught.value.message
    with pytest.raises(ResolverError) as invalid:
        refusing("https://example.com/x.png")
    assert invalid.value.code == -60998


def test_default_resolver_uses_the_environment(
    bucket_root: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CIIMAGE_BUCKET_ROOT", os.fspath(bucket_root))
    data = default_resolver()(f"http://{BUCKET}.cos.ap-shanghai.myqcloud.com/mark.png")
    assert data.startswith(b"\x89PNG")


def test_build_overlay_through_the_resolver_opens_no_socket(
    resolver: BucketRootResolver, wm: type
) -> None:
    node = ImageWatermark(image=wm.url("mark.png"))
    assert build_overlay(node, 100, 100, resolver).positions == [(40, 60)]
    with pytest.raises(CIError):
        build_overlay(ImageWatermark(image="https://example.com/x.png"), 100, 100, resolver)


def test_a_fifo_is_refused_without_blocking(
    bucket_root: Path, resolver: BucketRootResolver
) -> None:
    os.mkfifo(bucket_root / BUCKET / "pipe.png")
    with pytest.raises(ResolverError, match="not a file"):
        resolver(f"http://{BUCKET}.cos.ap-shanghai.myqcloud.com/pipe.png")


def test_messages_do_not_reveal_local_paths(
    bucket_root: Path, resolver: BucketRootResolver
) -> None:
    for key in ("nothing.png", "marks", "../x.png"):
        with pytest.raises(ResolverError) as caught:
            resolver(f"http://{BUCKET}.cos.ap-shanghai.myqcloud.com/{key}")
        assert os.fspath(bucket_root) not in caught.value.message


def test_sockets_are_blocked_in_these_tests() -> None:
    with pytest.raises(AssertionError, match="socket"):
        socket.socket()
