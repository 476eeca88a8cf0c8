"""Pillow backend: the fallback where libvips lacks a codec (BMP, HEIF) or is not importable.

Shrink-on-load uses JPEG `draft` (DCT scaling); every frame is converted to RGB or RGBA first.
Nothing here imports pyvips. Animated frames are read with Pillow's frame seeking (which applies
each frame's disposal), so every frame is the whole canvas.
"""

from __future__ import annotations

import warnings
from typing import TYPE_CHECKING, Any

from PIL import Image

from ciimage.decode_errors import decode_error
from ciimage.errors import ImageError
from ciimage.header import MAX_PIXELS
from ciimage.imaging.actions import (
    Action,
    Adjust,
    Composite,
    Embed,
    Extract,
    Mask,
    Mirror,
    Orient,
    Resize,
    Turn,
)
from ciimage.imaging.backends.base import Animation, Backend, EncodeRequest, Source
from ciimage.imaging.formats import open_with_pillow
from ciimage.imaging.steps import adjust, crop, radius, resize, rotate, watermark

if TYPE_CHECKING:
    import numpy as np

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
    Composite: watermark.pillow_composite,
}

_DECODE_ERRORS = (OSError, SyntaxError, ValueError, Image.DecompressionBombError, EOFError)


class PillowFrames(list):
    """Joined frames for Pillow's encoder, with the animation they form (None: a still)."""

    animation: Animation | None = None


class PillowBackend(Backend):
    name = "pillow"
    label = "Pillow"

    def load(self, data: bytes, source: Source) -> list[Image.Image]:
        header = source.header
        self.check_readable(header)
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                image = open_with_pillow(data)
                if len(source.frame_indices) == 1 and source.frame_indices[0] == 0:
                    shrink = source.shrink_to
                    if shrink is not None and image.format == "JPEG":
                        image.draft(image.mode, (shrink.width, shrink.height))
                    image.load()
                    return [_to_rgb(image, image_has_alpha(image))]
                mode_alpha = header.has_alpha
                frames = []
                for index in source.frame_indices:
                    image.seek(index)
                    image.load()
                    # A copy: seeking reuses the same image object for the next frame.
                    frames.append(_to_rgb(image, mode_alpha or image_has_alpha(image)).copy())
                return _same_mode(frames)
        except _DECODE_ERRORS as exc:
            raise decode_error(header.format, exc) from exc

    def size(self, frame: Image.Image) -> tuple[int, int]:
        return frame.size

    def apply_native(self, frame: Image.Image, action: Action) -> Image.Image:
        return _STEPS[type(action)](frame, action)

    def to_array(self, frame: Image.Image) -> np.ndarray:
        import numpy as np

        array = np.asarray(frame, dtype=np.uint8)
        return array[:, :, None] if array.ndim == 2 else array

    def from_array(self, array: np.ndarray) -> Image.Image:
        import numpy as np

        array = np.ascontiguousarray(array, dtype=np.uint8)
        if array.ndim == 3 and array.shape[2] == 1:
            array = array[:, :, 0]
        modes = {2: "L", 3: "RGB", 4: "RGBA"}
        mode = "L" if array.ndim == 2 else modes.get(array.shape[2])
        if mode is None:
            raise ImageError(f"an array of {array.shape[2]} bands is not an image")
        image = Image.fromarray(array, mode)
        return image.convert("RGB") if mode == "L" else image

    def rgb_array(self, frame: Image.Image, max_side: int) -> tuple[np.ndarray, float]:
        factor = min(1.0, max_side / max(frame.size))
        small = frame.convert("RGB")
        if factor < 1.0:
            target = (max(1, round(frame.width * factor)), max(1, round(frame.height * factor)))
            small = small.resize(target, Image.Resampling.BILINEAR)
        import numpy as np

        return np.asarray(small, dtype=np.uint8), small.width / frame.width

    def join(self, frames: list[Image.Image], animation: Animation | None) -> Any:
        if animation is None:
            return frames[0]
        joined = PillowFrames(frames)
        joined.animation = animation
        return joined

    def encode(self, image: Any, request: EncodeRequest, source: bytes) -> Any:
        from ciimage.imaging.encode import encode_pillow

        frames = list(image) if isinstance(image, PillowFrames) else [image]
        return encode_pillow(
            frames[0],
            request.settings,
            metadata=request.metadata,
            source=source,
            source_format=request.source_format,
            orientation_applied=request.orientation_applied,
            animation=request.animation,
            later_frames=frames[1:],
        )


def image_has_alpha(image: Image.Image) -> bool:
    return image.mode in ("RGBA", "LA", "PA", "RGBa", "La") or "transparency" in image.info


def _to_rgb(image: Image.Image, alpha: bool) -> Image.Image:
    if image.mode.startswith("I;16") or image.mode == "I":
        # 16-bit greyscale: keep the high byte, as an 8-bit conversion would.
        import numpy as np

        array = np.asarray(image, dtype=np.uint32) >> 8
        image = Image.fromarray(array.astype(np.uint8), "L")
    target = "RGBA" if alpha else "RGB"
    return image if image.mode == target else image.convert(target)


def _same_mode(frames: list[Image.Image]) -> list[Image.Image]:
    if any(frame.mode == "RGBA" for frame in frames):
        return [frame if frame.mode == "RGBA" else frame.convert("RGBA") for frame in frames]
    return frames
