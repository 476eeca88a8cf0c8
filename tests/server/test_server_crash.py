"""A `ciimage serve` process killed (SIGKILL) mid-way through a multipart complete and a copy.

The server is frozen (SIGSTOP) as soon as its temporary file appears beside the target, which
proves the kill lands mid-write, then killed. After a restart on the same root no partial object
is visible and the interrupted upload can still be completed, another one aborted.
"""

from __future__ import annotations

import hashlib
import os
import signal
import threading
import time
from pathlib import Path

import pytest
from qcloud_cos import CosConfig, CosS3Client
from qcloud_cos.cos_exception import CosServiceError

from ciimage.server.launch import serve_in_subprocess
from ciimage.server.storage import TEMP_PREFIX

BUCKET = "crash-1250000000"
MB = 1024 * 1024
PARTS = 8
PART_BYTES = 5 * MB


def sdk(url: str) -> CosS3Client:
    port = int(url.rsplit(":", 1)[1])
    config = CosConfig(
        Region="ap-guangzhou",
        SecretId="x",
        SecretKey="y",
        Scheme="http",
        IP="127.0.0.1",
        Port=port,
        Timeout=30,
    )
    return CosS3Client(config, retry=0)


def kill_mid_write(pid: int, folder: Path, call: threading.Thread) -> None:
    """Freeze the server when a temporary file shows up in `folder`, check it, then kill it."""
    call.start()
    deadline = time.monotonic() + 60
    while not (folder.is_dir() and any(p.name.startswith(TEMP_PREFIX) for p in folder.iterdir())):
        assert time.monotonic() < deadline and call.is_alive(), "the call ended before any write"
    os.kill(pid, signal.SIGSTOP)
    assert any(p.name.startswith(TEMP_PREFIX) for p in folder.iterdir())  # frozen mid-write
    os.kill(pid, signal.SIGKILL)
    call.join(timeout=60)


def expect_failure(action: object) -> threading.Thread:
    def run() -> None:
        try:
            action()  # type: ignore[operator]
        except Exception:  # the connection drops when the server dies: expected
            return

    return threading.Thread(target=run, daemon=True)


def upload_parts(client: CosS3Client, key: str, data: bytes) -> tuple[str, list[dict]]:
    upload_id = client.create_multipart_upload(Bucket=BUCKET, Key=key)["UploadId"]
    parts = []
    for number in range(1, len(data) // PART_BYTES + 1):
        body = data[(number - 1) * PART_BYTES : number * PART_BYTES]
        etag = client.upload_part(
            Bucket=BUCKET, Key=key, Body=body, PartNumber=number, UploadId=upload_id
        )["ETag"]
        parts.append({"PartNumber": number, "ETag": etag})
    return upload_id, parts


def assert_absent(client: CosS3Client, key: str) -> None:
    with pytest.raises(CosServiceError) as caught:
        client.head_object(Bucket=BUCKET, Key=key)
    assert caught.value.get_status_code() == 404
    listed = client.list_objects(Bucket=BUCKET, Prefix=key).get("Contents", [])
    assert [item["Key"] for item in listed] == []


def test_kill_during_complete_and_copy(tmp_path: Path) -> None:
    root = tmp_path / "root"
    (root / BUCKET).mkdir(parents=True)
    data = os.urandom(PARTS * PART_BYTES)
    key, spare = "big/crash.bin", "big/spare.bin"
    with serve_in_subprocess(root, log=tmp_path / "first.log") as served:
        client = sdk(served.url)
        upload_id, parts = upload_parts(client, key, data)
        spare_id, _ = upload_parts(client, spare, data[: 2 * PART_BYTES])
        complete = expect_failure(
            lambda: client.complete_multipart_upload(
                Bucket=BUCKET, Key=key, UploadId=upload_id, MultipartUpload={"Part": parts}
            )
        )
        kill_mid_write(served.pid, root / BUCKET / "big", complete)

    with serve_in_subprocess(root, log=tmp_path / "second.log") as served:
        client = sdk(served.url)
        assert_absent(client, key)
        uploads = client.list_multipart_uploads(Bucket=BUCKET)["Upload"]
        assert sorted(u["UploadId"] for u in uploads) == sorted([upload_id, spare_id])
        listed = client.list_parts(Bucket=BUCKET, Key=key, UploadId=upload_id)["Part"]
        assert len(listed) == PARTS
        client.complete_multipart_upload(
            Bucket=BUCKET, Key=key, UploadId=upload_id, MultipartUpload={"Part": parts}
        )
        client.abort_multipart_upload(Bucket=BUCKET, Key=spare, UploadId=spare_id)
        assert client.list_multipart_uploads(Bucket=BUCKET).get("Upload") is None
        stored = (root / BUCKET / key).read_bytes()
        assert hashlib.md5(stored).digest() == hashlib.md5(data).digest()

        source = {"Bucket": BUCKET, "Key": key, "Region": "ap-guangzhou"}
        copy = expect_failure(
            lambda: client.copy_object(Bucket=BUCKET, Key="copied/dest.bin", CopySource=source)
        )
        kill_mid_write(served.pid, root / BUCKET / "copied", copy)

    with serve_in_subprocess(root, log=tmp_path / "third.log") as served:
        client = sdk(served.url)
        assert_absent(client, "copied/dest.bin")
        head = client.head_object(Bucket=BUCKET, Key=key)
        assert head["ETag"].endswith(f'-{PARTS}"') and int(head["Content-Length"]) == len(data)
        client.copy_object(Bucket=BUCKET, Key="copied/dest.bin", CopySource=source)
        copied = (root / BUCKET / "copied" / "dest.bin").read_bytes()
        assert hashlib.md5(copied).digest() == hashlib.md5(data).digest()
