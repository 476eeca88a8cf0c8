"""What the access log costs `ciimage serve`: req/s with the log on (default) and off (--quiet).

Run: `python -m pytest benchmarks/bench_access_log.py -s`. Two servers over the same root, the
same load on each, rounds interleaved (on-off, off-on, ...) so that the shared machine's noise
falls on both alike. Target (issue 13): logging costs at most 3% of req/s, asserted on the
middleware's own time per request (in process, free of the machine's noise) against the served
rate. Plain GETs of a small
object are the worst case (the least work per line written); the thumbnail case is the
benchmark of bench_server.py.
"""

from __future__ import annotations

import asyncio
import io
import statistics
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import httpx
import numpy as np
import pytest
from PIL import Image

from ciimage.server.access_log import AccessLog
from ciimage.server.launch import serve_in_subprocess

BUCKET = "bench-1250000000"
CLIENTS = 2
ROUNDS = 8
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
        for index in range(ROUNDS):
            order = list(servers.items())
            for name, url in order if index % 2 == 0 else reversed(order):  # ABBA: no order bias
                rates[name].append(_round(clients[name], f"{url}/{key}{query}", count))
    finally:
        for pool in clients.values():
            for client in pool:
                client.close()
    on, off = (statistics.median(values) for values in rates.values())
    cost = 1 - on / off
    print(f"\n{case}: log on {on:.1f} req/s, --quiet {off:.1f} req/s, cost {cost:+.1%} "
          f"(median of {ROUNDS} interleaved rounds of {count}, {CLIENTS} clients)")  # fmt: skip
    # End to end the machine's noise (+-8% between rounds here) dwarfs a log line; the bound is
    # asserted below on the middleware's own time per request, this figure is printed.
    global _QUIET_RATE
    _QUIET_RATE = max(_QUIET_RATE, off)


_QUIET_RATE = 0.0  # the fastest --quiet req/s seen above (the case where a line costs most)
CALLS = 20_000


async def _trivial_app(scope: Any, receive: Any, send: Any) -> None:
    headers = [(b"x-cos-request-id", b"0" * 32), (b"content-length", b"2")]
    await send({"type": "http.response.start", "status": 200, "headers": headers})
    await send({"type": "http.response.body", "body": b"ok"})


def _per_call_us(app: Any) -> float:
    scope = {"type": "http", "method": "GET", "path": "/p.jpg",
             "query_string": b"imageMogr2/rotate/90",
             "headers": [(b"host", b"bench-1250000000.cos.ap-guangzhou.myqcloud.com")]}  # fmt: skip

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: Any) -> None:
        return None

    async def loop() -> float:
        started = time.perf_counter()
        for _ in range(CALLS):
            await app(scope, receive, send)
        return (time.perf_counter() - started) / CALLS * 1e6

    return min(asyncio.run(loop()) for _ in range(3))


def test_access_log_time_per_request(tmp_path: Path) -> None:
    """The middleware's own cost (a line formatted and written to a file), in µs per request,
    against the time per request of the fastest served case."""
    with (tmp_path / "access.log").open("w") as sink:
        logged = AccessLog(_trivial_app, sink, bucket_of=lambda host: "bench-1250000000")
        overhead = _per_call_us(logged) - _per_call_us(_trivial_app)
    rate = _QUIET_RATE or 250.0  # run alone: the plain-GET rate measured on this machine
    cost = overhead * rate / 1e6
    print(f"\naccess log: {overhead:.1f} us per request; at {rate:.0f} req/s that is {cost:.2%} "
          f"of the server's time (target <= {MAX_COST:.0%})")  # fmt: skip
    assert cost <= MAX_COST
