"""rotate (any angle, clockwise), auto-orient (EXIF 2-8) and flip.

Quarter turns and mirrors are exact pixel moves. Other angles rotate about the centre onto the
planned bounding box, transparent outside the picture (white once flattened for JPEG; ruling 14).
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

from PIL import Image

from ciimage.imaging.actions import Mirror, Orient, Turn
from ciimage.imaging.steps.alpha import pillow_with_alpha, vips_with_alpha
from ciimage.rules.ast import FlipDirection

if TYPE_CHECKING:
    import pyvips

T = Image.Transpose

_VIPS_QUARTERS = {90: "d90", 180: "d180", 270: "d270"}
_PILLOW_QUARTERS = {90: T.ROTATE_270, 180: T.ROTATE_180, 270: T.ROTATE_90}

# EXIF orientation -> the moves that make the image upright (libvips names), in order.
_VIPS_ORIENT: dict[int, tuple[str, ...]] = {
    2: ("fliphor",),
    3: ("d180",),
    4: ("flipver",),
    5: ("d90", "fliphor"),
    6: ("d90",),
    7: ("d270", "fliphor"),
    8: ("d270",),
}
_PILLOW_ORIENT = {
    2: T.FLIP_LEFT_RIGHT,
    3: T.ROTATE_180,
    4: T.FLIP_TOP_BOTTOM,
    5: T.TRANSPOSE,
    6: T.ROTATE_270,
    7: T.TRANSVERSE,
    8: T.ROTATE_90,
}


def _vips_move(image: pyvips.Image, move: str) -> pyvips.Image:
    if move == "fliphor":
        return image.fliphor()
    if move == "flipver":
        return image.flipver()
    return image.rot(move)


def vips_turn(image: pyvips.Image, action: Turn) -> pyvips.Image:
    if action.degrees in _VIPS_QUARTERS:
        return image.rot(_VIPS_QUARTERS[action.degrees])
    import pyvips

    radians = math.radians(action.degrees)
    cos, sin = math.cos(radians), math.sin(radians)
    image = vips_with_alpha(image)
    # Clockwise on screen (y down): x' = x cos - y sin, y' = x sin + y cos, about the centres.
    return image.affine(
        [cos, -sin, sin, cos],
        oarea=[0, 0, action.width, action.height],
        idx=-image.width / 2,
        idy=-image.height / 2,
        odx=action.width / 2,
        ody=action.height / 2,
        interpolate=pyvips.Interpolate.new("bilinear"),
        background=[0, 0, 0, 0],
        premultiplied=False,
        extend="background",
    )


def pillow_turn(image: Image.Image, action: Turn) -> Image.Image:
    if action.degrees in _PILLOW_QUARTERS:
        return image.transpose(_PILLOW_QUARTERS[action.degrees])
    image = pillow_with_alpha(image)
    turned = image.rotate(-action.degrees, resample=Image.Resampling.BILINEAR, expand=True)
    # Pillow sizes its canvas its own way; centre it on the planned one.
    canvas = Image.new("RGBA", (action.width, action.height), (0, 0, 0, 0))
    canvas.paste(turned, ((action.width - turned.width) // 2, (action.height - turned.height) // 2))
    return canvas


def vips_orient(image: pyvips.Image, action: Orient) -> pyvips.Image:
    for move in _VIPS_ORIENT.get(action.orientation, ()):
        image = _vips_move(image, move)
    return image


def pillow_orient(image: Image.Image, action: Orient) -> Image.Image:
    move = _PILLOW_ORIENT.get(action.orientation)
    return image.transpose(move) if move is not None else image


def vips_mirror(image: pyvips.Image, action: Mirror) -> pyvips.Image:
    return image.flipver() if action.direction is FlipDirection.VERTICAL else image.fliphor()


def pillow_mirror(image: Image.Image, action: Mirror) -> Image.Image:
    vertical = action.direction is FlipDirection.VERTICAL
    return image.transpose(T.FLIP_TOP_BOTTOM if vertical else T.FLIP_LEFT_RIGHT)
