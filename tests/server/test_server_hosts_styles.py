"""Host routing and the styles store."""

from __future__ import annotations

from pathlib import Path

import pytest

from ciimage.errors import StyleNotFoundError
from ciimage.server.errors import InvalidHostError, InvalidStyleNameError, StyleLimitError
from ciimage.server.hosts import Service, parse_host
from ciimage.server.styles import MAX_STYLES_PER_BUCKET, StyleStore


@pytest.mark.parametrize(
    ("host", "bucket", "service", "region"),
    [
        (
            "examplebucket-1250000000.cos.ap-beijing.myqcloud.com",
            "examplebucket-1250000000",
            "cos",
            "ap-beijing",
        ),
        (
            "examplebucket-1250000000.pic.ap-chengdu.myqcloud.com",
            "examplebucket-1250000000",
            "pic",
            "ap-chengdu",
        ),
        ("b-1.ci.ap-guangzhou.myqcloud.com:8080", "b-1", "ci", "ap-guangzhou"),
        ("b-1.cos.ap-shanghai.tencentcos.cn", "b-1", "cos", "ap-shanghai"),
        ("EXAMPLE-1.COS.AP-BEIJING.MYQCLOUD.COM", "example-1", "cos", "ap-beijing"),
    ],
)
def test_bucket_hosts(host: str, bucket: str, service: str, region: str) -> None:
    target = parse_host(host)
    assert (target.bucket, target.service, target.region) == (bucket, Service(service), region)


@pytest.mark.parametrize(
    "host", ["127.0.0.1", "127.0.0.1:8080", "localhost:9000", "[::1]:80", "10.0.0.5"]
)
def test_ip_and_localhost_mean_the_default_bucket(host: str) -> None:
    assert parse_host(host).bucket is None


@pytest.mark.parametrize(
    "host", ["example.com", "b.cos.x.example.com", "", "-bad-.cos.r.myqcloud.com"]
)
def test_other_hosts_are_refused(host: str) -> None:
    with pytest.raises(InvalidHostError) as caught:
        parse_host(host)
    assert caught.value.code == -107


def test_styles_persist_across_instances(tmp_path: Path) -> None:
    StyleStore(tmp_path, "!").put("b-1", "small", "imageMogr2/thumbnail/!50p")
    again = StyleStore(tmp_path, "!")
    assert again.get("b-1", "small") == "imageMogr2/thumbnail/!50p"
    assert again.all("other-1") == {}


def test_style_names_cannot_hold_an_enabled_separator(tmp_path: Path) -> None:
    store = StyleStore(tmp_path, "-_/!")
    with pytest.raises(InvalidStyleNameError, match="separator"):
        store.put("b-1", "style_name", "imageInfo")
    StyleStore(tmp_path, "!").put("b-1", "style_name", "imageInfo")


def test_at_most_100_styles_per_bucket(tmp_path: Path) -> None:
    store = StyleStore(tmp_path, "!")
    for index in range(MAX_STYLES_PER_BUCKET):
        store.put("b-1", f"s{index}", "imageInfo")
    store.put("b-1", "s0", "imageAve")  # replacing one is not a new style
    with pytest.raises(StyleLimitError) as caught:
        store.put("b-1", "one-too-many", "imageInfo")
    assert caught.value.code == -60957


def test_deleting_an_unknown_style(tmp_path: Path) -> None:
    with pytest.raises(StyleNotFoundError):
        StyleStore(tmp_path, "!").delete("b-1", "nope")
