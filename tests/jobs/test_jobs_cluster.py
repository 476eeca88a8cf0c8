"""Scale-out: a `dask scheduler` and two `dask worker` processes on loopback run a server's batch.

Workers get bytes and a frozen pipeline, never paths: they run in their own working folders with
no access to the server's root. A third worker running "another ciimage" is refused: no task goes
to it. `CIIMAGE_JOBS_SCALE=N` multiplies the object count (default run: 40 objects).
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from qcloud_cos import CosS3Client

import ciimage
from ciimage.jobs.executors import TASKS_PER_SHIPMENT

SCALE = int(os.environ.get("CIIMAGE_JOBS_SCALE", "1"))
OBJECTS = 40 * SCALE
RULE = "imageMogr2/thumbnail/48x48/rotate/90"

FAKE_CIIMAGE = {
    "ciimage/__init__.py": '__version__ = "9.9.9-other"\n',
    "ciimage/jobs/__init__.py": "",
    "ciimage/jobs/worker.py": (
        "def worker_version():\n    return '9.9.9-other'\n\n"
        "def run_pic_task(task):\n    raise RuntimeError('a refused worker ran a task')\n"
    ),
}


def _dask(*args: str, log: Path, cwd: Path, pythonpath: str) -> subprocess.Popen[bytes]:
    env = {**os.environ, "PYTHONPATH": pythonpath}
    with log.open("wb") as sink:
        return subprocess.Popen(
            [sys.executable, "-m", "dask", *args],
            stdout=sink,
            stderr=subprocess.STDOUT,
            cwd=cwd,
            env=env,
        )


def _wait_for_workers(address: str, count: int) -> None:
    from distributed import Client

    with Client(address, timeout=30) as client:
        client.wait_for_workers(count, timeout=60)


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    base = tmp_path_factory.mktemp("cluster")
    ours = os.environ.get("PYTHONPATH", str(Path(ciimage.__file__).parent.parent))
    fake = base / "fake"
    for relative, text in FAKE_CIIMAGE.items():
        (fake / relative).parent.mkdir(parents=True, exist_ok=True)
        (fake / relative).write_text(text)
    scheduler_file = base / "scheduler.json"
    started = [
        _dask(
            "scheduler",
            "--host",
            "127.0.0.1",
            "--port",
            "0",
            "--no-dashboard",
            "--scheduler-file",
            str(scheduler_file),
            log=base / "scheduler.log",
            cwd=base,
            pythonpath=ours,
        )
    ]
    try:
        deadline = time.monotonic() + 60
        while not scheduler_file.exists() or not scheduler_file.read_text().strip():
            assert time.monotonic() < deadline, (base / "scheduler.log").read_text()
            time.sleep(0.1)
        time.sleep(0.1)
        address = json.loads(scheduler_file.read_text())["address"]
        for index, path in enumerate([ours, ours, str(fake)]):
            folder = base / f"worker{index}"
            folder.mkdir()
            started.append(
                _dask(
                    "worker",
                    address,
                    "--host",
                    "127.0.0.1",
                    "--nthreads",
                    "1",
                    "--no-dashboard",
                    "--name",
                    f"w{index}",
                    log=base / f"worker{index}.log",
                    cwd=folder,
                    pythonpath=path,
                )
            )
        _wait_for_workers(address, 3)
        yield {"address": address, "base": base}
    finally:
        for process in reversed(started):
            process.send_signal(signal.SIGTERM)
        for process in started:
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def _executed(address: str) -> dict[str, int]:
    from distributed import Client

    def count(dask_worker: Any) -> int:
        return int(dask_worker.state.executed_count)

    with Client(address, timeout=30) as client:
        info = client.scheduler_info()["workers"]
        counts = client.run(count, on_error="return")
    return {
        info[address]["name"]: value for address, value in counts.items() if isinstance(value, int)
    }


def test_batch_on_an_external_cluster_matches_in_process(
    cluster: dict[str, Any], tmp_path: Path, kit: Any
) -> None:
    root = tmp_path / "root"
    (root / kit.bucket).mkdir(parents=True)
    inputs = {f"in/{index:03d}.jpg": kit.photo(120, 80, index) for index in range(OBJECTS)}
    for key, data in inputs.items():
        (root / kit.bucket / key).parent.mkdir(parents=True, exist_ok=True)
        (root / kit.bucket / key).write_bytes(data)
    before = _executed(cluster["address"])
    log = tmp_path / "serve.log"
    with kit.serve(root, "--dask-scheduler", cluster["address"], log=log) as served:
        client: CosS3Client = kit.client(kit.port_of(served))
        body = kit.batch_job("scale-out", RULE, {"Prefix": "in/"})
        batch_id = client.ci_create_inventory_trigger_jobs(Bucket=kit.bucket, JobBody=body)[
            "JobsDetail"
        ][0]["JobId"]

        def finished() -> bool:
            got = client.ci_get_inventory_trigger_jobs(Bucket=kit.bucket, JobID=batch_id)
            return got["JobsDetail"][0]["State"] == "Success"

        kit.wait_for(finished, timeout=120, what="the scale-out batch")
        failed = client.ci_list_media_pic_jobs(Bucket=kit.bucket, Tag="PicProcess", States="Failed")
        assert "JobsDetail" not in failed, failed
    assert "refusing Dask worker" in log.read_text()
    for key, data in inputs.items():
        expected = ciimage.process(data, RULE).data
        name = key.removeprefix("in/")
        assert (root / kit.bucket / "out" / name).read_bytes() == expected, key
    after = _executed(cluster["address"])
    ran = {name: after.get(name, 0) - before.get(name, 0) for name in ("w0", "w1")}
    # Dask tasks, each a shipment of up to TASKS_PER_SHIPMENT jobs
    shipments = -(-OBJECTS // TASKS_PER_SHIPMENT)
    assert sum(ran.values()) >= shipments and all(count > 0 for count in ran.values()), ran
    assert "w2" not in after or after["w2"] == before.get("w2", 0)
