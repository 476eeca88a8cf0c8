"""Pillow backend: the fallback where libvips lacks a codec (BMP) or is not importable.

Shrink-on-load uses JPEG `draft` (DCT scaling); every image is converted to RGB or RGBA first.
"""

from __future__ import annotations

import io
import warnings
from typing import Any

import numpy as np
import pillow_heif
from PIL import Image

from ciimage.decode_errors import decode_error
from ciimage.errors import ImageError
from ciimage.header import MAX_PIXELS
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

# CI's own pixel limit is checked from the header before decoding; Pillow's lower default
# bomb limit would refuse images CI accepts.
Image.MAX_IMAGE_PIXELS = MAX_PIXELS

_STEPS: dict[type, Any] = {
    Resize: resize.pillow_resize,
    Extract: crop.pillow_extract,
    Embed: crop.pillow_embed,
    Mask: radius.pillow_mask,
    Turn: rotate.pillow_turn,
    Orient: rotate.pillow_orient,
    Mirror: rotate.pillow_mirror,
    Adjust: adjust.pillow_adjust,
}

# HEIF (HEVC) decoding comes from pillow-heif; libvips here can only read AVIF.
pillow_heif.register_heif_opener()

_DECODE_ERRORS = (OSError, SyntaxError, ValueError, Image.DecompressionBombError, EOFError)


class PillowBackend(Backend):
    name = "pillow"
    readable = frozenset({"jpg", "png", "gif", "webp", "bmp", "avif", "heif"})

    def load(
        self, context: ExecutionContext, first_resize: Resize | None, sequential: bool
    ) -> Image.Image:
        header = context.header
        if header.format not in self.readable:
            raise ImageError(f"the Pillow backend cannot read {header.format} input")
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                image = Image.open(io.BytesIO(context.source))
                if first_resize is not None and image.format == "JPEG":
                    image.draft(image.mode, (first_resize.width, first_resize.height))
                image.load()
                return _to_rgb(image)
        except _DECODE_ERRORS as exc:
            raise decode_error(header.format, exc) from exc

    def size(self, image: Image.Image) -> tuple[int, int]:
        return image.size

    def apply(self, image: Image.Image, action: Action, context: ExecutionContext) -> Any:
        if isinstance(action, FaceCrop):
            return scrop.apply_face_crop(self, image, action, context)
        if isinstance(action, Overlay):
            return watermark.pillow_overlay(image, action, context.resolver)
        return _STEPS[type(action)](image, action)

    def rgb_array(self, image: Image.Image, max_side: int) -> tuple[np.ndarray, float]:
        factor = min(1.0, max_side / max(image.size))
        small = image.convert("RGB")
        if factor < 1.0:
            target = (max(1, round(image.width * factor)), max(1, round(image.height * factor)))
            small = small.resize(target, Image.Resampling.BILINEAR)
        return np.asarray(small, dtype=np.uint8), small.width / image.width

    def encode(
        self, image: Image.Image, settings: OutputSettings, context: ExecutionContext
    ) -> Any:
        from ciimage.imaging.encode import encode_pillow

        return encode_pillow(
            image,
            settings,
            metadata=context.metadata,
            source=context.source,
            source_format=context.header.format,
            orientation_applied=context.orientation_applied,
        )


def _to_rgb(image: Image.Image) -> Image.Image:
    has_alpha = image.mode in ("RGBA", "LA", "PA", "RGBa", "La") or "transparency" in image.info
    if image.mode.startswith("I;16") or image.mode == "I":
        # 16-bit greyscale: keep the high byte, as an 8-bit conversion would.
        array = np.asarray(image, dtype=np.uint32) >> 8
        image = Image.fromarray(array.astype(np.uint8), "L")
    target = "RGBA" if has_alpha else "RGB"
    return image if image.mode == target else image.convert(target)
