"""The official, unmodified cos-python-sdk-v5 client against `ciimage serve` (ruling 28)."""

from __future__ import annotations

import base64
import io
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import numpy as np
import pytest
from PIL import Image
from qcloud_cos import CosConfig, CosS3Client
from qcloud_cos.cos_exception import CosServiceError

from ciimage.server import ServerConfig


def b64(text: str) -> str:
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


BUCKET = "examplebucket-1250000000"
REGION = "ap-guangzhou"
SECRET_ID = "AKIDsdktest"
SECRET_KEY = "sdk-test-secret-key"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory, server_starter: Any) -> Iterator[Any]:
    root = tmp_path_factory.mktemp("sdk-root")
    (root / BUCKET).mkdir()
    running = server_starter(
        ServerConfig(root=root, secret_id=SECRET_ID, secret_key=SECRET_KEY, style_separators="!")
    )
    yield running
    running.stop()


def make_client(server: Any, secret_key: str = SECRET_KEY) -> CosS3Client:
    config = CosConfig(
        Region=REGION,
        SecretId=SECRET_ID,
        SecretKey=secret_key,
        Scheme="http",
        IP="127.0.0.1",
        Port=server.port,
    )
    return CosS3Client(config, retry=0)


@pytest.fixture(scope="module")
def client(server: Any, images: Any) -> CosS3Client:
    sdk = make_client(server)
    sdk.put_object(Bucket=BUCKET, Body=images.jpeg(400, 300), Key="photos/cat.jpg")
    return sdk


def test_put_and_get_object_round_trip(client: CosS3Client, server: Any, images: Any) -> None:
    body = images.jpeg(64, 48)
    put = client.put_object(Bucket=BUCKET, Body=body, Key="dir/raw.jpg", EnableMD5=True)
    got = client.get_object(Bucket=BUCKET, Key="dir/raw.jpg")
    assert got["Body"].get_raw_stream().read() == body
    assert got["ETag"] == put["ETag"]
    assert (server.root / BUCKET / "dir" / "raw.jpg").read_bytes() == body
    head = client.head_object(Bucket=BUCKET, Key="dir/raw.jpg")
    assert int(head["Content-Length"]) == len(body)
    client.delete_object(Bucket=BUCKET, Key="dir/raw.jpg")
    with pytest.raises(CosServiceError) as caught:
        client.get_object(Bucket=BUCKET, Key="dir/raw.jpg")
    assert caught.value.get_status_code() == 404
    assert caught.value.get_error_code() == "NoSuchKey"


def test_keys_with_spaces_plus_and_chinese(client: CosS3Client, server: Any) -> None:
    key = "照片/a b+c(1)?x=1#frag.txt"
    client.put_object(Bucket=BUCKET, Body=b"unicode key", Key=key)
    assert (
        client.get_object(Bucket=BUCKET, Key=key)["Body"].get_raw_stream().read() == b"unicode key"
    )
    assert (server.root / BUCKET / "照片" / "a b+c(1)?x=1#frag.txt").read_bytes() == b"unicode key"


def test_ci_get_object_with_a_rule(client: CosS3Client, tmp_path: Path, images: Any) -> None:
    out = tmp_path / "thumb.png"
    client.ci_get_object(
        Bucket=BUCKET,
        Key="photos/cat.jpg",
        DestImagePath=str(out),
        Rule="imageMogr2/thumbnail/200x/format/png",
    )
    image = images.decode(out.read_bytes())
    assert (image.format, image.size) == ("PNG", (200, 150))


def test_ci_get_object_pipeline_with_text_watermark(
    client: CosS3Client, tmp_path: Path, images: Any
) -> None:
    plain, marked = tmp_path / "plain.png", tmp_path / "marked.png"
    base = "imageMogr2/thumbnail/200x/format/png"
    client.ci_get_object(Bucket=BUCKET, Key="photos/cat.jpg", DestImagePath=str(plain), Rule=base)
    client.ci_get_object(
        Bucket=BUCKET,
        Key="photos/cat.jpg",
        DestImagePath=str(marked),
        Rule=f"{base}|watermark/2/text/{b64('ciimage')}/fill/{b64('#FFFFFF')}/fontsize/30"
        "/gravity/center/dissolve/100",
    )
    a, b = (
        images.decode(plain.read_bytes()).convert("RGB"),
        images.decode(marked.read_bytes()).convert("RGB"),
    )
    assert a.size == b.size == (200, 150)
    changed = int(np.any(np.asarray(a) != np.asarray(b), axis=-1).sum())
    assert changed > 100  # the text was drawn
    corner = (0, 0)
    assert a.getpixel(corner) == b.getpixel(corner)  # centred text leaves the corner alone


