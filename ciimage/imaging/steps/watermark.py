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
    had_alpha = image.bands == 4
    base = image if had_alpha else image.bandjoin_const([255])
    result = base.composite(overlays, ["over"] * len(overlays), x=xs, y=ys).cast("uchar")
    return result if had_alpha else result[0:3]


def pillow_composite(image: Image.Image, action: Composite) -> Image.Image:
    import numpy as np

    tile_array = np.ascontiguousarray(action.tile, dtype=np.uint8)
    th, tw = tile_array.shape[:2]
    positions = visible_positions(action.positions, (tw, th), image.size)
    if not positions:
        return image
    tile = Image.fromarray(tile_array, "RGBA")
    if image.mode == "RGBA":
        base = image.copy()
        for x, y in positions:
            # alpha_composite wants a non-negative destination: clip the tile instead.
            src_x, src_y = max(0, -x), max(0, -y)
            base.alpha_composite(tile, dest=(max(0, x), max(0, y)), source=(src_x, src_y))
        return base
    # An opaque frame: only each tile's box goes through RGBA and back (the whole frame's
    # conversions cost more than the blend on a small watermark).
    result = image.copy()
    width, height = image.size
    for x, y in positions:
        left, top = max(0, x), max(0, y)
        right, bottom = min(x + tw, width), min(y + th, height)
        box = result.crop((left, top, right, bottom)).convert("RGBA")
        source = (left - x, top - y, right - x, bottom - y)
        box.alpha_composite(tile, source=source)
        result.paste(box.convert("RGB"), (left, top))
    return result
