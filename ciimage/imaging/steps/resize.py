"""Resize to an exact size (thumbnail, imageView2 scaling, scrop's scaling): Lanczos 3 on both."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PIL import Image

from ciimage.imaging.actions import Resize

if TYPE_CHECKING:
    import pyvips


def vips_resize(image: pyvips.Image, action: Resize) -> pyvips.Image:
    if (image.width, image.height) == (action.width, action.height):
        return image
    return image.thumbnail_image(action.width, height=action.height, size="force")


def pillow_resize(image: Image.Image, action: Resize) -> Image.Image:
    if image.size == (action.width, action.height):
        return image
    # reducing_gap lets Pillow box-reduce large factors first, as libvips' shrink does.
    return image.resize((action.width, action.height), Image.Resampling.LANCZOS, reducing_gap=3.0)