def test_ci_get_image_info(client: CosS3Client) -> None:
    _, data = client.ci_get_image_info(Bucket=BUCKET, Key="photos/cat.jpg")
    info = json.loads(data)
    assert (info["format"], info["width"], info["height"]) == ("jpeg", "400", "300")


def test_ci_get_image_ave_info(client: CosS3Client) -> None:
    _, data = client.ci_get_image_ave_info(Bucket=BUCKET, Key="photos/cat.jpg")
    rgb = json.loads(data)["RGB"]
    assert rgb.startswith("0x") and len(rgb) == 8


def test_ci_get_image_exif_info_without_exif(client: CosS3Client) -> None:
    _, data = client.ci_get_image_exif_info(Bucket=BUCKET, Key="photos/cat.jpg")
    assert json.loads(data) == {"error": "no exif data"}


def test_ci_get_image_exif_info_with_exif(client: CosS3Client) -> None:
    exif = Image.Exif()
    exif[0x010F] = "ciimage-camera"  # Make
    exif[0x0112] = 6  # Orientation
    buffer = io.BytesIO()
    Image.new("RGB", (40, 30), (10, 20, 30)).save(buffer, "JPEG", exif=exif.tobytes())
    client.put_object(Bucket=BUCKET, Body=buffer.getvalue(), Key="exif.jpg")
    _, data = client.ci_get_image_exif_info(Bucket=BUCKET, Key="exif.jpg")
    tags = json.loads(data)
    assert tags["Make"] == {"val": "ciimage-camera"}
    assert tags["Orientation"] == {"val": "6"}


def test_ci_put_object_with_pic_operations(client: CosS3Client, server: Any, images: Any) -> None:
    operations = {
        "is_pic_info": 1,
        "rules": [
            {"fileid": "small.png", "rule": "imageMogr2/thumbnail/100x/format/png"},
            {"fileid": "/thumbs/square.jpg", "rule": "imageMogr2/crop/50x50/gravity/center"},
        ],
    }
    _, result = client.ci_put_object(
        Bucket=BUCKET,
        Body=images.jpeg(300, 200),
        Key="uploads/in.jpg",
        PicOperations=json.dumps(operations),
    )
    original = result["OriginalInfo"]
    assert original["Key"] == "uploads/in.jpg"
    assert original["ImageInfo"]["Width"] == "300"
    assert original["ImageInfo"]["Format"] == "JPEG"
    objects = result["ProcessResults"]["Object"]
    assert [o["Key"] for o in objects] == ["uploads/small.png", "thumbs/square.jpg"]
    assert (objects[0]["Width"], objects[0]["Height"], objects[0]["Format"]) == ("100", "67", "png")
    stored = server.root / BUCKET
    assert images.decode((stored / "uploads" / "small.png").read_bytes()).size == (100, 67)
    assert images.decode((stored / "thumbs" / "square.jpg").read_bytes()).size == (50, 50)
    assert int(objects[0]["Size"]) == (stored / "uploads" / "small.png").stat().st_size
    assert images.decode((stored / "uploads" / "in.jpg").read_bytes()).size == (300, 200)


def test_ci_put_object_with_six_rules_stores_nothing(
    client: CosS3Client, server: Any, images: Any
) -> None:
    rules = [{"fileid": f"r{i}.jpg", "rule": "imageMogr2/thumbnail/10x"} for i in range(6)]
    with pytest.raises(CosServiceError) as caught:
        client.ci_put_object(
            Bucket=BUCKET,
            Body=images.jpeg(32, 32),
            Key="six/in.jpg",
            PicOperations=json.dumps({"rules": rules}),
        )
    assert caught.value.get_status_code() == 400
    assert not (server.root / BUCKET / "six").exists()


def test_ci_image_process_on_a_stored_object(client: CosS3Client, server: Any, images: Any) -> None:
    _, result = client.ci_image_process(
        Bucket=BUCKET,
        Key="photos/cat.jpg",
        PicOperations=json.dumps(
            {
                "is_pic_info": 0,
                "rules": [
                    {"fileid": "cat-gray.webp", "rule": "imageMogr2/grayscale/1/format/webp"},
                ],
            }
        ),
    )
    assert "OriginalInfo" not in result
    item = result["ProcessResults"]["Object"]
    assert item["Key"] == "photos/cat-gray.webp"
    image = images.decode((server.root / BUCKET / "photos" / "cat-gray.webp").read_bytes())
    assert image.format == "WEBP" and image.size == (400, 300)


def test_fileid_outside_the_bucket_is_refused(client: CosS3Client, server: Any) -> None:
    with pytest.raises(CosServiceError) as caught:
        client.ci_image_process(
            Bucket=BUCKET,
            Key="photos/cat.jpg",
            PicOperations=json.dumps(
                {"rules": [{"fileid": "../../escape.jpg", "rule": "imageInfo"}]}
            ),
        )
    assert caught.value.get_status_code() == 400
    assert not (server.root / "escape.jpg").exists()


