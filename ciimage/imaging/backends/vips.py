"""libvips backend: shrink-on-load, sequential access where the plan allows, no operation cache."""

from __future__ import annotations

from typing import Any

import numpy as np
import pyvips

from ciimage.decode_errors import decode_error
from ciimage.errors import ImageError
from ciimage.imaging.backends.base import Backend
from ciimage.imaging.context import ExecutionContext
from ciimage.imaging.output import OutputSettings
from ciimage.imaging.plan import (
    Action,
    Adjust,
    Embed,
    Extract,
    FaceCrop,
    Mask,
    Mirror,
    Orient,
    Overlay,
    Resize,
    Turn,
)
from ciimage.imaging.steps import adjust, crop, radius, resize, rotate, scrop, watermark

# Each call decodes fresh bytes; caching operations would only hold memory.
pyvips.cache_set_max(0)

_LOAD_OPTIONS = "fail_on=error"

_STEPS: dict[type, Any] = {
    Resize: resize.vips_resize,
    Extract: crop.vips_extract,
    Embed: crop.vips_embed,
    Mask: radius.vips_mask,
    Turn: rotate.vips_turn,
    Orient: rotate.vips_orient,
    Mirror: rotate.vips_mirror,
    Adjust: adjust.vips_adjust,
}


class VipsBackend(Backend):
    name = "vips"
    readable = frozenset({"jpg", "png", "gif", "webp", "avif", "svg"})

    def load(
        self, context: ExecutionContext, first_resize: Resize | None, sequential: bool
    ) -> pyvips.Image:
        header = context.header
        if header.format not in self.readable:
            raise ImageError(f"the libvips backend cannot read {header.format} input")
        try:
            if first_resize is not None and _shrinks(first_resize, header.width, header.height):
                image = pyvips.Image.thumbnail_buffer(
                    context.source,
                    first_resize.width,
                    height=first_resize.height,
                    size="force",
                    no_rotate=True,
                    option_string=_LOAD_OPTIONS,
                )
            else:
                access = "sequential" if sequential else "random"
                image = pyvips.Image.new_from_buffer(
                    context.source, "", access=access, fail_on="error"
                )
            return _to_srgb8(image)
        except pyvips.Error as exc:
            raise decode_error(header.format, exc) from exc

    def size(self, image: pyvips.Image) -> tuple[int, int]:
        return image.width, image.height

    def apply(self, image: pyvips.Image, action: Action, context: ExecutionContext) -> Any:
        if isinstance(action, FaceCrop):
            return scrop.apply_face_crop(self, image, action, context)
        if isinstance(action, Overlay):
            return watermark.vips_overlay(image, action, context.resolver)
        try:
            return _STEPS[type(action)](image, action)
        except pyvips.Error as exc:
            raise decode_error(context.header.format, exc) from exc

    def rgb_array(self, image: pyvips.Image, max_side: int) -> tuple[np.ndarray, float]:
        factor = min(1.0, max_side / max(image.width, image.height))
        small = image if factor == 1.0 else image.resize(factor)
        small = small[0:3] if small.bands == 4 else small
        try:
            array = small.numpy()
        except pyvips.Error as exc:
            raise decode_error(None, exc) from exc
        return np.ascontiguousarray(array, dtype=np.uint8), small.width / image.width

    def encode(
        self, image: pyvips.Image, settings: OutputSettings, context: ExecutionContext
    ) -> Any:
        from ciimage.imaging.encode import encode_vips

        try:
            return encode_vips(
                image,
                settings,
                metadata=context.metadata,
                source=context.source,
                source_format=context.header.format,
                orientation_applied=context.orientation_applied,
            )
        except pyvips.Error as exc:
            # Sequential decoding runs inside the encoder: a truncated file surfaces here.
            raise decode_error(context.header.format, exc) from exc


def _shrinks(action: Resize, width: int, height: int) -> bool:
    return action.width < width and action.height < height


def _to_srgb8(image: pyvips.Image) -> pyvips.Image:
    """Every step works on 8-bit sRGB with 3 bands, or 4 with alpha."""
    ready = image.interpretation == "srgb" and image.format == "uchar" and image.bands in (3, 4)
    if not ready:
        if image.interpretation == "cmyk" or image.bands in (1, 2) or image.format != "uchar":
            image = image.colourspace("srgb")
        if image.format != "uchar":
            image = image.cast("uchar")
        if image.bands > 4:
            image = image[0:4]
    return image
