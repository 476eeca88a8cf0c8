"""Pure size arithmetic shared by the planner: ImageMagick geometry, gravity, imageView2 modes.

Every function here takes and returns integers (sizes, offsets); none touches pixels. Scale factors
are exact fractions so that "round half up" means what it says, not what a float happens to hold.
"""

from __future__ import annotations

import math
from fractions import Fraction

from ciimage.errors import RuleError
from ciimage.rules.ast import GeometryKind, Gravity, ThumbnailGeometry

Size = tuple[int, int]


def round_half_up(value: Fraction) -> int:
    """ImageMagick's `floor(x + 0.5)`, never below 1 (a side of 0 pixels is not an image)."""
    return max(1, math.floor(value + Fraction(1, 2)))


def scale_size(width: int, height: int, factor: Fraction) -> Size:
    return round_half_up(width * factor), round_half_up(height * factor)


def thumbnail_size(geometry: ThumbnailGeometry, width: int, height: int) -> Size:
    """The output size of `-thumbnail <geometry>` on a `width` x `height` image (addendum 9)."""
    kind = geometry.kind
    box_w, box_h = geometry.width, geometry.height
    if kind is GeometryKind.SCALE:
        return scale_size(width, height, Fraction(_need(geometry.percent), 100))
    if kind is GeometryKind.SCALE_WIDTH:
        return round_half_up(Fraction(width * _need(geometry.percent), 100)), height
    if kind is GeometryKind.SCALE_HEIGHT:
        return width, round_half_up(Fraction(height * _need(geometry.percent), 100))
    if kind is GeometryKind.WIDTH:
        return _need(box_w), round_half_up(Fraction(height * _need(box_w), width))
    if kind is GeometryKind.HEIGHT:
        return round_half_up(Fraction(width * _need(box_h), height)), _need(box_h)
    if kind is GeometryKind.EXACT:
        return _need(box_w), _need(box_h)
    if kind is GeometryKind.AREA:
        return area_size(width, height, _need(geometry.area))
    fit = min(Fraction(_need(box_w), width), Fraction(_need(box_h), height))
    if kind is GeometryKind.FIT:
        return scale_size(width, height, fit)
    if kind is GeometryKind.COVER:
        return scale_size(width, height, max(Fraction(box_w, width), Fraction(box_h, height)))
    if kind is GeometryKind.SHRINK:
        return scale_size(width, height, fit) if fit < 1 else (width, height)
    if kind is GeometryKind.ENLARGE:
        return scale_size(width, height, fit) if fit > 1 else (width, height)
    raise RuleError(f"unknown thumbnail geometry {kind!r}", parameter="thumbnail")


def area_size(width: int, height: int, area: int) -> Size:
    """`N@`: scale by sqrt(N / (w*h)) and truncate, as ImageMagick does (it enlarges too).

    floor(w * sqrt(N / (w h))) = isqrt(floor(w N / h)), computed exactly in integers.
    """
    return max(1, math.isqrt(width * area // height)), max(1, math.isqrt(height * area // width))


def _need(value: int | None) -> int:
    if value is None:
        raise RuleError("thumbnail geometry is missing a size", parameter="thumbnail")
    return value


# ---- gravity ----


def gravity_offset(
    gravity: Gravity,
    outer: Size,
    inner: Size,
    dx: int = 0,
    dy: int = 0,
    *,
    ignore_axes: bool = True,
) -> tuple[int, int]:
    """Top-left of an `inner` box placed in `outer` at `gravity`, offsets measured inward.

    ImageMagick's GravityAdjustGeometry centres with `outer/2 - inner/2` (integer halves). With
    `ignore_axes` (CI's rule, addendum 13) centre ignores both offsets, north/south ignore dx and
    west/east ignore dy; without it (the advanced crop) every offset applies as in ImageMagick.
    """
    (ow, oh), (iw, ih) = outer, inner
    name = gravity.value
    if "west" in name:
        x = dx
    elif "east" in name:
        x = ow - iw - dx
    else:
        x = ow // 2 - iw // 2 + (0 if ignore_axes else dx)
    if name.startswith("north"):
        y = dy
    elif name.startswith("south"):
        y = oh - ih - dy
    else:
        y = oh // 2 - ih // 2 + (0 if ignore_axes else dy)
    return x, y


def clip_rectangle(left: int, top: int, width: int, height: int, bounds: Size) -> tuple[int, ...]:
    """Intersect a rectangle with the image; an empty intersection is a rule error."""
    right = min(left + width, bounds[0])
    bottom = min(top + height, bounds[1])
    left, top = max(0, left), max(0, top)
    if right <= left or bottom <= top:
        raise RuleError(
            f"the region {width}x{height} at ({left}, {top}) lies outside the "
            f"{bounds[0]}x{bounds[1]} image; it must overlap the image",
            parameter="crop",
        )
    return left, top, right - left, bottom - top


# ---- rotation ----


def rotated_size(width: int, height: int, degrees: int) -> Size:
    """The bounding box of the image turned by `degrees` (ImageMagick `-rotate` expands the canvas).

    Sides are rounded up (with a small tolerance for float noise) so no corner is cut off.
    """
    turn = degrees % 360
    if turn in (0, 180):
        return width, height
    if turn in (90, 270):
        return height, width
    radians = math.radians(turn)
    cos, sin = abs(math.cos(radians)), abs(math.sin(radians))
    return (
        max(1, math.ceil(width * cos + height * sin - 1e-6)),
        max(1, math.ceil(width * sin + height * cos - 1e-6)),
    )


# ---- imageView2 ----


def view_geometry(mode: int, box_w: int | None, box_h: int | None, size: Size) -> tuple[Size, Size]:
    """imageView2 mode 1-5: (scaled size, final size after the centre crop). Never enlarges (11)."""
    width, height = size
    if box_w is None and box_h is None:
        return size, size
    if mode == 2:
        factors = [Fraction(v, s) for v, s in ((box_w, width), (box_h, height)) if v is not None]
        scaled = scale_size(width, height, min(min(factors), Fraction(1)))
        return scaled, scaled
    # Modes 1, 3, 4, 5: one value given means both sides take it.
    first = box_w if box_w is not None else box_h
    second = box_h if box_h is not None else box_w
    assert first is not None and second is not None
    if mode in (1, 3):
        factor = max(Fraction(first, width), Fraction(second, height))
        scaled = scale_size(width, height, min(factor, Fraction(1)))
        if mode == 3:
            return scaled, scaled
        return scaled, (min(first, scaled[0]), min(second, scaled[1]))
    if mode in (4, 5):
        long_side, short_side = (height, width) if height >= width else (width, height)
        factor = max(Fraction(first, long_side), Fraction(second, short_side))
        scaled = scale_size(width, height, min(factor, Fraction(1)))
        if mode == 4:
            return scaled, scaled
        # Crop to LongEdge x ShortEdge in the image's own orientation (a square counts as portrait).
        target = (second, first) if height >= width else (first, second)
        return scaled, (min(target[0], scaled[0]), min(target[1], scaled[1]))
    raise RuleError(f"imageView2 mode {mode} is not one of 1-5", parameter="mode")
