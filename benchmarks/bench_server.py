"""`ciimage serve` under load: GET ?imageMogr2/thumbnail/512x512 over 2000x1500 JPEGs, 2 clients.

Run: `python -m pytest benchmarks/bench_server.py --benchmark-group-by=group -s`. One round is
a batch of BATCH requests spread over 2 concurrent clients; requests/s is BATCH / round time, and
p50/p95 are per-request latencies over every round (printed, and kept in `extra_info`). Side by
side in the same group: the same thumbnails by `ciimage.process` in 2 threads (the floor without
HTTP), and plain GETs of the same objects (the HTTP floor without processing).

COS basics (issue 10): a 1,000-key List Objects page from the middle of a 100,000-object bucket
against the same page of a 10,000-object bucket (the ratio must stay within 1.5: listing walks in
key order and stops, it does not read the bucket), and the SDK's multipart `upload_file` of 100 MB
against a plain `put_object` of 30 MB, in MB/s.

Against thumbor 7.8 (issue 14, `test_versus_thumbor`): the same 20 photos fitted into 512x512 at
q85 by `ciimage serve`, `ciimage serve --workers 2`, thumbor (its own venv, made on first use from
the `thumbor` extra's pin; skipped only when it cannot be installed) and the bare library in 2
threads, rounds taking turns; prints req/s, p50 and the ratios (targets >= 1.15x thumbor, >= 0.85x
the library).
"""

from __future__ import annotations

import io
import os
import socket
import statistics
import subprocess
import sys
import time
import tomllib
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx
import numpy as np
import pytest
import pyvips
from PIL import Image

from ciimage.imaging.process import process
from ciimage.server.launch import serve_in_subprocess
from ciimage.testing import photo_like_jpeg

BUCKET = "bench-1250000000"
WIDTH, HEIGHT = 2000, 1500
IMAGES = 20
BATCH = 24
CLIENTS = 2
ROUNDS = 4
RULE = "imageMogr2/thumbnail/512x512"


@pytest.fixture(scope="module")
def photos() -> list[bytes]:
    return [photo_like_jpeg(seed, WIDTH, HEIGHT) for seed in range(IMAGES)]


@pytest.fixture(scope="module")
def server_url(tmp_path_factory: pytest.TempPathFactory, photos: list[bytes]) -> Iterator[str]:
    root = tmp_path_factory.mktemp("bench-root")
    (root / BUCKET).mkdir()
    for index, data in enumerate(photos):
        (root / BUCKET / f"p{index}.jpg").write_bytes(data)
    with serve_in_subprocess(
        root, "--log-level", "warning", log=root.parent / "bench-server.log"
    ) as served:
        yield served.url


def _run_batch(job: Callable[[int], None], latencies: list[float]) -> None:
    """BATCH calls of job(i) over CLIENTS threads, each latency recorded."""

    def timed(index: int) -> None:
        started = time.perf_counter()
        job(index)
        latencies.append(time.perf_counter() - started)

    with ThreadPoolExecutor(max_workers=CLIENTS) as pool:
        list(pool.map(timed, range(BATCH)))


def _measure(benchmark: Any, job: Callable[[int], None], label: str) -> None:
    latencies: list[float] = []
    job(0)  # warm caches and connections outside the timing
    benchmark.pedantic(_run_batch, args=(job, latencies), rounds=ROUNDS, iterations=1)
    ordered = sorted(latencies)
    p50 = statistics.median(ordered) * 1000
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))] * 1000
    rps = BATCH / benchmark.stats.stats.mean
    benchmark.extra_info.update(
        {"requests_per_s": round(rps, 1), "p50_ms": round(p50, 1), "p95_ms": round(p95, 1)}
    )
    print(
        f"\n{label}: {rps:.1f} req/s, p50 {p50:.1f} ms, p95 {p95:.1f} ms "
        f"({BATCH} x {ROUNDS} requests, {CLIENTS} clients)"
    )


@pytest.mark.benchmark(group="thumbnail-512-2000x1500-2-clients")
def test_server_thumbnail(benchmark: Any, server_url: str) -> None:
    clients = [httpx.Client(timeout=60) for _ in range(CLIENTS)]

    def job(index: int) -> None:
        response = clients[index % CLIENTS].get(f"{server_url}/p{index % IMAGES}.jpg?{RULE}")
        assert response.status_code == 200, response.text

    try:
        _measure(benchmark, job, "server GET ?" + RULE)
    finally:
        for client in clients:
            client.close()


@pytest.mark.benchmark(group="thumbnail-512-2000x1500-2-clients")
def test_in_process_thumbnail(benchmark: Any, photos: list[bytes]) -> None:
    def job(index: int) -> None:
        assert process(photos[index % IMAGES], RULE).width == 512

    _measure(benchmark, job, "ciimage.process in 2 threads")


