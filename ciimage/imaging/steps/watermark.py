"""Watermark stages: `ciimage.watermark.build_overlay` draws the tile, the backend composites it.

The tile is RGBA with straight alpha and dissolve already applied; it is composited "over" at
every placement, including placements partly outside the image (they are clipped).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pyvips
from PIL import Image

from ciimage.errors import CIError
from ciimage.imaging.plan import Overlay


def build_overlay(action: Overlay, width: int, height: int, resolver: Any) -> Any:
    try:
        from ciimage.watermark import build_overlay as build
    except ImportError as exc:
        raise CIError("watermarks are not available in this build of ciimage") from exc
    if resolver is None:
        from ciimage.watermark.resolver import default_resolver

        resolver = default_resolver()
    return build(action.node, width, height, resolver)


def _visible(positions: list[tuple[int, int]], tile: np.ndarray, size: tuple[int, int]) -> list:
    th, tw = tile.shape[:2]
    return [
        (x, y) for x, y in positions if x < size[0] and y < size[1] and x + tw > 0 and y + th > 0
    ]


def vips_overlay(image: pyvips.Image, action: Overlay, resolver: Any) -> pyvips.Image:
    overlay = build_overlay(action, image.width, image.height, resolver)
    tile = np.ascontiguousarray(overlay.tile, dtype=np.uint8)
    positions = _visible(list(overlay.positions), tile, (image.width, image.height))
    if not positions:
        return image
    th, tw = tile.shape[:2]
    tile_image = pyvips.Image.new_from_memory(tile.tobytes(), tw, th, 4, "uchar").copy(
        interpretation="srgb"
    )
    had_alpha = image.bands == 4
    base = image if had_alpha else image.bandjoin_const([255])
    result = base.composite(
        [tile_image] * len(positions),
        ["over"] * len(positions),
        x=[p[0] for p in positions],
        y=[p[1] for p in positions],
    ).cast("uchar")
    return result if had_alpha else result[0:3]


def pillow_overlay(image: Image.Image, action: Overlay, resolver: Any) -> Image.Image:
    overlay = build_overlay(action, image.width, image.height, resolver)
    tile_array = np.ascontiguousarray(overlay.tile, dtype=np.uint8)
    positions = _visible(list(overlay.positions), tile_array, image.size)
    if not positions:
        return image
    tile = Image.fromarray(tile_array, "RGBA")
    had_alpha = image.mode == "RGBA"
    base = image.convert("RGBA")
    for x, y in positions:
        # alpha_composite wants a non-negative destination: clip the tile instead.
        src_x, src_y = max(0, -x), max(0, -y)
        base.alpha_composite(tile, dest=(max(0, x), max(0, y)), source=(src_x, src_y))
    return base if had_alpha else base.convert("RGB")
