"""`ciimage serve --job-timeout`: a job past it ends Failed `RequestTimeout` and frees its slot.

One worker thread (`--executor threads --job-workers 1`: two slots), a 0.5 s timeout, and two
jobs whose rule takes seconds on a 2400x1800 photo: both end Failed with CI's timeout code while
their computation is still running, and the light job that waited for a slot is claimed at
once instead of after the heavy ones finish. The late results are dropped.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import pytest
from qcloud_cos import CosS3Client

TIMEOUT = 0.5
# Lazy libvips: the whole graph runs in the encoder, seconds of work in one step (5.4 s on the
# 2-core test machine, against a 0.5 s timeout).
HEAVY = "imageMogr2/blur/30x15/rotate/33/blur/30x15/rotate/33"
LIGHT = "imageMogr2/thumbnail/32x32"


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory, kit: Any) -> Iterator[CosS3Client]:
    root = tmp_path_factory.mktemp("timeout-root")
    (root / kit.bucket).mkdir()
    (root / kit.bucket / "big.jpg").write_bytes(kit.photo(2400, 1800, 1))
    (root / kit.bucket / "small.jpg").write_bytes(kit.photo(96, 64, 2))
    options = ("--executor", "threads", "--job-workers", "1", "--job-timeout", str(TIMEOUT))
    with kit.serve(root, *options, log=root.parent / "serve.log") as served:
        yield kit.client(kit.port_of(served))


def _create(client: CosS3Client, kit: Any, key: str, rule: str, output: str) -> str:
    job = kit.pic_job(key, rule, output)
    answer = client.ci_create_media_pic_jobs(Bucket=kit.bucket, Jobs=job, Lst={})
    return str(answer["JobsDetail"][0]["JobId"])


def _states(client: CosS3Client, kit: Any, job_ids: list[str]) -> dict[str, dict[str, Any]]:
    answer = client.ci_get_media_pic_jobs(Bucket=kit.bucket, JobIDs=",".join(job_ids))
    details = answer["JobsDetail"]
    details = details if isinstance(details, list) else [details]
    return {detail["JobId"]: detail for detail in details}


def test_a_job_over_the_timeout_fails_and_frees_its_slot(client: CosS3Client, kit: Any) -> None:
    heavy = [_create(client, kit, "big.jpg", HEAVY, f"out/heavy{index}.jpg") for index in (1, 2)]
    light = _create(client, kit, "small.jpg", LIGHT, "out/light.jpg")

    def heavy_failed() -> dict[str, dict[str, Any]] | None:
        found = _states(client, kit, heavy)
        return found if all(found[job]["State"] == "Failed" for job in heavy) else None

    failed = kit.wait_for(heavy_failed, timeout=30, what="the heavy jobs to time out")
    failed_at = time.monotonic()
    for job in heavy:
        assert failed[job]["Code"] == "RequestTimeout", failed[job]
        assert "X-ErrNo -901" in failed[job]["Message"], failed[job]
        assert f"{TIMEOUT:g} s" in failed[job]["Message"], failed[job]

    def light_claimed() -> str | None:
        state = str(_states(client, kit, [light])[light]["State"])
        return state if state != "Submitted" else None

    # Both slots were the heavy jobs'; freed at their timeout, not when their work ends.
    kit.wait_for(light_claimed, timeout=10, what="the light job to be claimed")
    assert time.monotonic() - failed_at < 1.5
    done = kit.wait_for(
        lambda: (detail := _states(client, kit, [light])[light])["State"] == "Success" and detail,
        timeout=60,
        what="the light job",
    )
    assert done["Operation"]["Output"]["Object"] == "out/light.jpg"
    # The heavy work ran to its end before the light job (one thread); its results were dropped.
    assert _states(client, kit, heavy) == failed
    for index in (1, 2):
        assert not client.object_exists(Bucket=kit.bucket, Key=f"out/heavy{index}.jpg")
