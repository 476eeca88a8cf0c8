"""What the access log costs `ciimage serve`: req/s with the log on (default) and off (--quiet).

Run: `python -m pytest benchmarks/bench_access_log.py -s`. Two servers over the same root take
many short rounds of the same load, interleaved (on-off, off-on, ...), so that the shared machine's
drifts fall on both alike. Printed per case: the median of the per-pair req/s ratios (on / off) with
its quartiles, and each server's own CPU time per request over all rounds (from /proc), which the
machine's load inflates far less than wall time. Target (issue 13): logging costs at most 3% of
req/s, asserted on the middleware's own CPU time per request (in process, free of the machine's
noise) against the fastest served rate. Plain GETs of a small object are the worst case (the
least work per line written); the thumbnail case is the benchmark of bench_server.py.
"""

from __future__ import annotations

import asyncio
import io
import os
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
from ciimage.server.launch import ServedProcess, serve_in_subprocess

BUCKET = "bench-1250000000"
CLIENTS = 2
# name: (object, query, requests per round, rounds)
CASES = {
    "plain GET 160x120 JPEG": ("small.jpg", "", 80, 30),
    "GET ?thumbnail/512x512 of 2000x1500": ("big.jpg", "?imageMogr2/thumbnail/512x512", 6, 24),
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
    objects = {"small.jpg": _jpeg(160, 120), "big.jpg": _jpeg(2000, 1500)}
    roots = [tmp_path_factory.mktemp(name) for name in ("root-on", "root-off")]
    for root in roots:  # one root each: a root's jobs belong to one server
        (root / BUCKET).mkdir()
        for key, data in objects.items():
            (root / BUCKET / key).write_bytes(data)
    with ExitStack() as stack:
        on = stack.enter_context(serve_in_subprocess(roots[0], log=roots[0].parent / "on.log"))
        off = stack.enter_context(
            serve_in_subprocess(roots[1], "--quiet", log=roots[1].parent / "off.log")
        )
        yield {"log on": on, "log off (--quiet)": off}


def _round(clients: list[httpx.Client], url: str, count: int) -> float:
    def get(index: int) -> None:
        assert clients[index % CLIENTS].get(url).status_code == 200

    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=CLIENTS) as pool:
        list(pool.map(get, range(count)))
    return count / (time.perf_counter() - started)


def _cpu_seconds(pid: int) -> float:
    """User + system CPU time of process `pid` so far (Linux /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _quartiles(values: list[float]) -> tuple[float, float, float]:
    low, middle, high = statistics.quantiles(values, n=4)
    return low, middle, high


@pytest.mark.parametrize("case", list(CASES))
def test_access_log_cost(servers: dict[str, ServedProcess], case: str) -> None:
    key, query, count, rounds = CASES[case]
    urls = {name: f"{served.url}/{key}{query}" for name, served in servers.items()}
    rates: dict[str, list[float]] = {name: [] for name in servers}
    cpu: dict[str, float] = {}
    clients = {name: [httpx.Client(timeout=60) for _ in range(CLIENTS)] for name in servers}
    try:
        for name, url in urls.items():
            _round(clients[name], url, CLIENTS * 2)  # warm up
            cpu[name] = -_cpu_seconds(servers[name].pid)
        for index in range(rounds):
            order = list(urls.items())
            for name, url in order if index % 2 == 0 else reversed(order):  # ABBA: no order bias
                rates[name].append(_round(clients[name], url, count))
        for name, served in servers.items():
            cpu[name] += _cpu_seconds(served.pid)
    finally:
        for pool in clients.values():
            for client in pool:
                client.close()
    (on_name, on), (off_name, off) = rates.items()
    low, ratio, high = _quartiles([a / b for a, b in zip(on, off, strict=True)])
    on_cpu, off_cpu = (cpu[name] / (rounds * count) * 1000 for name in (on_name, off_name))
    print(
        f"\n{case}: {rounds} interleaved rounds of {count} requests, {CLIENTS} clients\n"
        f"  req/s median: log on {statistics.median(on):.1f}, --quiet {statistics.median(off):.1f}"
        f"\n  on/off ratio per round pair: median {ratio:.3f} (quartiles {low:.3f}-{high:.3f}),"
        f" cost {1 - ratio:+.1%}\n"
        f"  server CPU per request: log on {on_cpu:.3f} ms, --quiet {off_cpu:.3f} ms,"
        f" cost {on_cpu / off_cpu - 1:+.1%}"
    )
    # End to end the machine's noise dwarfs a log line on a shared machine; the bound is asserted
    # below on the middleware's own time per request, these figures are printed.
    global _QUIET_RATE
    _QUIET_RATE = max(_QUIET_RATE, statistics.median(off))


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
        # CPU time of this process: what the middleware costs, not what the machine's load adds.
        started = time.process_time()
        for _ in range(CALLS):
            await app(scope, receive, send)
        return (time.process_time() - started) / CALLS * 1e6

    return min(asyncio.run(loop()) for _ in range(5))


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
