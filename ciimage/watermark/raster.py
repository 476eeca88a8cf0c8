"""Pixel helpers for building watermark tiles: RGBA uint8 arrays with straight alpha.

Resampling goes through Pillow's premultiplied mode ("RGBa") so transparent pixels do not bleed
their (meaningless) colour into the edges of a turned or scaled tile.
"""

from __future__ import annotations

import math

import numpy as np
from PIL import Image

from ciimage.watermark.geometry import Size

RGBA = np.ndarray  # (height, width, 4) uint8, straight alpha


def _premultiplied(tile: RGBA) -> Image.Image:
    return Image.fromarray(tile, "RGBA").convert("RGBa")


def _straight(image: Image.Image) -> RGBA:
    return np.asarray(image.convert("RGBA"), dtype=np.uint8).copy()


def size_of(tile: RGBA) -> Size:
    return int(tile.shape[1]), int(tile.shape[0])


def resize(tile: RGBA, size: Size) -> RGBA:
    """Tile scaled to exactly `size` (Lanczos, like ImageMagick's default for downscaling)."""
    if size_of(tile) == size:
        return tile
    return _straight(_premultiplied(tile).resize(size, Image.Resampling.LANCZOS))


def _rotation_matrix(size: Size, degrees: int) -> tuple[list[float], Size]:
    """Pillow's own `rotate(-degrees, expand=True)` mapping and expanded size, so a window of
    the turned tile can be drawn alone with exactly the pixels the full turn would give."""
    width, height = size
    angle = math.radians(degrees)  # Pillow turns counter-clockwise by -angle
    cosine, sine = round(math.cos(angle), 15), round(math.sin(angle), 15)
    matrix = [cosine, sine, 0.0, -sine, cosine, 0.0]

    def apply(x: float, y: float) -> tuple[float, float]:
        a, b, c, d, e, f = matrix
        return a * x + b * y + c, d * x + e * y + f

    centre_x, centre_y = width / 2.0, height / 2.0
    matrix[2], matrix[5] = apply(-centre_x, -centre_y)
    matrix[2] += centre_x
    matrix[5] += centre_y
    corners = [apply(x, y) for x, y in ((0, 0), (width, 0), (width, height), (0, height))]
    xs, ys = [x for x, _ in corners], [y for _, y in corners]
    new_width = math.ceil(max(xs)) - math.floor(min(xs))
    new_height = math.ceil(max(ys)) - math.floor(min(ys))
    matrix[2], matrix[5] = apply(-(new_width - width) / 2.0, -(new_height - height) / 2.0)
    return matrix, (new_width, new_height)


def rotated_size(size: Size, degrees: int) -> Size:
    """The size `rotate_clockwise` gives a tile of `size`, without turning any pixel."""
    if degrees % 180 == 0:
        return size
    if degrees % 90 == 0:
        return size[1], size[0]
    return _rotation_matrix(size, degrees)[1]


def rotate_clockwise(tile: RGBA, degrees: int) -> RGBA:
    """Tile turned clockwise (ImageMagick `-rotate`), the canvas grown to hold it, corners clear."""
    if degrees % 360 == 0:
        return tile
    if degrees % 90 == 0:
        # Exact for right angles: np.rot90 turns counter-clockwise for positive k.
        return np.ascontiguousarray(np.rot90(tile, k=-(degrees // 90) % 4))
    return rotated_window(tile, degrees, (0, 0), rotated_size(size_of(tile), degrees))


def rotated_window(tile: RGBA, degrees: int, offset: tuple[int, int], size: Size) -> RGBA:
    """The `size` window at `offset` of the clockwise-turned tile, computing only that window.

    A long text turned on a small image needs a few image-sized windows, not the whole turned
    tile, which can be far larger than the image.
    """
    if degrees % 90 == 0:
        x, y = offset
        turned = np.rot90(tile, k=-(degrees // 90) % 4)  # a view: only the window is copied
        return np.ascontiguousarray(turned[y : y + size[1], x : x + size[0]])
    matrix, _ = _rotation_matrix(size_of(tile), degrees)
    a, b, c, d, e, f = matrix
    x, y = offset
    shifted = (a, b, a * x + b * y + c, d, e, d * x + e * y + f)
    window = _premultiplied(tile).transform(
        size, Image.Transform.AFFINE, shifted, Image.Resampling.BICUBIC, fillcolor=(0, 0, 0, 0)
    )
    return _straight(window)


def crop_top_left(tile: RGBA, size: Size) -> RGBA:
    width, height = size
    return np.ascontiguousarray(tile[:height, :width])


def dissolve(tile: RGBA, percent: int) -> RGBA:
    """Alpha scaled by `percent` (CI's dissolve: 100 = as drawn, 50 = half transparent)."""
    if percent >= 100:
        return tile
    result = tile.copy()
    # A 256-entry table: one lookup per pixel instead of widening, scaling and narrowing.
    scaled = ((np.arange(256, dtype=np.uint32) * percent + 50) // 100).astype(np.uint8)
    result[..., 3] = scaled[result[..., 3]]
    return result


def trim(tile: RGBA) -> RGBA:
    """Tile cut to the bounding box of its visible pixels (at least 1x1)."""
    visible = tile[..., 3] > 0
    rows = np.flatnonzero(visible.any(axis=1))
    if rows.size == 0:
        return np.zeros((1, 1, 4), dtype=np.uint8)
    columns = np.flatnonzero(visible.any(axis=0))
    return np.ascontiguousarray(tile[rows[0] : rows[-1] + 1, columns[0] : columns[-1] + 1])


def pack(tile: RGBA, step: Size, factors: Size) -> RGBA:
    """`factors` copies of `tile` across and down at `step` intervals, as one larger tile.

    The packed tile includes the trailing gaps, so it repeats with period step x factors.
    """
    across, down = factors
    if factors == (1, 1):
        return tile
    step_x, step_y = step
    width, height = size_of(tile)
    packed = np.zeros((step_y * down, step_x * across, 4), dtype=np.uint8)
    for row in range(down):
        for column in range(across):
            y, x = row * step_y, column * step_x
            packed[y : y + height, x : x + width] = tile
    return packed


def flatten(tile: RGBA, positions: list[tuple[int, int]], canvas: Size) -> RGBA:
    """Non-overlapping copies of `tile` at `positions` pasted into one canvas-sized tile."""
    canvas_width, canvas_height = canvas
    tile_width, tile_height = size_of(tile)
    layer = np.zeros((canvas_height, canvas_width, 4), dtype=np.uint8)
    for x, y in positions:
        left, top = max(x, 0), max(y, 0)
        right, bottom = min(x + tile_width, canvas_width), min(y + tile_height, canvas_height)
        if right > left and bottom > top:
            layer[top:bottom, left:right] = tile[top - y : bottom - y, left - x : right - x]
    return layer
