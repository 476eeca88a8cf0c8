"""The whole operation matrix on both backends: identical sizes, pixels within 30 dB PSNR.

Outputs are PNG so the comparison measures the operations, not two JPEG encoders. Where the two
backends cannot agree to 30 dB the reason is written next to the lower floor.
"""

from __future__ import annotations

import json
import pickle
import subprocess
import sys
import textwrap

import numpy as np
import pytest

from ciimage import process

OPERATIONS = [
    "imageMogr2/thumbnail/!50p",
    "imageMogr2/thumbnail/!50px",
    "imageMogr2/thumbnail/!x50p",
    "imageMogr2/thumbnail/300x",
    "imageMogr2/thumbnail/x150",
    "imageMogr2/thumbnail/250x250",
    "imageMogr2/thumbnail/!250x250r",
    "imageMogr2/thumbnail/250x250>",
    "imageMogr2/thumbnail/900x900<",
    "imageMogr2/thumbnail/300x300!",
    "imageMogr2/thumbnail/50000@",
    "imageMogr2/thumbnail/300x300/pad/1",
    "imageMogr2/cut/300x200x50x40",
    "imageMogr2/crop/300x200/gravity/southeast",
    "imageMogr2/crop/!300x200a20a30",
    "imageMogr2/iradius/150",
    "imageMogr2/rradius/80",
    "imageMogr2/rotate/90",
    "imageMogr2/rotate/270",
    "imageMogr2/rotate/33",
    "imageMogr2/auto-orient",
    "imageMogr2/flip/vertical",
    "imageMogr2/flip/horizontal",
    "imageMogr2/blur/8x5",
    "imageMogr2/bright/30",
    "imageMogr2/contrast/40",
    "imageMogr2/sharpen/70",
    "imageMogr2/grayscale/1",
    "imageView2/1/w/200/h/300",
    "imageView2/2/w/200/h/300",
    "imageView2/3/w/200/h/300",
    "imageView2/4/w/300/h/150",
    "imageView2/5/w/300/h/150",
    "imageMogr2/thumbnail/400x/rotate/45/crop/200x200/gravity/center|imageView2/2/w/150",
]

# Pixel agreement floors below 30 dB, with the reason.
LOWER_FLOORS: dict[str, tuple[float, str]] = {}


@pytest.fixture(scope="module")
def outputs(smooth_png) -> dict[tuple[str, str], object]:
    return {
        (rule, backend): process(smooth_png, rule + _png(rule), backend=backend)
        for rule in OPERATIONS
        for backend in ("vips", "pillow")
    }


def _png(rule: str) -> str:
    return "|imageMogr2/format/png" if "|" in rule else "/format/png"


@pytest.mark.parametrize("rule", OPERATIONS)
def test_backends_agree(images, outputs, rule):
    vips, pillow = outputs[(rule, "vips")], outputs[(rule, "pillow")]
    assert (vips.width, vips.height) == (pillow.width, pillow.height)
    a, b = images.decode(vips.data), images.decode(pillow.data)
    assert a.shape == b.shape
    floor = LOWER_FLOORS.get(rule, (30.0, ""))[0]
    if a.shape[2] == 4:
        # Compare what a viewer sees: colour over white, weighted by alpha.
        a, b = (_over_white(x) for x in (a, b))
    assert images.psnr(a, b) >= floor, rule


def _over_white(rgba: np.ndarray) -> np.ndarray:
    alpha = rgba[..., 3:4].astype(np.float64) / 255
    return (rgba[..., :3] * alpha + 255 * (1 - alpha)).astype(np.uint8)


def test_jpeg_shrink_on_load_agrees(images, photo_jpeg):
    # Both shrink on load (libvips thumbnail, Pillow draft) before the Lanczos finish.
    vips = process(photo_jpeg, "imageMogr2/thumbnail/300x/format/png", backend="vips")
    pillow = process(photo_jpeg, "imageMogr2/thumbnail/300x/format/png", backend="pillow")
    assert (vips.width, vips.height) == (pillow.width, pillow.height) == (300, 200)
    # The fine checker of the test photo aliases differently through two shrink paths.
    assert images.psnr(images.decode(vips.data), images.decode(pillow.data)) >= 25


# ---- the Pillow backend where pyvips cannot be imported ----
# A child interpreter blocks every `pyvips` import, runs each rule above with backend="auto"
# (which must then pick Pillow) and hands the outputs back; they must match this process's
# libvips outputs as the matrix demands (same size, the same PSNR floors).

CHILD = textwrap.dedent(
    """
    import json, pickle, sys

    class BlockPyvips:
        def find_spec(self, name, path=None, target=None):
            if name == "pyvips" or name.startswith("pyvips."):
                raise ImportError("pyvips is blocked for this test")

    sys.meta_path.insert(0, BlockPyvips())
    from ciimage import process

    source, rules, target = sys.argv[1], json.loads(sys.argv[2]), sys.argv[3]
    data = open(source, "rb").read()
    out = {rule: process(data, rule, backend="auto") for rule in rules}
    watermark = process(data, "watermark/2/text/Y2lpbWFnZQ/fontsize/40")
    assert "pyvips" not in sys.modules
    with open(target, "wb") as stream:
        pickle.dump({"outputs": out, "watermark": watermark.format}, stream)
    """
)


def test_pillow_backend_runs_the_matrix_without_pyvips(images, smooth_png, tmp_path):
    source, target = tmp_path / "in.png", tmp_path / "out.pickle"
    source.write_bytes(smooth_png)
    rules = [rule + _png(rule) for rule in OPERATIONS]
    subprocess.run(
        [sys.executable, "-c", CHILD, str(source), json.dumps(rules), str(target)],
        check=True,
        timeout=600,
    )
    found = pickle.loads(target.read_bytes())
    assert found["watermark"] == "png"
    for rule, plain in zip(OPERATIONS, rules, strict=True):
        without = found["outputs"][plain]
        with_vips = process(smooth_png, plain, backend="vips")
        assert (without.width, without.height) == (with_vips.width, with_vips.height), rule
        a, b = images.decode(without.data), images.decode(with_vips.data)
        if a.shape[2] == 4:
            a, b = (_over_white(x) for x in (a, b))
        assert images.psnr(a, b) >= LOWER_FLOORS.get(rule, (30.0, ""))[0], rule
