"""Multipart uploads through the unmodified SDK: upload_file (fresh and resumed after the client
was killed mid-way), list_parts, list_multipart_uploads, abort, and completion checks."""

from __future__ import annotations

import hashlib
import os
import signal
import subprocess
import sys
import textwrap
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from qcloud_cos import CosConfig, CosS3Client
from qcloud_cos.cos_exception import CosServiceError

from ciimage.server import ServerConfig

REGION = "ap-guangzhou"
BUCKET = "multipart-1250000000"
MB = 1024 * 1024


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory, server_starter: Any) -> Iterator[Any]:
    root = tmp_path_factory.mktemp("multipart-root")
    (root / BUCKET).mkdir()
    running = server_starter(ServerConfig(root=root, secret_id="AKIDmp", secret_key="mp-key"))
    yield running
    running.stop()


def client_config(port: int) -> dict[str, Any]:
    return {
        "Region": REGION,
        "SecretId": "AKIDmp",
        "SecretKey": "mp-key",
        "Scheme": "http",
        "IP": "127.0.0.1",
        "Port": port,
    }


@pytest.fixture(scope="module")
def client(server: Any) -> CosS3Client:
    return CosS3Client(CosConfig(**client_config(server.port)), retry=0)


def random_file(path: Path, size: int) -> bytes:
    data = os.urandom(size)
    path.write_bytes(data)
    return data


def staged_uploads(server: Any) -> list[Path]:
    folder = server.root / ".ciimage" / "multipart" / BUCKET
    return [p for p in folder.iterdir() if (p / "upload.json").exists()] if folder.is_dir() else []


def stored(server: Any, key: str) -> bytes:
    return (server.root / BUCKET / key).read_bytes()