@pytest.mark.benchmark(group="thumbnail-512-2000x1500-2-clients")
def test_server_plain_get(benchmark: Any, server_url: str) -> None:
    clients = [httpx.Client(timeout=60) for _ in range(CLIENTS)]

    def job(index: int) -> None:
        assert (
            clients[index % CLIENTS].get(f"{server_url}/p{index % IMAGES}.jpg").status_code == 200
        )

    try:
        _measure(benchmark, job, "server plain GET (no processing)")
    finally:
        for client in clients:
            client.close()


def test_photo_size() -> None:
    assert Image.open(io.BytesIO(photo_like_jpeg(0, WIDTH, HEIGHT))).size == (WIDTH, HEIGHT)


# ---- against thumbor (issue 14) ----
# thumbor is a benchmark-only anchor: its pin is the `thumbor` extra's, and it runs from a venv of
# its own (THUMBOR_VENV) so its tornado/Pillow pins never steer the environment ciimage runs in.
THUMBOR_VENV = Path(
    os.environ.get("CIIMAGE_THUMBOR_VENV", Path.home() / ".cache/ciimage-bench/thumbor-venv")
)
PYPROJECT = Path(__file__).resolve().parent.parent / "pyproject.toml"
VERSUS_ROUNDS = 6
VERSUS_QUALITY = 85
CIIMAGE_RULE = f"{RULE}/quality/{VERSUS_QUALITY}"
LIBVIPS_DEFAULT_THREADS = pyvips.concurrency_get()
THUMBOR_PATH = "unsafe/fit-in/512x512"


def _thumbor_requirement() -> str:
    extras = tomllib.loads(PYPROJECT.read_text())["project"]["optional-dependencies"]
    return next(r for r in extras["thumbor"] if r.startswith("thumbor"))


def _thumbor_executable() -> Path:
    """thumbor's entry point in its venv, made (venv + pip install) on first use."""
    executable = THUMBOR_VENV / "bin" / "thumbor"
    if executable.exists():
        return executable
    requirement = _thumbor_requirement()
    steps = (
        [sys.executable, "-m", "venv", str(THUMBOR_VENV)],
        [str(THUMBOR_VENV / "bin" / "python"), "-m", "pip", "install", "-q", requirement],
    )
    for step in steps:
        done = subprocess.run(step, capture_output=True, text=True, timeout=600, check=False)
        if done.returncode != 0:
            pytest.skip(f"thumbor cannot be installed ({requirement}): {done.stderr[-400:]}")
    return executable


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _thumbor_conf(root: Path) -> str:
    """File loader, no storage, no result storage, engine threadpool 2, quality 85."""
    return "\n".join(
        [
            "LOADER = 'thumbor.loaders.file_loader'",
            f"FILE_LOADER_ROOT_PATH = {str(root)!r}",
            "STORAGE = 'thumbor.storages.no_storage'",
            "RESULT_STORAGE = None",
            "ENGINE = 'thumbor.engines.pil'",
            "ENGINE_THREADPOOL_SIZE = 2",
            f"QUALITY = {VERSUS_QUALITY}",
            "ALLOW_UNSAFE_URL = True",
            "",
        ]
    )


@pytest.fixture(scope="module")
def two_workers_url(tmp_path_factory: pytest.TempPathFactory, photos: list[bytes]) -> Iterator[str]:
    """`ciimage serve --workers 2` over the same photos."""
    root = tmp_path_factory.mktemp("bench-root-workers")
    (root / BUCKET).mkdir()
    for index, data in enumerate(photos):
        (root / BUCKET / f"p{index}.jpg").write_bytes(data)
    log = root.parent / "bench-server-workers.log"
    with serve_in_subprocess(root, "--log-level", "warning", log=log, workers=2) as served:
        yield served.url


@pytest.fixture(scope="module")
def thumbor_url(tmp_path_factory: pytest.TempPathFactory, photos: list[bytes]) -> Iterator[str]:
    executable = _thumbor_executable()
    root = tmp_path_factory.mktemp("thumbor-root")
    for index, data in enumerate(photos):
        (root / f"p{index}.jpg").write_bytes(data)
    conf = root / "thumbor.conf"
    conf.write_text(_thumbor_conf(root))
    port = _free_port()
    log = (root / "thumbor.log").open("wb")
    command = [str(executable), "-i", "127.0.0.1", "-p", str(port), "-c", str(conf), "-l", "error"]
    server = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(f"{url}/healthcheck", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if server.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"thumbor did not start: {(root / 'thumbor.log').read_text()}")
            time.sleep(0.1)
        yield url
    finally:
        server.terminate()
        server.wait(timeout=10)
        log.close()


