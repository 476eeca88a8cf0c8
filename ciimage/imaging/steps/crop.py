"""Rectangles: extract (cut, crop, imageView2 crop, iradius' square) and embed (pad/1)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PIL import Image

from ciimage.imaging.actions import Embed, Extract
from ciimage.imaging.steps.colour import parse_hex_colour

if TYPE_CHECKING:
    import pyvips


def vips_extract(image: pyvips.Image, action: Extract) -> pyvips.Image:
    return image.crop(action.left, action.top, action.width, action.height)


def pillow_extract(image: Image.Image, action: Extract) -> Image.Image:
    box = (action.left, action.top, action.left + action.width, action.top + action.height)
    return image.crop(box)


def vips_embed(image: pyvips.Image, action: Embed) -> pyvips.Image:
    background = list(parse_hex_colour(action.color)) + ([255] if image.bands == 4 else [])
    return image.embed(
        action.left,
        action.top,
        action.width,
        action.height,
        extend="background",
        background=background,
    )


def pillow_embed(image: Image.Image, action: Embed) -> Image.Image:
    colour = parse_hex_colour(action.color)
    fill = (*colour, 255) if image.mode == "RGBA" else colour
    canvas = Image.new(image.mode, (action.width, action.height), fill)
    canvas.paste(image, (action.left, action.top))
    return canvas