@pytest.mark.parametrize("size", [3 * MB, 20 * MB + 12345])
def test_upload_file_in_1_mb_parts(
    client: CosS3Client, server: Any, tmp_path: Path, size: int
) -> None:
    data = random_file(tmp_path / "local.bin", size)
    key = f"uploads/{size}.bin"
    result = client.upload_file(
        Bucket=BUCKET,
        Key=key,
        LocalFilePath=str(tmp_path / "local.bin"),
        PartSize=1,
        MAXThread=4,
        ContentType="application/x-test",
    )
    parts = -(-size // MB)
    digests = b"".join(hashlib.md5(data[i : i + MB]).digest() for i in range(0, size, MB))
    assert result["ETag"] == f'"{hashlib.md5(digests).hexdigest()}-{parts}"'
    assert stored(server, key) == data
    head = client.head_object(Bucket=BUCKET, Key=key)
    assert head["ETag"] == result["ETag"]  # kept with the object, not recomputed as an MD5
    assert head["Content-Type"] == "application/x-test"
    assert int(head["Content-Length"]) == size
    listed = client.list_objects(Bucket=BUCKET, Prefix=key)["Contents"][0]
    assert listed["ETag"] == result["ETag"]
    assert staged_uploads(server) == []
    assert not (server.root / ".ciimage" / "multipart" / BUCKET / "x").exists()


def _count_part_uploads(client: CosS3Client) -> list[int]:
    """Wrap this client's upload_part (the SDK calls it per part) to count real part uploads."""
    sent: list[int] = []
    original = client.upload_part

    def counting(*args: Any, **kwargs: Any) -> Any:
        sent.append(1)
        return original(*args, **kwargs)

    client.upload_part = counting  # type: ignore[method-assign]
    return sent


def test_upload_file_resumes_after_the_client_is_killed(server: Any, tmp_path: Path) -> None:
    size = 20 * MB
    data = random_file(tmp_path / "resume.bin", size)
    key = "resume/big.bin"
    local = str(tmp_path / "resume.bin")
    script = textwrap.dedent(
        f"""
        from qcloud_cos import CosConfig, CosS3Client
        client = CosS3Client(CosConfig(**{client_config(server.port)!r}), retry=0)
        client.upload_file(Bucket={BUCKET!r}, Key={key!r}, LocalFilePath={local!r},
                           PartSize=1, MAXThread=1)
        """
    )
    uploader = subprocess.Popen([sys.executable, "-c", script])
    deadline = time.monotonic() + 60
    try:
        while True:  # kill the client once some, not all, parts are on the server
            uploads = staged_uploads(server)
            done = len(list(uploads[0].glob("[0-9][0-9][0-9][0-9][0-9]-*.part"))) if uploads else 0
            if done >= 5 or uploader.poll() is not None or time.monotonic() > deadline:
                break
            time.sleep(0.005)
        uploader.send_signal(signal.SIGKILL)
    finally:
        uploader.wait(timeout=30)
    assert uploader.returncode == -signal.SIGKILL, "the upload finished before it was killed"
    assert not (server.root / BUCKET / key).exists()

    client = CosS3Client(CosConfig(**client_config(server.port)), retry=0)
    pending = client.list_multipart_uploads(Bucket=BUCKET, Prefix=key)["Upload"]
    assert [upload["Key"] for upload in pending] == [key]
    listed = _settled_parts(client, key, pending[0]["UploadId"])
    already = len(listed["Part"])
    assert 5 <= already < 20 and listed["IsTruncated"] == "false"
    first = listed["Part"][0]
    assert (first["PartNumber"], first["Size"]) == ("1", str(MB))
    assert first["ETag"] == f'"{hashlib.md5(data[:MB]).hexdigest()}"'

    sent = _count_part_uploads(client)
    client.upload_file(Bucket=BUCKET, Key=key, LocalFilePath=str(tmp_path / "resume.bin"))
    assert len(sent) == 20 - already  # only the missing parts went over the wire
    assert stored(server, key) == data
    assert client.list_multipart_uploads(Bucket=BUCKET, Prefix=key).get("Upload") is None


def _settled_parts(client: CosS3Client, key: str, upload_id: str) -> dict[str, Any]:
    """The upload's parts once the server has stored any part the killed client had fully sent:
    such a request may still be landing when the first listing runs (two equal listings 0.2 s
    apart, within 10 s)."""
    listed = client.list_parts(Bucket=BUCKET, Key=key, UploadId=upload_id)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        time.sleep(0.2)
        again = client.list_parts(Bucket=BUCKET, Key=key, UploadId=upload_id)
        if len(again["Part"]) == len(listed["Part"]):
            return again
        listed = again
    return listed


def test_list_parts_pages_and_abort(client: CosS3Client, server: Any) -> None:
    key = "manual/parts.bin"
    upload_id = client.create_multipart_upload(Bucket=BUCKET, Key=key)["UploadId"]
    for number in (1, 2, 3):
        client.upload_part(
            Bucket=BUCKET, Key=key, Body=bytes([number]) * MB, PartNumber=number, UploadId=upload_id
        )
    page = client.list_parts(Bucket=BUCKET, Key=key, UploadId=upload_id, MaxParts=2)
    assert [p["PartNumber"] for p in page["Part"]] == ["1", "2"]
    assert (page["IsTruncated"], page["NextPartNumberMarker"]) == ("true", "2")
    rest = client.list_parts(Bucket=BUCKET, Key=key, UploadId=upload_id, PartNumberMarker=2)
    assert [p["PartNumber"] for p in rest["Part"]] == ["3"] and rest["IsTruncated"] == "false"
    uploads = client.list_multipart_uploads(Bucket=BUCKET, Prefix="manual/")["Upload"]
    assert [u["UploadId"] for u in uploads] == [upload_id]
    assert "manual" not in {p.name for p in (server.root / BUCKET).iterdir()}  # never listed

    client.abort_multipart_upload(Bucket=BUCKET, Key=key, UploadId=upload_id)
    assert client.list_multipart_uploads(Bucket=BUCKET, Prefix="manual/").get("Upload") is None
    with pytest.raises(CosServiceError) as caught:
        client.list_parts(Bucket=BUCKET, Key=key, UploadId=upload_id)
    assert (caught.value.get_status_code(), caught.value.get_error_code()) == (404, "NoSuchUpload")
    assert not (server.root / BUCKET / key).exists()


def _complete_error(client: CosS3Client, key: str, upload_id: str, parts: list[dict]) -> str:
    with pytest.raises(CosServiceError) as caught:
        client.complete_multipart_upload(
            Bucket=BUCKET, Key=key, UploadId=upload_id, MultipartUpload={"Part": parts}
        )
    assert caught.value.get_status_code() == 400
    return str(caught.value.get_error_code())


def test_completion_is_checked(client: CosS3Client, server: Any) -> None:
    key = "checked/object.bin"
    upload_id = client.create_multipart_upload(Bucket=BUCKET, Key=key)["UploadId"]
    etags = []
    for number, body in ((1, b"small"), (2, b"x" * MB), (3, b"end")):
        response = client.upload_part(
            Bucket=BUCKET, Key=key, Body=body, PartNumber=number, UploadId=upload_id
        )
        etags.append({"PartNumber": number, "ETag": response["ETag"]})
    assert _complete_error(client, key, upload_id, [etags[1], etags[0]]) == "InvalidPartOrder"
    wrong = [{"PartNumber": 2, "ETag": '"' + "0" * 32 + '"'}]
    assert _complete_error(client, key, upload_id, wrong) == "InvalidPart"
    assert _complete_error(client, key, upload_id, etags) == "EntityTooSmall"
    assert not (server.root / BUCKET / key).exists()
    done = client.complete_multipart_upload(
        Bucket=BUCKET, Key=key, UploadId=upload_id, MultipartUpload={"Part": etags[1:]}
    )
    assert done["ETag"].endswith('-2"') and done["Key"] == key
    assert stored(server, key) == b"x" * MB + b"end"
