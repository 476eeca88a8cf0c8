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
    return pyvips.Image.new_from_array(pixels).copy(interpretation="srgb")


def tile() -> np.ndarray:
    rng = np.random.default_rng(3)
    return rng.integers(0, 256, (12, 10, 4), dtype=np.uint8)


# Placements inside, over the top edge, over the bottom edge, over the left edge, and outside.
POSITIONS = ((5, 5), (20, -6), (12, PAGE - 5), (-4, 10), (50, 5))


@pytest.mark.parametrize("bands", [3, 4])
def test_strip_composite_equals_one_composite_per_frame(bands):
    image = strip(bands)
    whole = vips_composite(image, Composite(tile(), POSITIONS, frames=PAGES)).numpy()
    for page in range(PAGES):
        frame = image.crop(0, page * PAGE, WIDTH, PAGE)
        alone = vips_composite(frame, Composite(tile(), POSITIONS)).numpy()
        assert np.array_equal(whole[page * PAGE : (page + 1) * PAGE], alone), page


def test_one_frame_is_composited_once_whatever_its_height():
    image = strip(3)  # as tall as three pages, but one frame (a pad can make it so)
    out = vips_composite(image, Composite(tile(), ((12, PAGE - 5),))).numpy()
    changed = np.argwhere(np.any(out != image.numpy(), axis=2))
    assert changed[:, 0].min() >= PAGE - 5 and changed[:, 0].max() < PAGE - 5 + 12


def animated_gif() -> bytes:
    import io

    from PIL import Image

    pictures = []
    for index in range(5):  # flat colours, so palettes stay close to exact
        frame = np.empty((60, 80, 3), dtype=np.uint8)
        frame[:] = (30 + 40 * index, 150, 60)
        frame[10:30, 5 + 10 * index : 25 + 10 * index] = (20, 20, 200)
        pictures.append(Image.fromarray(frame))
    buffer = io.BytesIO()
    pictures[0].save(buffer, "GIF", save_all=True, append_images=pictures[1:], duration=50)
    return buffer.getvalue()


@pytest.mark.parametrize(
    "before", ["imageMogr2/thumbnail/40x|", "imageMogr2/grayscale/1|", "imageMogr2/bright/10|"]
)
@pytest.mark.parametrize("gravity", ["south", "north", "center/batch/1/degree/20"])
def test_strip_watermark_matches_the_frame_by_frame_backend(before, gravity):
    import io

    from PIL import Image, ImageSequence

    from ciimage import process
    from ciimage.imaging.prepare import prepare

    text = "Q0k"  # "CI"
    rule = f"{before}watermark/2/text/{text}/fontsize/14/fill/I0ZGRkZGRg/gravity/{gravity}"
    data = animated_gif()
    plan = prepare(data, rule)
    assert plan.source.whole_strip and plan.actions[-1].frames == 5  # one composite, 5 frames

    def frames(backend: str) -> list[np.ndarray]:
        image = Image.open(io.BytesIO(process(data, rule, backend=backend).data))
        return [np.asarray(f.convert("RGB"), dtype=np.int16) for f in ImageSequence.Iterator(image)]

    strip, one_by_one = frames("vips"), frames("pillow")
    assert len(strip) == len(one_by_one) == 5
    for index, (a, b) in enumerate(zip(strip, one_by_one, strict=True)):
        difference = np.abs(a - b).max(axis=2)
        # Palettes differ a little; a tile on the wrong frame differs by ~200 levels.
        assert difference.mean() < 8 and (difference > 100).mean() < 0.005, index


def test_box_composite_equals_the_whole_image_composite():
    """Apart placements on one opaque frame are blended box by box: the same pixels as one
    composite over the whole image, also for boxes over the frame's edges."""
    from ciimage.imaging.steps import watermark

    image = strip(3).crop(0, 0, WIDTH, PAGE)
    apart = ((5, 5), (20, -6), (-4, PAGE - 5), (50, 5))
    action = Composite(tile(), apart)
    boxed = vips_composite(image, action).numpy()
    watermark._BOX_COMPOSITE_MAX, saved = 0, watermark._BOX_COMPOSITE_MAX
    try:
        whole = vips_composite(image, action).numpy()
    finally:
        watermark._BOX_COMPOSITE_MAX = saved
    assert watermark._apart(apart[:3], (10, 12)) and not watermark._apart(POSITIONS, (10, 12))
    assert np.array_equal(boxed, whole)
    assert not np.array_equal(boxed, image.numpy())
