"""Peak memory of a thumbnail of a 10000x10000 JPEG, measured in a fresh subprocess.

Run: `python -m pytest benchmarks/bench_memory.py -s`. The child process reads the JPEG from
disk, runs `process()` and reports its own peak RSS (`VmHWM`), which includes the Python
interpreter, the libraries and the input bytes. Target: <= 150 MB on each backend.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
import pyvips

SIDE = 10_000
LIMIT_MB = 150

_CHILD = """
import json, sys
from pathlib import Path
import ciimage
data = Path(sys.argv[1]).read_bytes()
result = ciimage.process(data, sys.argv[2], backend=sys.argv[3])
# VmHWM is this process's own peak; ru_maxrss would carry the parent's peak across fork+exec.
status = Path("/proc/self/status").read_text()
peak_kb = int(next(l for l in status.splitlines() if l.startswith("VmHWM:")).split()[1])
print(json.dumps({"peak_mb": peak_kb / 1024, "width": result.width, "height": result.height,
                  "input_mb": len(data) / 1024 / 1024}))
"""


@pytest.fixture(scope="module")
def big_jpeg(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("memory") / "big.jpg"
    xy = pyvips.Image.xyz(SIDE, SIDE)
    red = (xy[0] / 41.0).sin() * (xy[1] / 67.0).cos() * 100 + 127
    image = red.bandjoin([xy[0] * (255.0 / SIDE), xy[1] * (255.0 / SIDE)])
    # Grain, so the file compresses like a photograph rather than a flat gradient.
    image = image + pyvips.Image.gaussnoise(SIDE, SIDE, sigma=4)
    image.cast("uchar").copy(interpretation="srgb").jpegsave(str(path), Q=85)
    return path


def _peak(path: Path, rule: str, backend: str) -> dict[str, float]:
    done = subprocess.run(
        [sys.executable, "-c", _CHILD, str(path), rule, backend],
        capture_output=True,
        text=True,
        timeout=300,
        check=True,
    )
    return json.loads(done.stdout)


@pytest.mark.parametrize("backend", ["vips", "pillow"])
def test_thumbnail_of_10000_square_jpeg_stays_under_150_mb(big_jpeg: Path, backend: str) -> None:
    report = _peak(big_jpeg, "imageMogr2/thumbnail/400x", backend)
    size = f"{report['width']:.0f}x{report['height']:.0f}"
    print(
        f"\n{backend}: peak RSS {report['peak_mb']:.1f} MB "
        f"(input {report['input_mb']:.1f} MB, output {size})"
    )
    assert (report["width"], report["height"]) == (400, 400)
    assert report["peak_mb"] <= LIMIT_MB
