"""`ciimage serve` under load: GET ?imageMogr2/thumbnail/512x512 over 2000x1500 JPEGs, 2 clients.

Run: `python -m pytest benchmarks/bench_server.py --benchmark-group-by=group -s`. One round is
a batch of BATCH requests spread over 2 concurrent clients; requests/s is BATCH / round time, and
p50/p95 are per-request latencies over every round (printed, and kept in `extra_info`). Side by
side in the same group: the same thumbnails by `ciimage.process` in 2 threads (the floor without
HTTP), and plain GETs of the same objects (the HTTP floor without processing).
"""

from __future__ import annotations

import io
import statistics
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx
import numpy as np
import pytest
from PIL import Image

from ciimage.imaging.process import process
from ciimage.server.launch import serve_in_subprocess

BUCKET = "bench-1250000000"
WIDTH, HEIGHT = 2000, 1500
IMAGES = 6
BATCH = 24
CLIENTS = 2
ROUNDS = 4
RULE = "imageMogr2/thumbnail/512x512"


def _photo_like(seed: int) -> bytes:
    y, x = np.mgrid[0:HEIGHT, 0:WIDTH].astype(np.float32)
    noise = np.random.default_rng(seed).normal(0, 6, (HEIGHT, WIDTH)).astype(np.float32)
    red = 127 + 100 * np.sin(x / (31.0 + seed)) * np.cos(y / 53.0) + noise
    green = 255 * x / (WIDTH - 1) + noise
    blue = 255 * y / (HEIGHT - 1) - noise
    pixels = np.clip(np.dstack([red, green, blue]), 0, 255).astype(np.uint8)
    buffer = io.BytesIO()
    Image.fromarray(pixels).save(buffer, "JPEG", quality=90)
    return buffer.getvalue()


@pytest.fixture(scope="module")
def photos() -> list[bytes]:
    return [_photo_like(seed) for seed in range(IMAGES)]


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
    assert Image.open(io.BytesIO(_photo_like(0))).size == (WIDTH, HEIGHT)
