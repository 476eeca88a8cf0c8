"""CI job calls on the cos host (design §3.1, ruling 28) never touch objects.

The SDK sends `ci_*` job calls with the cos Host. Each call below must answer a COS XML error the
SDK can read and leave the bucket as it was. The calls are ones that stay errors once the jobs
APIs are served (unknown ids, a malformed rule), so the test holds either way.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from qcloud_cos import CosConfig, CosS3Client
from qcloud_cos.cos_exception import CosServiceError

from ciimage.server import ServerConfig
from ciimage.server.ci_paths import recognise_job_call

BUCKET = "jobs-1250000000"
REGION = "ap-guangzhou"
JOB_ID = "c" + "0" * 32
QUEUE_ID = "p" + "1" * 32


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory, server_starter: Any) -> Iterator[Any]:
    root = tmp_path_factory.mktemp("jobs-root")
    (root / BUCKET).mkdir()
    (root / BUCKET / "keep.txt").write_bytes(b"unrelated object")
    running = server_starter(ServerConfig(root=root))
    yield running
    running.stop()


@pytest.fixture(scope="module")
def client(server: Any) -> CosS3Client:
    config = CosConfig(
        Region=REGION, SecretId="x", SecretKey="y", Scheme="http", IP="127.0.0.1", Port=server.port
    )
    return CosS3Client(config, retry=0)


def every_file(root: Path) -> list[str]:
    return sorted(str(p.relative_to(root)) for p in root.rglob("*"))


JOB_CALLS: dict[str, Callable[[CosS3Client], object]] = {
    "ci_cancel_jobs": lambda c: c.ci_cancel_jobs(Bucket=BUCKET, JobID=JOB_ID),
    "ci_delete_inventory_trigger_jobs": lambda c: c.ci_delete_inventory_trigger_jobs(
        Bucket=BUCKET, JobId="b" + "0" * 32
    ),
    "ci_update_media_pic_queue": lambda c: c.ci_update_media_pic_queue(
        Bucket=BUCKET,
        QueueId=QUEUE_ID,
        Request={"Name": "q", "State": "Paused"},
        ContentType="application/xml",
    ),
    "ci_create_media_pic_jobs": lambda c: c.ci_create_media_pic_jobs(
        Bucket=BUCKET,
        Jobs={
            "Tag": "PicProcess",
            "Input": {"Object": "keep.txt"},
            "Operation": {
                "PicProcess": {"ProcessRule": "imageMogr2/rotate/notanumber"},
                "Output": {"Region": REGION, "Bucket": BUCKET, "Object": "out.jpg"},
            },
        },
        Lst={},
        ContentType="application/xml",
    ),
    "ci_create_inventory_trigger_jobs": lambda c: c.ci_create_inventory_trigger_jobs(
        Bucket=BUCKET,
        JobBody={
            "Name": "demo",
            "Type": "Job",
            "Input": {"Prefix": "input/"},
            "Operation": {
                "Tag": "PicProcess",
                "JobParam": {"PicProcess": {"ProcessRule": "imageMogr2/rotate/notanumber"}},
                "Output": {"Region": REGION, "Bucket": BUCKET, "Object": "o/${InputName}"},
            },
        },
        ContentType="application/xml",
    ),
}


@pytest.mark.parametrize("name", sorted(JOB_CALLS))
def test_job_calls_answer_an_error_and_store_nothing(
    client: CosS3Client, server: Any, name: str
) -> None:
    before = every_file(server.root / BUCKET)
    with pytest.raises(CosServiceError) as caught:
        JOB_CALLS[name](client)
    error = caught.value
    assert error.get_status_code() >= 400
    assert error.get_error_code() and error.get_error_msg()  # a readable COS XML <Error>
    assert every_file(server.root / BUCKET) == before
    assert not (server.root / BUCKET / "jobs").exists()


def test_an_existing_object_wins_over_a_get_shape(server: Any) -> None:
    (server.root / BUCKET / "pic_jobs").write_bytes(b"an object named pic_jobs")
    response = httpx.get(f"{server.url}/pic_jobs?tag=PicProcess&size=10")
    assert response.status_code == 200 and response.content == b"an object named pic_jobs"
    listing = httpx.get(f"{server.url}/jobs?tag=PicProcess")
    assert listing.status_code >= 400 and "<Error>" in listing.text


@pytest.mark.parametrize(
    ("method", "key", "query", "expected"),
    [
        ("POST", "pic_jobs", [], ("pic_jobs", "create")),
        ("POST", "jobs", [("response-content-type", "x")], ("jobs", "create")),
        ("POST", "jobs", [("uploads", "")], None),  # a multipart initiate of key "jobs"
        ("PUT", f"jobs/{JOB_ID}", [("cancel", "")], ("jobs", "cancel")),
        (
            "PUT",
            "inventorytriggerjob/anything",
            [("cancel", "")],
            ("inventorytriggerjob", "cancel"),
        ),
        ("PUT", f"picqueue/{QUEUE_ID}", [], ("picqueue", "update")),
        ("PUT", "picqueue/notaqueue", [], None),
        ("PUT", f"jobs/{JOB_ID}", [], None),  # a plain upload of that key
        ("GET", "pic_jobs", [("tag", "PicProcess")], ("pic_jobs", "list")),
        ("GET", "picqueue", [("state", "Active")], ("picqueue", "list")),
        ("GET", f"pic_jobs/{JOB_ID},{JOB_ID}", [], ("pic_jobs", "get")),
        ("GET", "inventorytriggerjob/not-an-id", [], None),
        ("GET", "photos/jobs", [("tag", "x")], None),
    ],
)
def test_recognised_shapes(
    method: str, key: str, query: list[tuple[str, str]], expected: tuple[str, str] | None
) -> None:
    call = recognise_job_call(method, key, query, lambda: False)
    assert (None if call is None else (call.resource, call.action)) == expected


def test_get_shapes_yield_to_stored_objects() -> None:
    assert recognise_job_call("GET", "pic_jobs", [("tag", "x")], lambda: True) is None
    assert recognise_job_call("PUT", "jobs/x", [("cancel", "")], lambda: True) is not None
