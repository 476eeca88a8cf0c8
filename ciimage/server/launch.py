"""Run `ciimage serve` in a child process and wait until it listens: for tests, benchmarks and
CI pipelines that want a real server on loopback."""

from __future__ import annotations

import re
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

_LISTENING = re.compile(rb"http://127\.0\.0\.1:(\d+)")


@dataclass(frozen=True)
class ServedProcess:
    url: str
    pid: int
    log: Path


@contextmanager
def serve_in_subprocess(
    root: Path, *options: str, log: Path, timeout: float = 30.0, workers: int = 1
) -> Iterator[ServedProcess]:
    """`ciimage serve --root ROOT --port 0 [--workers N] OPTIONS...`, its output in `log`;
    stopped on exit."""
    command = [sys.executable, "-m", "ciimage.cli", "serve", "--root", str(root), "--port", "0"]
    if workers != 1:
        command += ["--workers", str(workers)]
    with log.open("wb") as sink:
        process = subprocess.Popen([*command, *options], stdout=sink, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + timeout
        while not (match := _LISTENING.search(log.read_bytes())):
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"ciimage serve did not start: {log.read_text()}")
            time.sleep(0.05)
        yield ServedProcess(f"http://127.0.0.1:{int(match.group(1))}", process.pid, log)
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)
