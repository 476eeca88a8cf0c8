"""Composite a prepared watermark tile (`Composite`) on a frame, on either backend.

`prepare` builds the tile once (`ciimage.watermark.build_overlay`); here it is composited "over"
with straight alpha at every placement, including placements partly outside the frame (they are
clipped). An animated image gets the same tile at the same places on every frame.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PIL import Image

from ciimage.imaging.actions import Composite

if TYPE_CHECKING:
    import pyvips


def visible_positions(
    positions: tuple[tuple[int, int], ...] | list[tuple[int, int]],
    tile_size: tuple[int, int],
    size: tuple[int, int],
) -> tuple[tuple[int, int], ...]:
    """The placements whose tile overlaps a frame of `size`."""
    tw, th = tile_size
    return tuple(
        (x, y) for x, y in positions if x < size[0] and y < size[1] and x + tw > 0 and y + th > 0
    )


def vips_composite(image: pyvips.Image, action: Composite) -> pyvips.Image:
    """Composite the tile on `image`, which may be libvips' strip of `action.frames` frames:
    then every frame gets the tile at the same places, in one composite over the strip, so
    memory does not grow with the frame count (one composite per frame kept each one's
    buffers until the encoder finished)."""
    import numpy as np
    import pyvips

    tile = np.ascontiguousarray(action.tile, dtype=np.uint8)
    th, tw = tile.shape[:2]
    page_height = image.height // action.frames
    positions = visible_positions(action.positions, (tw, th), (image.width, page_height))
    if not positions:
        return image
    tile_image = pyvips.Image.new_from_memory(tile.tobytes(), tw, th, 4, "uchar").copy(
        interpretation="srgb"
    )
    if action.frames == 1 and image.bands == 3 and _apart(positions, (tw, th)):
        return _composite_boxes(image, tile_image, positions)
    overlays, xs, ys = [], [], []
    for x, y in positions:
        # Clipped to its frame, so that a tile over a frame's edge never shows on the next one.
        top, bottom = max(0, -y), min(th, page_height - y)
        clipped = (
            tile_image if (top, bottom) == (0, th) else tile_image.crop(0, top, tw, bottom - top)
        )
        for page in range(action.frames):
            overlays.append(clipped)
            xs.append(x)
            ys.append(y + top + page * page_height)
    return _composite_whole(image, overlays, xs, ys)


# A few placements on an opaque frame are blended in their boxes alone and inserted back; a
# tiled mark, a strip of frames or an image with alpha (whose whole composite rounds every
# pixel through premultiplication) is one composite over the whole image.
_BOX_COMPOSITE_MAX = 4


def _apart(positions: tuple[tuple[int, int], ...], size: tuple[int, int]) -> bool:
    """At most a few placements, none overlapping another: one composite of several overlays
    keeps its sums unrounded between them, box by box would round each."""
    if len(positions) > _BOX_COMPOSITE_MAX:
        return False
    width, height = size
    return all(
        abs(ax - bx) >= width or abs(ay - by) >= height
        for index, (ax, ay) in enumerate(positions)
        for bx, by in positions[index + 1 :]
    )


def _composite_whole(
    image: pyvips.Image, overlays: list[pyvips.Image], xs: list[int], ys: list[int]
) -> pyvips.Image:
    had_alpha = image.bands == 4
    base = image if had_alpha else image.bandjoin_const([255])
    result = base.composite(overlays, ["over"] * len(overlays), x=xs, y=ys).cast("uchar")
    return result if had_alpha else result[0:3]


def _composite_boxes(
    image: pyvips.Image, tile: pyvips.Image, positions: tuple[tuple[int, int], ...]
) -> pyvips.Image:
    """The whole-image composite's pixels, blending only each tile's box (at 2000x1500 the
    whole-frame blend cost more than the decode)."""
    for x, y in positions:
        left, top = max(0, x), max(0, y)
        right, bottom = min(x + tile.width, image.width), min(y + tile.height, image.height)
        box = image.crop(left, top, right - left, bottom - top)
        part = tile.crop(left - x, top - y, right - left, bottom - top)
        image = image.insert(_composite_whole(box, [part], [0], [0]), left, top)
    return image


def pillow_composite(image: Image.Image, action: Composite) -> Image.Image:
    import numpy as np

    tile_array = np.ascontiguousarray(action.tile, dtype=np.uint8)
    th, tw = tile_array.shape[:2]
    positions = visible_positions(action.positions, (tw, th), image.size)
    if not positions:
        return image
    tile = Image.fromarray(tile_array, "RGBA")
    # In place: the executor owns each frame and drops it once the action returns (a copy of a
    # 2000x1500 frame cost a third of the work of a text watermark).
    if image.mode == "RGBA":
        base = image
        for x, y in positions:
            # alpha_composite wants a non-negative destination: clip the tile instead.
            src_x, src_y = max(0, -x), max(0, -y)
            base.alpha_composite(tile, dest=(max(0, x), max(0, y)), source=(src_x, src_y))
        return base
    # An opaque frame: only each tile's box goes through RGBA and back (the whole frame's
    # conversions cost more than the blend on a small watermark).
    result = image
    width, height = image.size
    for x, y in positions:
        left, top = max(0, x), max(0, y)
        right, bottom = min(x + tw, width), min(y + th, height)
        box = result.crop((left, top, right, bottom)).convert("RGBA")
        source = (left - x, top - y, right - x, bottom - y)
        box.alpha_composite(tile, source=source)
        result.paste(box.convert("RGB"), (left, top))
    return result
