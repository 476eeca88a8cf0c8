"""Jobs at scale: `thumbnail/512x512` over 500 photo-like 2000x1500 JPEGs, three ways, one run.

Run: `python -m pytest benchmarks/bench_jobs.py --benchmark-group-by=group -s`.

- the bound: a plain loop of `ciimage.process` in 2 threads (read, process, write);
- `ciimage batch` on a 2-worker LocalCluster (its own images/s counts from the first task; the
  wall time including the cluster's start is printed too);
- a batch job (CreateInventoryTriggerJob, Prefix) through `ciimage serve` on a 2-worker
  LocalCluster, create to batch Success, with the server's peak RSS (VmHWM) during it;
- the per-job overhead: create to Success of a 1-pixel job, median of 20, on the same server.

Target: each path >= 0.85x the bound. The 500 files cycle through 25 distinct photos (making 500
distinct 3-megapixel photos would take longer than processing them); every file is still read,
decoded and encoded. `CIIMAGE_BENCH_IMAGES` changes the count.
"""

from __future__ import annotations

import io
import os
import re
import statistics
import subprocess
import sys
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
from PIL import Image
from qcloud_cos import CosConfig, CosS3Client

from ciimage.imaging.process import process
from ciimage.server.launch import serve_in_subprocess
from ciimage.testing import photo_like_jpeg

BUCKET = "bench-1250000000"
REGION = "ap-guangzhou"
WIDTH, HEIGHT = 2000, 1500
IMAGES = int(os.environ.get("CIIMAGE_BENCH_IMAGES", "500"))
DISTINCT = 25
RULE = "imageMogr2/thumbnail/512x512"
GROUP = "jobs-thumbnail-512-2000x1500"
RESULTS: dict[str, float] = {}


@pytest.fixture(scope="module")
def root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("bench-jobs")
    photos = [photo_like_jpeg(seed, WIDTH, HEIGHT) for seed in range(DISTINCT)]
    source = folder / BUCKET / "in"
    source.mkdir(parents=True)
    for index in range(IMAGES):
        (source / f"p{index:04d}.jpg").write_bytes(photos[index % DISTINCT])
    (folder / BUCKET / "px.png").write_bytes(_pixel())
    return folder


def _pixel() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (1, 1), (9, 9, 9)).save(buffer, "PNG")
    return buffer.getvalue()


def _report(name: str, seconds: float, extra: str = "") -> float:
    rate = IMAGES / seconds
    RESULTS[name] = rate
    bound = RESULTS.get("bound")
    ratio = f" = {rate / bound:.2f}x the bound" if bound else ""
    print(f"\n{name}: {rate:.1f} images/s ({IMAGES} in {seconds:.1f} s){ratio} {extra}")
    return rate


@pytest.mark.benchmark(group=GROUP)
def test_bound_plain_loop_in_2_threads(benchmark: Any, root: Path, tmp_path: Path) -> None:
    source = root / BUCKET / "in"

    def one(path: Path) -> None:
        (tmp_path / path.name).write_bytes(process(path.read_bytes(), RULE).data)

    def run() -> None:
        with ThreadPoolExecutor(2) as pool:
            list(pool.map(one, sorted(source.iterdir())))

    benchmark.pedantic(run, rounds=1, iterations=1)
    rate = _report("bound", benchmark.stats.stats.mean)
    benchmark.extra_info["images_per_s"] = round(rate, 1)


@pytest.mark.benchmark(group=GROUP)
def test_ciimage_batch_on_a_2_worker_localcluster(
    benchmark: Any, root: Path, tmp_path: Path
) -> None:
    command = [
        sys.executable,
        "-m",
        "ciimage.cli",
        "batch",
        str(root / BUCKET / "in"),
        RULE,
        "--out",
        str(tmp_path / "out"),
        "--workers",
        "2",
    ]
    summaries: list[str] = []

    def run() -> None:
        done = subprocess.run(command, capture_output=True, text=True, check=True)
        summaries.append(done.stderr.strip().splitlines()[-1])

    benchmark.pedantic(run, rounds=1, iterations=1)
    (summary,) = summaries
    match = re.search(r"in ([\d.]+) s \(([\d.]+) images/s\)", summary)
    assert match is not None and f"{IMAGES} done, 0 failed" in summary, summary
    wall = benchmark.stats.stats.mean
    rate = _report(
        "ciimage batch", float(match[1]), f"(wall {wall:.1f} s with the cluster's start)"
    )
    benchmark.extra_info.update(images_per_s=round(rate, 1), wall_s=round(wall, 1))


