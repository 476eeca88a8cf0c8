"""Watermark placement geometry: pure integer arithmetic on sizes, no pixels.

Sizes are `(width, height)`, points are `(x, y)` top-left corners in image coordinates.
"""

from __future__ import annotations

import math

from ciimage.imaging.geometry import gravity_offset
from ciimage.rules.ast import Gravity

Size = tuple[int, int]
Point = tuple[int, int]

# A batch tile is packed with copies of itself until it is at least this wide and tall, so a
# small text on a large image becomes a few hundred composites rather than hundreds of thousands.
MIN_PACKED_TILE_SIDE = 512


def round_half_up(value: float) -> int:
    return math.floor(value + 0.5)


def gravity_position(gravity: Gravity, canvas: Size, box: Size, dx: int, dy: int) -> Point:
    """Top-left corner of a `box` placed on `canvas` at `gravity` (addendum ruling 13).

    dx/dy are margins measured inward from the gravity's edges: for southeast, dx from the right
    edge and dy from the bottom. The centred axis ignores its offset. This is the same gravity as
    crops and pads use (`ciimage.imaging.geometry.gravity_offset`), centring as ImageMagick does.
    """
    return gravity_offset(gravity, canvas, box, dx, dy)


def scaled_size(size: Size, canvas: Size, scatype: int | None, spcent: int | None) -> Size:
    """The watermark size after `scatype`/`spcent` (permille of the input's side or area).

    scatype 1: width = canvas width x spcent/1000; 2: height = canvas height x spcent/1000;
    3: area = canvas area x spcent/1000. The aspect ratio is kept; sides round half up, at least 1.
    Without both parameters the size is unchanged.
    """
    if scatype is None or spcent is None:
        return size
    width, height = size
    canvas_width, canvas_height = canvas
    ratio = spcent / 1000
    if scatype == 1:
        factor = canvas_width * ratio / width
    elif scatype == 2:
        factor = canvas_height * ratio / height
    elif scatype == 3:
        factor = math.sqrt(canvas_width * canvas_height * ratio / (width * height))
    else:
        raise ValueError(f"scatype must be 1, 2 or 3, not {scatype}")
    return max(1, round_half_up(width * factor)), max(1, round_half_up(height * factor))


def fit_size(size: Size, bounds: Size) -> Size:
    """`blogo/1`: the largest size with `size`'s aspect inside `bounds`; unchanged if it fits."""
    width, height = size
    bound_width, bound_height = bounds
    if width <= bound_width and height <= bound_height:
        return size
    factor = min(bound_width / width, bound_height / height)
    return (
        max(1, min(bound_width, round_half_up(width * factor))),
        max(1, min(bound_height, round_half_up(height * factor))),
    )


def crop_size(size: Size, bounds: Size) -> Size:
    """`blogo/2`: each side cut down to the image's (the crop keeps the top-left corner)."""
    return min(size[0], bounds[0]), min(size[1], bounds[1])


def rotated_bounds(size: Size, degrees: float) -> Size:
    """The axis-aligned box around a `size` rectangle turned by `degrees`."""
    width, height = size
    radians = math.radians(degrees)
    cosine, sine = abs(math.cos(radians)), abs(math.sin(radians))
    # Snap float noise (cos 90 = 6e-17) so right angles give exact swapped sizes.
    rotated_width = width * cosine + height * sine
    rotated_height = width * sine + height * cosine
    return math.ceil(round(rotated_width, 6)), math.ceil(round(rotated_height, 6))


def tile_step(tile: Size, spacing: int) -> Size:
    """Distance between neighbouring batch tiles: the tile plus `spacing` percent of it as a gap."""
    width, height = tile
    return (
        width + round_half_up(width * spacing / 100),
        height + round_half_up(height * spacing / 100),
    )


def packing_factors(step: Size, canvas: Size) -> Size:
    """How many tiles across and down make one packed tile (see MIN_PACKED_TILE_SIDE).

    Never more than the canvas needs, so a packed tile is at most about one canvas in size.
    """
    factors = []
    for step_side, canvas_side in zip(step, canvas, strict=True):
        wanted = max(1, math.ceil(MIN_PACKED_TILE_SIDE / step_side))
        needed = max(1, math.ceil(canvas_side / step_side) + 1)
        factors.append(min(wanted, needed))
    return factors[0], factors[1]


def _axis_origins(anchor: int, step: int, length: int, canvas_side: int) -> list[int]:
    # The leftmost origin congruent to the anchor whose tile still reaches into the canvas.
    first = anchor - math.floor((anchor + length - 1) / step) * step
    return list(range(first, canvas_side, step))


def tile_origins(canvas: Size, tile: Size, anchor: Point, step: Size) -> list[Point]:
    """Top-left corners of a grid of `tile`s with period `step` through `anchor` that covers canvas.

    Only tiles that overlap the canvas are listed, row by row from the top.
    """
    xs = _axis_origins(anchor[0], step[0], tile[0], canvas[0])
    ys = _axis_origins(anchor[1], step[1], tile[1], canvas[1])
    return [(x, y) for y in ys for x in xs]


def clip_to_canvas(origin: Point, size: Size, canvas: Size) -> tuple[Point, Point, Size] | None:
    """The part of a box at `origin` that lies on the canvas.

    Returns (offset inside the box, origin on the canvas, size) or None when nothing overlaps.
    """
    left = max(origin[0], 0)
    top = max(origin[1], 0)
    right = min(origin[0] + size[0], canvas[0])
    bottom = min(origin[1] + size[1], canvas[1])
    if right <= left or bottom <= top:
        return None
    return (left - origin[0], top - origin[1]), (left, top), (right - left, bottom - top)


def shadow_offset(fontsize: int) -> int:
    """How far the text shadow falls right and down: about a twelfth of the font size, >= 1 px."""
    return max(1, round_half_up(fontsize / 12))
