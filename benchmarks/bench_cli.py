"""`ciimage` start-up as a shell loop meets it: subprocess wall time, median of 10 runs.

Run: `python -m pytest benchmarks/bench_cli.py -s`. Targets (issue 13): `ciimage --help` <= 120 ms,
`ciimage validate RULE` <= 200 ms, `ciimage process` of a small JPEG <= 350 ms. The interpreter's
own start (`python -c pass`) is measured alongside, since it is part of every figure and the
shared machine is noisy. Where the time goes: `python -X importtime -m ciimage validate RULE`.
"""

from __future__ import annotations

import io
import statistics
import subprocess
import sys
import time
from pathlib import Path

import pytest
from PIL import Image

RUNS = 10
TARGETS_MS = {"help": 120.0, "validate": 200.0, "process": 350.0}


def _median_ms(command: list[str]) -> float:
    timings = []
    for _ in range(RUNS):
        started = time.perf_counter()
        subprocess.run(command, capture_output=True, check=True, timeout=60)
        timings.append((time.perf_counter() - started) * 1000)
    return statistics.median(timings)


@pytest.fixture(scope="module")
def small_jpeg(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("cli") / "small.jpg"
    buffer = io.BytesIO()
    Image.new("RGB", (640, 480), (90, 140, 200)).save(buffer, "JPEG", quality=85)
    path.write_bytes(buffer.getvalue())
    return path


def test_cli_start_up(small_jpeg: Path) -> None:
    ciimage = [sys.executable, "-m", "ciimage"]
    figures = {
        "python -c pass": _median_ms([sys.executable, "-c", "pass"]),
        "help": _median_ms([*ciimage, "--help"]),
        "validate": _median_ms([*ciimage, "validate", "imageMogr2/thumbnail/!50p"]),
        "process": _median_ms(
            [*ciimage, "process", str(small_jpeg), "imageMogr2/thumbnail/320x", "-o",
             str(small_jpeg.with_name("out.jpg"))]
        ),
    }  # fmt: skip
    print()
    for name, milliseconds in figures.items():
        target = TARGETS_MS.get(name)
        verdict = "" if target is None else f"  (target <= {target:.0f} ms)"
        print(f"ciimage {name}: {milliseconds:.0f} ms median of {RUNS}{verdict}")
    for name, target in TARGETS_MS.items():
        assert figures[name] <= target, f"ciimage {name}: {figures[name]:.0f} ms > {target:.0f} ms"