def _client(url: str) -> CosS3Client:
    port = int(url.rsplit(":", 1)[1])
    config = CosConfig(
        Region=REGION, SecretId="x", SecretKey="y", Scheme="http", IP="127.0.0.1", Port=port
    )
    return CosS3Client(config, retry=0)


def _peak_rss_mb(pid: int) -> float:
    status = Path(f"/proc/{pid}/status").read_text()
    match = re.search(r"VmHWM:\s+(\d+) kB", status)
    return int(match[1]) / 1024 if match else float("nan")


def _one_pixel_job(client: CosS3Client, index: int) -> float:
    job = {
        "Tag": "PicProcess",
        "Input": {"Object": "px.png"},
        "Operation": {
            "PicProcess": {"ProcessRule": "imageMogr2/rotate/90"},
            "Output": {"Region": REGION, "Bucket": BUCKET, "Object": f"px/{index}.png"},
        },
    }
    started = time.perf_counter()
    job_id = client.ci_create_media_pic_jobs(Bucket=BUCKET, Jobs=job, Lst={})["JobsDetail"][0][
        "JobId"
    ]
    while (
        client.ci_get_media_pic_jobs(Bucket=BUCKET, JobIDs=job_id)["JobsDetail"][0]["State"]
        != "Success"
    ):
        time.sleep(0.002)
    return time.perf_counter() - started


@pytest.fixture(scope="module")
def served(root: Path) -> Iterator[Any]:
    log = root / "serve.log"
    with serve_in_subprocess(
        root, "--job-workers", "2", "--log-level", "warning", log=log
    ) as process:
        client = _client(process.url)
        _one_pixel_job(client, -1)  # waits for the LocalCluster to be up
        yield process, client


@pytest.mark.benchmark(group=GROUP)
def test_batch_job_through_the_server(benchmark: Any, served: Any) -> None:
    process, client = served
    body = {
        "Name": "bench",
        "Type": "Job",
        "Input": {"Prefix": "in/"},
        "Operation": {
            "Tag": "PicProcess",
            "JobParam": {"PicProcess": {"ProcessRule": RULE}},
            "Output": {"Region": REGION, "Bucket": BUCKET, "Object": "out/${InputName}.${ext}"},
        },
    }

    def run() -> None:
        created = client.ci_create_inventory_trigger_jobs(Bucket=BUCKET, JobBody=body)
        batch_id = created["JobsDetail"][0]["JobId"]
        while True:
            got = client.ci_get_inventory_trigger_jobs(Bucket=BUCKET, JobID=batch_id)
            if got["JobsDetail"][0]["State"] != "Running":
                return
            time.sleep(0.05)

    benchmark.pedantic(run, rounds=1, iterations=1)
    peak = _peak_rss_mb(process.pid)
    failed = client.ci_list_media_pic_jobs(Bucket=BUCKET, Tag="PicProcess", States="Failed")
    assert "JobsDetail" not in failed
    rate = _report(
        "server batch job", benchmark.stats.stats.mean, f"(server peak RSS {peak:.0f} MB)"
    )
    benchmark.extra_info.update(images_per_s=round(rate, 1), server_peak_rss_mb=round(peak))


@pytest.mark.benchmark(group="jobs-overhead-1px")
def test_per_job_overhead(benchmark: Any, served: Any) -> None:
    _, client = served
    timings: list[float] = []

    def run() -> None:
        timings.extend(_one_pixel_job(client, index) for index in range(20))

    benchmark.pedantic(run, rounds=1, iterations=1)
    median = statistics.median(timings) * 1000
    print(f"\nper-job overhead (create -> Success, 1-pixel job): median {median:.1f} ms")
    benchmark.extra_info["median_ms"] = round(median, 1)
