"""Jobs at scale: `thumbnail/512x512` over 500 photo-like 2000x1500 JPEGs, three ways, one run.

Run: `python -m pytest benchmarks/bench_jobs.py --benchmark-group-by=group -s`.

- the bound: a plain loop of `ciimage.process` in 2 threads (read, process, write), with libvips'
  default thread pool and with one libvips thread per image (as `ciimage serve` and the workers
  run); the ratios are against the faster of the two;
- `ciimage batch` on a 2-worker LocalCluster (its own images/s counts from the first task; the
  wall time including the cluster's start is printed too);
- a batch job (CreateInventoryTriggerJob, Prefix) through `ciimage serve` on a 2-worker
  LocalCluster, create to batch Success, with the server's peak RSS (VmHWM) during it;
- the per-job overhead: create to Success of a 1-pixel job, median of 20, on the same server.

Target: each path >= 0.85x the bound. Each line also gives CPU seconds per process (psutil, the
process and its children): on a 2-core machine whatever the client, the scheduler or a nanny
spends is taken from the workers, so CPU ms per image says where the time goes even when the
machine is shared and the images/s are noisy.

The 500 files cycle through 25 distinct photos (making 500 distinct 3-megapixel photos would take
longer than processing them); every file is still read, decoded and encoded.
`CIIMAGE_BENCH_IMAGES` changes the count.
"""

from __future__ import annotations

import io
import os
import re
import resource
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import psutil
import pytest
import pyvips
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


class TreeCPU:
    """CPU seconds (user + system) of a process and its descendants, per process, sampled every
    0.1 s from a thread (a child's last sample before it exits is what counts)."""

    def __init__(self, pid: int) -> None:
        self.root = psutil.Process(pid)
        self.seen: dict[int, tuple[str, float]] = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)

    def _role(self, member: psutil.Process) -> str:
        if member.pid == self.root.pid:
            return "main"
        return "worker" if "multiprocessing" in " ".join(member.cmdline()) else "other"

    def snapshot(self) -> dict[int, tuple[str, float]]:
        try:
            tree = [self.root, *self.root.children(recursive=True)]
        except psutil.Error:
            return dict(self.seen)
        for member in tree:
            try:
                times = member.cpu_times()
                self.seen[member.pid] = (self._role(member), times.user + times.system)
            except psutil.Error:
                continue
        return dict(self.seen)

    def _sample(self) -> None:
        while not self._stop.wait(0.1):
            self.snapshot()

    def __enter__(self) -> TreeCPU:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()


def cpu_line(after: dict[int, tuple[str, float]], before: dict[int, tuple[str, float]]) -> str:
    """`main 1.2 s, worker 7.0 s, worker 6.9 s = 15.1 s, 75.5 ms/image`."""
    spent = sorted(
        ((role, cpu - before.get(pid, (role, 0.0))[1]) for pid, (role, cpu) in after.items()),
        key=lambda item: (item[0] != "main", item[0]),
    )
    spent = [(role, cpu) for role, cpu in spent if cpu >= 0.05]
    total = sum(cpu for _, cpu in spent)
    parts = ", ".join(f"{role} {cpu:.1f} s" for role, cpu in spent)
    return f"CPU: {parts} = {total:.1f} s, {1000 * total / IMAGES:.1f} ms/image"


def _cpu_self() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


@pytest.mark.benchmark(group=GROUP)
@pytest.mark.parametrize("vips_threads", ["default", "1"])
def test_bound_plain_loop_in_2_threads(
    benchmark: Any, root: Path, tmp_path: Path, vips_threads: str
) -> None:
    source = root / BUCKET / "in"
    spent: list[float] = []

    def one(path: Path) -> None:
        (tmp_path / path.name).write_bytes(process(path.read_bytes(), RULE).data)

    def run() -> None:
        started = _cpu_self()
        with ThreadPoolExecutor(2) as pool:
            list(pool.map(one, sorted(source.iterdir())))
        spent.append(_cpu_self() - started)

    before = pyvips.concurrency_get()
    if vips_threads != "default":
        pyvips.concurrency_set(int(vips_threads))
    try:
        benchmark.pedantic(run, rounds=1, iterations=1)
    finally:
        pyvips.concurrency_set(before)
    rate = IMAGES / benchmark.stats.stats.mean
    RESULTS["bound"] = max(RESULTS.get("bound", 0.0), rate)
    name = f"bound, libvips threads per image: {vips_threads}"
    cpu = f"CPU: main {spent[0]:.1f} s, {1000 * spent[0] / IMAGES:.1f} ms/image"
    print(f"\n{name}: {rate:.1f} images/s ({IMAGES} in {benchmark.stats.stats.mean:.1f} s); {cpu}")
    benchmark.extra_info.update(images_per_s=round(rate, 1), cpu_s=round(spent[0], 1))


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
        child = subprocess.Popen(command, stderr=subprocess.PIPE, text=True)
        with TreeCPU(child.pid) as tree:
            _, stderr = child.communicate()
        assert child.returncode == 0, stderr
        summaries.extend([stderr.strip().splitlines()[-1], cpu_line(tree.seen, {})])

    benchmark.pedantic(run, rounds=1, iterations=1)
    summary, cpu = summaries
    match = re.search(r"in ([\d.]+) s \(([\d.]+) images/s\)", summary)
    assert match is not None and f"{IMAGES} done, 0 failed" in summary, summary
    wall = benchmark.stats.stats.mean
    rate = _report(
        "ciimage batch",
        float(match[1]),
        f"(wall {wall:.1f} s with the cluster's start); {cpu} (with the cluster's start)",
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

    tree = TreeCPU(process.pid)
    cpu: list[str] = []

    def run() -> None:
        before = tree.snapshot()
        created = client.ci_create_inventory_trigger_jobs(Bucket=BUCKET, JobBody=body)
        batch_id = created["JobsDetail"][0]["JobId"]
        while True:
            got = client.ci_get_inventory_trigger_jobs(Bucket=BUCKET, JobID=batch_id)
            if got["JobsDetail"][0]["State"] != "Running":
                cpu.append(cpu_line(tree.snapshot(), before))
                return
            time.sleep(0.25)  # each poll is a request the server serves: a few ms of its CPU

    benchmark.pedantic(run, rounds=1, iterations=1)
    peak = _peak_rss_mb(process.pid)
    failed = client.ci_list_media_pic_jobs(Bucket=BUCKET, Tag="PicProcess", States="Failed")
    assert "JobsDetail" not in failed
    rate = _report(
        "server batch job",
        benchmark.stats.stats.mean,
        f"(server peak RSS {peak:.0f} MB); {cpu[0]} (main: the server and the scheduler)",
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
