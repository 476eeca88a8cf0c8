"""`ciimage` start-up as a shell loop meets it: subprocess wall time, median of 10 runs.

Run: `python -m pytest benchmarks/bench_cli.py -s`. Targets (issue 13): `ciimage --help` <= 120 ms,
`ciimage validate RULE` <= 200 ms, `ciimage process` of a small JPEG <= 350 ms. The interpreter's
own start (`python -c pass`) is measured alongside, since it is part of every figure. On a shared,
noisy machine compare side by side: `CIIMAGE_BENCH_BASELINE=/path/to/other/checkout` runs each
command from that checkout too, interleaved run by run, and prints the ratio. Where the time goes:
`python -X importtime -m ciimage validate RULE`.

Bytecode: an installed copy (`pip install .`) has its `.pyc` files, so the commands run with a
bytecode cache in a temporary folder (`PYTHONPYCACHEPREFIX`, warmed by the first run) even where
the environment sets `PYTHONDONTWRITEBYTECODE` (compiling ciimage's sources anew costs ~100 ms a
call). Each figure is printed as wall time and as CPU time (user + system of the child), which a
loaded machine inflates less.
"""

from __future__ import annotations

import io
import os
import resource
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


def _child_cpu_s() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _elapsed_ms(command: list[str], checkout: str, bytecode: Path) -> tuple[float, float]:
    """(wall, CPU) milliseconds of one run."""
    # Run outside both checkouts: `python -m` puts the working folder first on sys.path.
    env = {**os.environ, "PYTHONPATH": checkout, "PYTHONPYCACHEPREFIX": str(bytecode)}
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    cpu, started = _child_cpu_s(), time.perf_counter()
    subprocess.run(command, capture_output=True, check=True, timeout=60, env=env, cwd="/")
    return (time.perf_counter() - started) * 1000, (_child_cpu_s() - cpu) * 1000


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


def _medians(runs: list[tuple[float, float]]) -> tuple[float, float]:
    return statistics.median(w for w, _ in runs), statistics.median(c for _, c in runs)


def test_cli_start_up(small_jpeg: Path, tmp_path: Path) -> None:
    baseline = os.environ.get("CIIMAGE_BENCH_BASELINE")
    checkouts = {"this": OURS, **({"baseline": baseline} if baseline else {})}
    figures: dict[str, dict[str, tuple[float, float]]] = {}
    for name, command in _commands(small_jpeg).items():
        for checkout in checkouts.values():
            _elapsed_ms(command, checkout, tmp_path)  # warm the file, bytecode and grammar caches
        runs: dict[str, list[tuple[float, float]]] = {label: [] for label in checkouts}
        for _ in range(RUNS):
            for label, checkout in checkouts.items():
                runs[label].append(_elapsed_ms(command, checkout, tmp_path))
        figures[name] = {label: _medians(values) for label, values in runs.items()}
    print(f"\nmedians of {RUNS} runs, wall (CPU) ms, with a bytecode cache:")
    for name, by_checkout in figures.items():
        wall, cpu = by_checkout["this"]
        line = f"{name}: {wall:.0f} ({cpu:.0f})"
        if "baseline" in by_checkout:
            base_wall, base_cpu = by_checkout["baseline"]
            line += f", baseline {base_wall:.0f} ({base_cpu:.0f}), x{wall / base_wall:.2f} wall"
        target = TARGETS_MS.get(name)
        print(line + (f"  [target <= {target:.0f}]" if target else ""))
    for name, target in TARGETS_MS.items():
        assert figures[name]["this"][0] <= target, f"{name}: {figures[name]['this'][0]:.0f} ms"
