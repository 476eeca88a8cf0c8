"""SIGKILL the server in the middle of a 100-object batch, restart it on the same root: every job
ends Success, no output is half-written, and every callback arrives at least once."""

from __future__ import annotations

import io
import os
import signal
from pathlib import Path
from typing import Any

from PIL import Image
from qcloud_cos import CosS3Client

SCALE = int(os.environ.get("CIIMAGE_JOBS_SCALE", "1"))
OBJECTS = 100 * SCALE
RULE = "imageMogr2/thumbnail/160x160/rotate/45"


def _batch_body(kit: Any, callback: str) -> dict[str, Any]:
    source = {"Prefix": "in/"}
    return kit.batch_job("durable", RULE, source, CallBack=callback, CallBackFormat="JSON")


def _children(client: CosS3Client, kit: Any) -> dict[str, str]:
    """job id -> state, every job of the bucket (they are all the batch's)."""
    states, token = {}, ""
    while True:
        page = client.ci_list_media_pic_jobs(
            Bucket=kit.bucket, Tag="PicProcess", Size=100, NextToken=token
        )
        states.update({detail["JobId"]: detail["State"] for detail in page.get("JobsDetail", [])})
        token = page["NextToken"]
        if token is None:
            return states


def test_sigkill_mid_batch_then_restart_finishes_everything(
    tmp_path: Path, kit: Any, receiver: Any
) -> None:
    root = tmp_path / "root"
    (root / kit.bucket / "in").mkdir(parents=True)
    for index in range(OBJECTS):
        (root / kit.bucket / "in" / f"{index:03d}.jpg").write_bytes(kit.photo(480, 320, index))
    options = ("--executor", "threads", "--job-workers", "1")
    with kit.serve(root, *options, log=tmp_path / "first.log") as first:
        client = kit.client(kit.port_of(first))
        created = client.ci_create_inventory_trigger_jobs(
            Bucket=kit.bucket, JobBody=_batch_body(kit, receiver.url)
        )
        batch_id = created["JobsDetail"][0]["JobId"]
        running_seen: list[int] = []

        def some_done() -> bool:
            states = list(_children(client, kit).values())
            running_seen.append(states.count("Running"))
            return states.count("Success") >= 10

        kit.wait_for(some_done, what="some jobs done")
        # in flight is bounded by the executor (1 worker thread x 2), not by the batch's size
        assert max(running_seen) <= 2, running_seen
        os.kill(first.pid, signal.SIGKILL)
    done_before = len(receiver.received)
    assert done_before < OBJECTS, "the batch finished before the kill; make it longer"
    with kit.serve(root, *options, log=tmp_path / "second.log") as second:
        client = kit.client(kit.port_of(second))

        def batch_done() -> bool:
            got = client.ci_get_inventory_trigger_jobs(Bucket=kit.bucket, JobID=batch_id)
            return got["JobsDetail"][0]["State"] == "Success"

        kit.wait_for(batch_done, timeout=120, what="the batch after restart")
        states = _children(client, kit)
        assert len(states) == OBJECTS
        assert set(states.values()) == {"Success"}, states
        kit.wait_for(
            lambda: all(receiver.bodies_for(job_id) for job_id in states),
            timeout=60,
            what="a callback for every job",
        )
    assert "re-queued" in (tmp_path / "second.log").read_text()
    outputs = sorted((root / kit.bucket / "out").iterdir())  # half-written temp files swept too
    assert [path.name for path in outputs] == [f"{index:03d}.jpg" for index in range(OBJECTS)]
    for path in outputs:
        with Image.open(io.BytesIO(path.read_bytes())) as image:
            image.load()  # a truncated file fails here
            assert max(image.size) <= 240
