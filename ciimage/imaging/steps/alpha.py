"""Alpha helpers: steps that leave uncovered area (rotate, radius) need a transparent band."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PIL import Image

if TYPE_CHECKING:
    import pyvips


def vips_with_alpha(image: pyvips.Image) -> pyvips.Image:
    return image if image.bands == 4 else image.bandjoin_const([255])


def pillow_with_alpha(image: Image.Image) -> Image.Image:
    return image if image.mode == "RGBA" else image.convert("RGBA")