def test_styles_api_and_styled_downloads(
    client: CosS3Client, server: Any, tmp_path: Path, images: Any
) -> None:
    client.ci_put_image_style(
        Bucket=BUCKET,
        Request={"StyleName": "small", "StyleBody": "imageMogr2/thumbnail/80x/format/png"},
    )
    client.ci_put_image_style(
        Bucket=BUCKET, Request={"StyleName": "tiny", "StyleBody": "imageMogr2/thumbnail/8x"}
    )
    _, listed = client.ci_get_image_style(Bucket=BUCKET, Request={"StyleName": "small"})
    assert listed["StyleRule"]["StyleBody"] == "imageMogr2/thumbnail/80x/format/png"
    _, everything = client.ci_get_image_style(Bucket=BUCKET, Request={})
    assert {rule["StyleName"] for rule in everything["StyleRule"]} == {"small", "tiny"}

    by_rule = tmp_path / "by-rule.png"
    client.ci_get_object(
        Bucket=BUCKET, Key="photos/cat.jpg", DestImagePath=str(by_rule), Rule="style/small"
    )
    assert images.decode(by_rule.read_bytes()).size == (80, 60)
    by_separator = client.get_object(Bucket=BUCKET, Key="photos/cat.jpg!small")
    image = images.decode(by_separator["Body"].get_raw_stream().read())
    assert (image.format, image.size) == ("PNG", (80, 60))

    client.ci_delete_image_style(Bucket=BUCKET, Request={"StyleName": "small"})
    with pytest.raises(CosServiceError) as caught:
        client.ci_get_object(
            Bucket=BUCKET,
            Key="photos/cat.jpg",
            DestImagePath=str(tmp_path / "x"),
            Rule="style/small",
        )
    assert caught.value.get_status_code() == 404
    response = httpx.get(
        make_client(server).get_presigned_download_url(Bucket=BUCKET, Key="photos/cat.jpg!small")
    )
    assert response.status_code == 404
    assert response.headers["X-ErrNo"] == "-105"
    assert (server.root / ".ciimage" / "styles" / f"{BUCKET}.json").is_file()


def test_presigned_download_url_with_processing_params(
    client: CosS3Client, server: Any, images: Any
) -> None:
    url = client.get_presigned_download_url(
        Bucket=BUCKET, Key="photos/cat.jpg", Params={"imageMogr2/thumbnail/64x/format/png": ""}
    )
    assert url.startswith(f"http://127.0.0.1:{server.port}/")
    response = httpx.get(url)  # plain HTTP, Host: 127.0.0.1:<port>, the only bucket
    assert response.status_code == 200, response.text
    assert images.decode(response.content).size == (64, 48)
    tampered = url.replace("64x", "65x")
    assert httpx.get(tampered).status_code == 403


def test_wrong_secret_key_is_refused_with_403(server: Any) -> None:
    intruder = make_client(server, secret_key="this-is-not-the-key")
    with pytest.raises(CosServiceError) as caught:
        intruder.get_object(Bucket=BUCKET, Key="photos/cat.jpg")
    assert caught.value.get_status_code() == 403
    assert caught.value.get_error_code() == "AccessDenied"
    with pytest.raises(CosServiceError):
        intruder.put_object(Bucket=BUCKET, Body=b"x", Key="intruder.txt")
    assert not (server.root / BUCKET / "intruder.txt").exists()


def test_unsigned_request_is_refused(server: Any) -> None:
    response = httpx.get(f"{server.url}/photos/cat.jpg")
    assert response.status_code == 403
    assert "<Code>AccessDenied</Code>" in response.text


def test_image_watermark_from_the_same_bucket(
    client: CosS3Client, tmp_path: Path, images: Any
) -> None:
    client.put_object(Bucket=BUCKET, Body=images.png(40, 40), Key="logo.png")
    logo = f"http://{BUCKET}.cos.{REGION}.myqcloud.com/logo.png"
    out = tmp_path / "marked.png"
    client.ci_get_object(
        Bucket=BUCKET,
        Key="photos/cat.jpg",
        DestImagePath=str(out),
        Rule=f"imageMogr2/format/png|watermark/1/image/{b64(logo)}/gravity/northwest/dissolve/100",
    )
    image = images.decode(out.read_bytes()).convert("RGB")
    assert image.getpixel((5, 5)) == (255, 0, 0)
    other = f"http://otherbucket-1250000000.cos.{REGION}.myqcloud.com/logo.png"
    with pytest.raises(CosServiceError) as caught:
        client.ci_get_object(
            Bucket=BUCKET,
            Key="photos/cat.jpg",
            DestImagePath=str(tmp_path / "y"),
            Rule=f"watermark/1/image/{b64(other)}",
        )
    assert caught.value.get_status_code() == 400
