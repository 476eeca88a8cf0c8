"""What the access log costs `ciimage serve`: req/s with the log on (default) and off (--quiet).

Run: `python -m pytest benchmarks/bench_access_log.py -s`. Two servers over the same root, the
same load on each, rounds interleaved (on, off, on, off...) so that the shared machine's noise
falls on both alike. Target (issue 13): logging costs at most 3% of req/s. Plain GETs of a small
object are the worst case (the least work per line written); the thumbnail case is the
benchmark of bench_server.py.
"""

from __future__ import annotations

import io
import statistics
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack

import httpx
import numpy as np
import pytest
from PIL import Image

from ciimage.server.launch import serve_in_subprocess

BUCKET = "bench-1250000000"
CLIENTS = 2
ROUNDS = 6
# name: (object, query, requests per round)
CASES = {
    "plain GET 160x120 JPEG": ("small.jpg", "", 400),
    "GET ?thumbnail/512x512 of 2000x1500": ("big.jpg", "?imageMogr2/thumbnail/512x512", 24),
}
MAX_COST = 0.03


def _jpeg(width: int, height: int) -> bytes:
    rng = np.random.default_rng(7)
    y, x = np.mgrid[0:height, 0:width].astype(np.float32)
    pixels = np.dstack(
        [127 + 100 * np.sin(x / 31) * np.cos(y / 53), 255 * x / width, 255 * y / height]
    )
    pixels = np.clip(pixels + rng.normal(0, 6, pixels.shape), 0, 255).astype(np.uint8)
    buffer = io.BytesIO()
    Image.fromarray(pixels).save(buffer, "JPEG", quality=90)
    return buffer.getvalue()


@pytest.fixture(scope="module")
def servers(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    root = tmp_path_factory.mktemp("log-root")
    (root / BUCKET).mkdir()
    (root / BUCKET / "small.jpg").write_bytes(_jpeg(160, 120))
    (root / BUCKET / "big.jpg").write_bytes(_jpeg(2000, 1500))
    with ExitStack() as stack:
        on = stack.enter_context(serve_in_subprocess(root, log=root.parent / "on.log"))
        off = stack.enter_context(serve_in_subprocess(root, "--quiet", log=root.parent / "off.log"))
        yield {"log on": on.url, "log off (--quiet)": off.url}


def _round(clients: list[httpx.Client], url: str, count: int) -> float:
    def get(index: int) -> None:
        assert clients[index % CLIENTS].get(url).status_code == 200

    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=CLIENTS) as pool:
        list(pool.map(get, range(count)))
    return count / (time.perf_counter() - started)


@pytest.mark.parametrize("case", list(CASES))
def test_access_log_cost(servers: dict[str, str], case: str) -> None:
    key, query, count = CASES[case]
    rates: dict[str, list[float]] = {name: [] for name in servers}
    clients = {name: [httpx.Client(timeout=60) for _ in range(CLIENTS)] for name in servers}
    try:
        for name, url in servers.items():
            _round(clients[name], f"{url}/{key}{query}", CLIENTS * 2)  # warm up
        for _ in range(ROUNDS):
            for name, url in servers.items():
                rates[name].append(_round(clients[name], f"{url}/{key}{query}", count))
    finally:
        for pool in clients.values():
            for client in pool:
                client.close()
    on, off = (statistics.median(values) for values in rates.values())
    cost = 1 - on / off
    print(f"\n{case}: log on {on:.1f} req/s, --quiet {off:.1f} req/s, cost {cost:+.1%} "
          f"(median of {ROUNDS} interleaved rounds of {count}, {CLIENTS} clients)")  # fmt: skip
    assert cost <= MAX_COST
