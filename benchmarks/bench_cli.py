"""`ciimage` start-up as a shell loop meets it: subprocess wall time, median of 10 runs.

Run: `python -m pytest benchmarks/bench_cli.py -s`. Targets (issue 13): `ciimage --help` <= 120 ms,
`ciimage validate RULE` <= 200 ms, `ciimage process` of a small JPEG <= 350 ms. The interpreter's
own start (`python -c pass`) is measured alongside, since it is part of every figure. On a shared,
noisy machine compare side by side: `CIIMAGE_BENCH_BASELINE=/path/to/other/checkout` runs each
command from that checkout too, interleaved run by run, and prints the ratio. Where the time goes:
`python -X importtime -m ciimage validate RULE`.
"""

from __future__ import annotations

import io
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

import pytest
from PIL import Image

RUNS = 10
TARGETS_MS = {"--help": 120.0, "validate": 200.0, "process": 350.0}
OURS = str(Path(__file__).resolve().parents[1])


def _elapsed_ms(command: list[str], checkout: str) -> float:
    # Run outside both checkouts: `python -m` puts the working folder first on sys.path.
    env = {**os.environ, "PYTHONPATH": checkout}
    started = time.perf_counter()
    subprocess.run(command, capture_output=True, check=True, timeout=60, env=env, cwd="/")
    return (time.perf_counter() - started) * 1000


@pytest.fixture(scope="module")
def small_jpeg(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("cli") / "small.jpg"
    buffer = io.BytesIO()
    Image.new("RGB", (640, 480), (90, 140, 200)).save(buffer, "JPEG", quality=85)
    path.write_bytes(buffer.getvalue())
    return path


def _commands(small_jpeg: Path) -> dict[str, list[str]]:
    ciimage = [sys.executable, "-m", "ciimage"]
    output = str(small_jpeg.with_name("out.jpg"))
    return {
        "python -c pass": [sys.executable, "-c", "pass"],
        "--help": [*ciimage, "--help"],
        "validate": [*ciimage, "validate", "imageMogr2/thumbnail/!50p"],
        "process": [
            *ciimage,
            "process",
            str(small_jpeg),
            "imageMogr2/thumbnail/320x",
            "-o",
            output,
        ],
    }


def test_cli_start_up(small_jpeg: Path) -> None:
    baseline = os.environ.get("CIIMAGE_BENCH_BASELINE")
    checkouts = {"this": OURS, **({"baseline": baseline} if baseline else {})}
    figures: dict[str, dict[str, float]] = {}
    for name, command in _commands(small_jpeg).items():
        for checkout in checkouts.values():
            _elapsed_ms(command, checkout)  # warm the file cache and the grammar cache
        runs: dict[str, list[float]] = {label: [] for label in checkouts}
        for _ in range(RUNS):
            for label, checkout in checkouts.items():
                runs[label].append(_elapsed_ms(command, checkout))
        figures[name] = {label: statistics.median(values) for label, values in runs.items()}
    print()
    for name, by_checkout in figures.items():
        target = TARGETS_MS.get(name)
        line = f"ciimage {name}: {by_checkout['this']:.0f} ms"
        if "baseline" in by_checkout:
            ratio = by_checkout["this"] / by_checkout["baseline"]
            line += f", baseline {by_checkout['baseline']:.0f} ms (x{ratio:.2f})"
        print(line + (f"  [target <= {target:.0f} ms]" if target else "") + f", median of {RUNS}")
    for name, target in TARGETS_MS.items():
        assert figures[name]["this"] <= target, f"{name}: {figures[name]['this']:.0f} ms"
