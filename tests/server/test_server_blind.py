"""Blind watermarks through the official SDK: Pic-Operations watermark/3, then watermark/4."""

from __future__ import annotations

import base64
import io
import json
from collections.abc import Iterator
from typing import Any

import pytest
from PIL import Image
from qcloud_cos import CosConfig, CosS3Client

from ciimage.server import ServerConfig
from ciimage.watermark.blind import samples

BUCKET = "blindbucket-1250000000"
REGION = "ap-guangzhou"
SECRET_ID, SECRET_KEY = "AKIDblind", "blind-secret"
MARK_URL = f"http://{BUCKET}.cos.{REGION}.myqcloud.com/marks/logo.png"


def b64(text: str) -> str:
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


def _encoded(pixels: Any, fmt: str) -> bytes:
    buffer = io.BytesIO()
    Image.fromarray(pixels).save(buffer, fmt, quality=90)
    return buffer.getvalue()


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory, server_starter: Any) -> Iterator[Any]:
    root = tmp_path_factory.mktemp("blind-root")
    (root / BUCKET / "marks").mkdir(parents=True)
    (root / BUCKET / "marks" / "logo.png").write_bytes(_encoded(samples.logo(32), "PNG"))
    running = server_starter(ServerConfig(root=root, secret_id=SECRET_ID, secret_key=SECRET_KEY))
    config = CosConfig(
        Region=REGION,
        SecretId=SECRET_ID,
        SecretKey=SECRET_KEY,
        Scheme="http",
        IP="127.0.0.1",
        Port=running.port,
    )
    yield CosS3Client(config, retry=0), running
    running.stop()


def _put(sdk: CosS3Client, key: str, body: bytes, rule: str, fileid: str) -> dict[str, Any]:
    operations = {"rules": [{"fileid": fileid, "rule": rule}]}
    _, result = sdk.ci_put_object(
        Bucket=BUCKET, Body=body, Key=key, PicOperations=json.dumps(operations)
    )
    return result["ProcessResults"]["Object"]


def test_text_round_trips_through_pic_operations(client: Any) -> None:
    sdk, running = client
    photo = _encoded(samples.photo("coffee"), "JPEG")
    _put(sdk, "in.jpg", photo, f"watermark/3/type/3/text/{b64('Shop42')}", "marked.jpg")
    marked = (running.root / BUCKET / "marked.jpg").read_bytes()
    found = _put(sdk, "suspect.jpg", marked, "watermark/4/type/3", "found.jpg")
    assert found["Text"] == "Shop42" and int(found["WatermarkStatus"]) > 75
    assert found["Format"] == "jpg" and (found["Width"], found["Height"]) == ("600", "400")
    assert (running.root / BUCKET / "found.jpg").read_bytes() == marked  # written back as is
    absent = _put(sdk, "plain.jpg", photo, "watermark/4/type/3", "nothing.jpg")
    assert "Text" not in absent and int(absent["WatermarkStatus"]) < 60


def test_image_mark_status_and_recovered_mark(client: Any) -> None:
    sdk, running = client
    photo = _encoded(samples.photo("coffee"), "JPEG")
    rule = f"watermark/3/type/2/image/{b64(MARK_URL)}"
    _put(sdk, "in2.jpg", photo, rule, "marked2.jpg")
    marked = (running.root / BUCKET / "marked2.jpg").read_bytes()
    found = _put(sdk, "s2.jpg", marked, f"watermark/4/type/2/image/{b64(MARK_URL)}", "mark.png")
    assert int(found["WatermarkStatus"]) > 75 and found["Format"] == "png"
    recovered = Image.open(io.BytesIO((running.root / BUCKET / "mark.png").read_bytes()))
    assert recovered.size == (32, 32) and (found["Width"], found["Height"]) == ("32", "32")


def test_a_server_key_reads_its_own_marks_only(
    tmp_path_factory: pytest.TempPathFactory, server_starter: Any
) -> None:
    from ciimage.watermark.blind import embed

    root = tmp_path_factory.mktemp("keyed-root")
    (root / BUCKET).mkdir()
    config = ServerConfig(
        root=root, secret_id=SECRET_ID, secret_key=SECRET_KEY, watermark_key="team-a"
    )
    running = server_starter(config)
    try:
        sdk = CosS3Client(
            CosConfig(
                Region=REGION,
                SecretId=SECRET_ID,
                SecretKey=SECRET_KEY,
                Scheme="http",
                IP="127.0.0.1",
                Port=running.port,
            ),
            retry=0,
        )
        ours = _encoded(embed(samples.photo("coffee"), "Ours1", type=3, key="team-a"), "JPEG")
        theirs = _encoded(embed(samples.photo("coffee"), "Theirs", type=3), "JPEG")
        assert _put(sdk, "a.jpg", ours, "watermark/4/type/3", "a-out.jpg")["Text"] == "Ours1"
        assert "Text" not in _put(sdk, "b.jpg", theirs, "watermark/4/type/3", "b-out.jpg")
    finally:
        running.stop()
