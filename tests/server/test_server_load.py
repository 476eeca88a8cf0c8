"""A bounded load test on loopback against `ciimage serve` running as its own process."""

from __future__ import annotations

import threading
import time
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx
import pytest

from ciimage.server.launch import serve_in_subprocess

BUCKET = "load-1250000000"
CLIENTS = 20
REQUESTS_PER_CLIENT = 10  # 200 requests in all
IMAGES = 8


def rss_bytes(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    raise RuntimeError("no VmRSS line")


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory, images: Any) -> Iterator[tuple[str, int]]:
    root = tmp_path_factory.mktemp("load-root")
    (root / BUCKET).mkdir()
    for index in range(IMAGES):
        (root / BUCKET / f"img{index}.jpg").write_bytes(images.jpeg(1200, 900))
    options = ("--max-concurrency", "2", "--max-queue", "4", "--log-level", "warning")
    with serve_in_subprocess(root, *options, log=root.parent / "load-server.log") as served:
        assert "anonymous access" in served.log.read_text()  # no key pair: the server says so
        yield served.url, served.pid


def test_200_requests_from_20_clients(served: tuple[str, int]) -> None:
    url, pid = served
    with httpx.Client(timeout=60) as warm:
        assert warm.get(f"{url}/img0.jpg?imageMogr2/thumbnail/256x").status_code == 200
    baseline = rss_bytes(pid)
    peak = baseline
    sampling = threading.Event()

    def sample() -> None:
        nonlocal peak
        while not sampling.is_set():
            peak = max(peak, rss_bytes(pid))
            time.sleep(0.02)

    def client(number: int) -> list[int]:
        statuses = []
        with httpx.Client(timeout=60) as http:
            for request in range(REQUESTS_PER_CLIENT):
                image = (number + request) % IMAGES
                response = http.get(f"{url}/img{image}.jpg?imageMogr2/thumbnail/256x")
                if response.status_code == 200:
                    assert response.headers["Content-Type"] == "image/jpeg"
                else:
                    assert b"<Code>SlowDown</Code>" in response.content
                statuses.append(response.status_code)
        return statuses

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    started = time.monotonic()
    with ThreadPoolExecutor(max_workers=CLIENTS) as pool:
        statuses = [code for codes in pool.map(client, range(CLIENTS)) for code in codes]
    elapsed = time.monotonic() - started
    sampling.set()
    sampler.join()

    counts = Counter(statuses)
    print(f"load: {dict(counts)} in {elapsed:.1f}s, RSS {baseline >> 20} -> peak {peak >> 20} MiB")
    assert len(statuses) == CLIENTS * REQUESTS_PER_CLIENT  # every request answered
    assert set(counts) <= {200, 503}
    assert counts[503] > 0  # 20 clients against 2 running + 4 queued: the queue overflowed
    assert counts[200] >= 2 * REQUESTS_PER_CLIENT
    assert peak - baseline < 256 * 1024 * 1024  # bounded by the concurrency limit, not the load

    with httpx.Client(timeout=30) as after:  # still healthy
        assert after.get(f"{url}/img1.jpg?imageInfo").status_code == 200
        assert after.get(f"{url}/img1.jpg").status_code == 200