def _http_job(base: str, path: Callable[[int], str]) -> tuple[Callable[[int], None], list]:
    clients = [httpx.Client(timeout=60) for _ in range(CLIENTS)]

    def job(index: int) -> None:
        response = clients[index % CLIENTS].get(f"{base}/{path(index % IMAGES)}")
        assert response.status_code == 200, response.text
        assert Image.open(io.BytesIO(response.content)).size == (512, 384)

    return job, clients


def _versus_rounds(jobs: dict[str, Callable[[int], None]]) -> dict[str, tuple[float, float]]:
    """(req/s, p50 s) per job over VERSUS_ROUNDS batches, the jobs taking turns batch by batch."""
    elapsed: dict[str, float] = dict.fromkeys(jobs, 0.0)
    latencies: dict[str, list[float]] = {name: [] for name in jobs}
    for job in jobs.values():
        job(0)  # warm connections, grammar and codecs outside the timing
    for _ in range(VERSUS_ROUNDS):
        for name, job in jobs.items():
            started = time.perf_counter()
            _run_batch(job, latencies[name])
            elapsed[name] += time.perf_counter() - started
    return {
        name: (BATCH * VERSUS_ROUNDS / elapsed[name], statistics.median(latencies[name]))
        for name in jobs
    }


@pytest.mark.benchmark(group="versus thumbor: fit-in 512x512 q85, 20 JPEGs 2000x1500, 2 clients")
def test_versus_thumbor(
    benchmark: Any, server_url: str, two_workers_url: str, thumbor_url: str, photos: list[bytes]
) -> None:
    ciimage_job, ciimage_clients = _http_job(server_url, lambda i: f"p{i}.jpg?{CIIMAGE_RULE}")
    workers_job, workers_clients = _http_job(two_workers_url, lambda i: f"p{i}.jpg?{CIIMAGE_RULE}")
    thumbor_job, thumbor_clients = _http_job(thumbor_url, lambda i: f"{THUMBOR_PATH}/p{i}.jpg")

    def library_job(index: int) -> None:
        pyvips.concurrency_set(LIBVIPS_DEFAULT_THREADS)
        assert process(photos[index % IMAGES], CIIMAGE_RULE).width == 512

    def library_one_thread_job(index: int) -> None:
        pyvips.concurrency_set(1)  # as `ciimage serve` runs each image
        assert process(photos[index % IMAGES], CIIMAGE_RULE).width == 512

    jobs = {
        "ciimage serve": ciimage_job,
        "ciimage serve --workers 2": workers_job,
        "thumbor": thumbor_job,
        "library": library_job,
        "library, 1 libvips thread per image": library_one_thread_job,
    }
    try:
        results = benchmark.pedantic(_versus_rounds, args=(jobs,), rounds=1, iterations=1)
    finally:
        pyvips.concurrency_set(LIBVIPS_DEFAULT_THREADS)
        for client in [*ciimage_clients, *workers_clients, *thumbor_clients]:
            client.close()
    for name, (rps, p50) in results.items():
        print(f"\n{name}: {rps:.1f} req/s, p50 {p50 * 1000:.1f} ms")
        benchmark.extra_info[name] = {"req_per_s": round(rps, 1), "p50_ms": round(p50 * 1e3, 1)}
    ours, theirs, bound = (results[n][0] for n in ("ciimage serve", "thumbor", "library"))
    print(
        f"ciimage / thumbor: {ours / theirs:.2f}x (target >= 1.15); "
        f"ciimage / bare library in 2 threads: {ours / bound:.2f}x (target >= 0.85)"
    )
    two = results["ciimage serve --workers 2"][0]
    print(f"ciimage --workers 2 / thumbor: {two / theirs:.2f}x; / one process: {two / ours:.2f}x")
    one_thread = results["library, 1 libvips thread per image"][0]
    print(
        f"bare library / thumbor: {bound / theirs:.2f}x (the ceiling for the server's ratio); "
        f"1 libvips thread per image / default: {one_thread / bound:.2f}x"
    )
    benchmark.extra_info["ratio_vs_thumbor"] = round(ours / theirs, 3)
    benchmark.extra_info["ratio_vs_library"] = round(ours / bound, 3)


# ---- COS basics: listing cost must not grow with the bucket; multipart vs plain upload ----

LISTING_SIZES = (10_000, 100_000)
LISTING_ROUNDS = 15
PAGE = 1000


def _listing_bucket(size: int) -> str:
    return f"list{size}-1250000000"


