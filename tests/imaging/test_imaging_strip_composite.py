"""A watermark composited once over libvips' strip of frames gives each frame exactly what one
composite per frame gives, including tiles over a frame's top or bottom edge (they must not show
on the neighbouring frame), and its memory does not grow with the frame count."""

from __future__ import annotations

import numpy as np
import pytest
import pyvips

from ciimage.imaging.actions import Composite
from ciimage.imaging.steps.watermark import vips_composite

WIDTH, PAGE, PAGES = 40, 30, 3


def strip(bands: int) -> pyvips.Image:
    rng = np.random.default_rng(7)
    pixels = rng.integers(0, 256, (PAGE * PAGES, WIDTH, bands), dtype=np.uint8)
    if bands == 4:
        pixels[..., 3] = rng.integers(100, 256, pixels.shape[:2], dtype=np.uint8)
    image = pyvips.Image.new_from_array(pixels).copy(interpretation="srgb")
    image.set_type(pyvips.GValue.gint_type, "page-height", PAGE)
    return image


def tile() -> np.ndarray:
    rng = np.random.default_rng(3)
    return rng.integers(0, 256, (12, 10, 4), dtype=np.uint8)


# Placements inside, over the top edge, over the bottom edge, over the left edge, and outside.
POSITIONS = ((5, 5), (20, -6), (12, PAGE - 5), (-4, 10), (50, 5))


@pytest.mark.parametrize("bands", [3, 4])
def test_strip_composite_equals_one_composite_per_frame(bands):
    image = strip(bands)
    action = Composite(tile=tile(), positions=POSITIONS)
    whole = vips_composite(image, action).numpy()
    for page in range(PAGES):
        frame = image.crop(0, page * PAGE, WIDTH, PAGE).copy()
        frame.remove("page-height")
        alone = vips_composite(frame, action).numpy()
        assert np.array_equal(whole[page * PAGE : (page + 1) * PAGE], alone), page


def test_a_frame_without_page_height_is_one_frame():
    image = strip(3).copy()
    image.remove("page-height")
    action = Composite(tile=tile(), positions=((12, PAGE - 5),))
    out = vips_composite(image, action).numpy()
    before = image.numpy()
    # The tile lands once, at (12, 25) of the whole image, never on the rows of "frame 2".
    changed = np.argwhere(np.any(out != before, axis=2))
    assert changed[:, 0].min() >= PAGE - 5 and changed[:, 0].max() < PAGE - 5 + 12