@pytest.fixture(scope="module")
def listing_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """Buckets of 10,000 and 100,000 small objects in one flat folder each (the hard case for a
    folder walk: one directory of 100,000 names), placed by hand as users do."""
    root = tmp_path_factory.mktemp("listing-root")
    for size in LISTING_SIZES:
        folder = root / _listing_bucket(size)
        folder.mkdir()
        for index in range(size):
            (folder / f"img{index:07d}.jpg").write_bytes(b"%d" % index)
    time.sleep(1.2)  # past the directory cache's racy window, as any bucket not just written
    with serve_in_subprocess(
        root, "--log-level", "warning", log=root.parent / "listing-server.log"
    ) as served:
        yield served.url


def _list_page(client: httpx.Client, url: str, size: int) -> None:
    marker = f"img{size // 2:07d}.jpg"  # a page from the middle: the walk must seek, not scan
    response = client.get(
        f"{url}/",
        params={"prefix": "img", "marker": marker, "max-keys": str(PAGE)},
        headers={"Host": f"{_listing_bucket(size)}.cos.ap-guangzhou.myqcloud.com"},
    )
    assert response.status_code == 200, response.text
    assert response.text.count("<Key>") == PAGE


def _interleaved_medians(actions: list[Callable[[], None]], rounds: int) -> list[float]:
    """Median time of each action, run in alternation so that load drift hits all alike."""
    for action in actions:
        action()  # warm: the first listing reads and sorts the folder once, then it is cached
    times: list[list[float]] = [[] for _ in actions]
    for _ in range(rounds):
        for index, action in enumerate(actions):
            started = time.perf_counter()
            action()
            times[index].append(time.perf_counter() - started)
    return [statistics.median(series) for series in times]


@pytest.mark.benchmark(group="list-objects-1000-keys")
def test_listing_does_not_grow_with_bucket_size(benchmark: Any, listing_url: str) -> None:
    with httpx.Client(timeout=60) as client:
        small, large = _interleaved_medians(
            [lambda s=size: _list_page(client, listing_url, s) for size in LISTING_SIZES],
            LISTING_ROUNDS,
        )
        benchmark.pedantic(
            _list_page, args=(client, listing_url, LISTING_SIZES[1]), rounds=5, iterations=1
        )
    ratio = large / small
    benchmark.extra_info.update(
        {"ms_10k": round(small * 1000, 1), "ms_100k": round(large * 1000, 1), "ratio": ratio}
    )
    print(
        f"\nlist 1,000 keys: {small * 1000:.1f} ms of 10,000 objects, {large * 1000:.1f} ms of "
        f"100,000 objects (x{ratio:.2f}; target <= 1.5)"
    )
    assert ratio <= 1.5


UPLOAD_BUCKET = "upload-1250000000"


@pytest.fixture(scope="module")
def upload_client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    from qcloud_cos import CosConfig, CosS3Client

    root = tmp_path_factory.mktemp("upload-root")
    (root / UPLOAD_BUCKET).mkdir()
    with serve_in_subprocess(
        root, "--log-level", "warning", log=root.parent / "upload-server.log"
    ) as served:
        port = int(served.url.rsplit(":", 1)[1])
        config = CosConfig(
            Region="ap-guangzhou", SecretId="x", SecretKey="y", Scheme="http",
            IP="127.0.0.1", Port=port, Timeout=120,
        )  # fmt: skip
        yield CosS3Client(config, retry=0)


def _throughput(benchmark: Any, label: str, megabytes: int, upload: Callable[[], None]) -> None:
    benchmark.pedantic(upload, rounds=3, iterations=1, warmup_rounds=1)
    rate = megabytes / benchmark.stats.stats.median
    benchmark.extra_info["MB_per_s"] = round(rate, 1)
    print(f"\n{label}: {rate:.1f} MB/s ({megabytes} MB, median of 3)")


@pytest.mark.benchmark(group="upload-throughput")
def test_multipart_upload_100mb(benchmark: Any, upload_client: Any, tmp_path: Path) -> None:
    local = tmp_path / "100mb.bin"
    local.write_bytes(np.random.default_rng(1).bytes(100 * 1024 * 1024))

    def upload() -> None:
        upload_client.upload_file(
            Bucket=UPLOAD_BUCKET, Key="big/100mb.bin", LocalFilePath=str(local),
            PartSize=10, MAXThread=5,
        )  # fmt: skip

    _throughput(benchmark, "SDK upload_file 100 MB in 10 MB parts, 5 threads", 100, upload)


@pytest.mark.benchmark(group="upload-throughput")
def test_plain_put_30mb(benchmark: Any, upload_client: Any) -> None:
    body = np.random.default_rng(2).bytes(30 * 1024 * 1024)

    def upload() -> None:
        upload_client.put_object(Bucket=UPLOAD_BUCKET, Key="big/30mb.bin", Body=body)

    _throughput(benchmark, "SDK put_object 30 MB", 30, upload)
