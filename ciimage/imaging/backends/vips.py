"""libvips backend: shrink-on-load, sequential access where the plan allows, no operation cache.

An animated input is loaded as libvips' vertical strip of pages (random access: per-frame work
reads pages out of order) and split into one lazy crop per frame; `join` puts the frames back
into a strip with the plan's delays and loop.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pyvips

from ciimage.decode_errors import decode_error
from ciimage.header import ImageHeader
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
from ciimage.imaging.steps import adjust, crop, radius, resize, rotate, watermark

# Each call decodes fresh bytes; caching operations would only hold memory.
pyvips.cache_set_max(0)


def _python_logs_warnings_only() -> None:
    """Route only libvips' messages, warnings and errors to Python's logging.

    pyvips forwards every libvips log level to Python; libvips logs each finished thread pool at
    INFO, so a thumbnail makes ~14 calls into Python from libvips' worker threads, each waiting
    for the GIL. With 2 images at once that cost 16-19 % of the library's images/s (fit-in 512
    of 2000x1500, issue 14). INFO and DEBUG now go to GLib's default handler, which drops them
    unless G_MESSAGES_DEBUG asks for them.
    """
    handler = getattr(pyvips, "_log_handler_id", None)
    callback = getattr(pyvips, "_log_handler_cb", None)
    if not handler or callback is None:
        return  # a pyvips without its module-level handler: nothing to narrow
    flags = pyvips.GLogLevelFlags
    levels = (
        flags.LEVEL_MESSAGE
        | flags.LEVEL_WARNING
        | flags.LEVEL_CRITICAL
        | flags.LEVEL_ERROR
        | flags.FLAG_FATAL
        | flags.FLAG_RECURSION
    )
    pyvips.glib_lib.g_log_remove_handler(b"VIPS", handler)
    # pyvips removes the handler named here at exit, as it would its own.
    pyvips._log_handler_id = pyvips.glib_lib.g_log_set_handler(
        b"VIPS", levels, callback, pyvips.ffi.NULL
    )


_python_logs_warnings_only()

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
    Composite: watermark.vips_composite,
}


class VipsBackend(Backend):
    name = "vips"
    label = "libvips"

    def load(self, data: bytes, source: Source) -> list[pyvips.Image]:
        header = source.header
        self.check_readable(header)
        pages = max(source.frame_indices) + 1
        try:
            strip = _load_strip(data, source, pages)
            page_height = strip.height // pages if pages > 1 else strip.height
            if not _loads_as_srgb8(header):
                strip = _to_srgb8(strip)
        except pyvips.Error as exc:
            raise decode_error(header.format, exc) from exc
        if pages == 1 or source.whole_strip:
            return [strip]
        return [
            strip.crop(0, i * page_height, strip.width, page_height) for i in source.frame_indices
        ]

    def size(self, frame: pyvips.Image) -> tuple[int, int]:
        return frame.width, frame.height

    def apply_native(self, frame: pyvips.Image, action: Action) -> pyvips.Image:
        try:
            return _STEPS[type(action)](frame, action)
        except pyvips.Error as exc:
            raise decode_error(None, exc) from exc

    def to_array(self, frame: pyvips.Image) -> np.ndarray:
        try:
            array = frame.numpy()
        except pyvips.Error as exc:
            raise decode_error(None, exc) from exc
        if array.ndim == 2:
            array = array[:, :, None]
        return np.ascontiguousarray(array, dtype=np.uint8)

    def from_array(self, array: np.ndarray) -> pyvips.Image:
        array = np.ascontiguousarray(array, dtype=np.uint8)
        height, width = array.shape[:2]
        bands = 1 if array.ndim == 2 else array.shape[2]
        image = pyvips.Image.new_from_memory(array.tobytes(), width, height, bands, "uchar")
        return image.copy(interpretation="srgb" if bands >= 3 else "b-w")

    def rgb_array(self, frame: pyvips.Image, max_side: int) -> tuple[np.ndarray, float]:
        factor = min(1.0, max_side / max(frame.width, frame.height))
        small = frame if factor == 1.0 else frame.resize(factor)
        small = small[0:3] if small.bands == 4 else small
        return self.to_array(small), small.width / frame.width

    def join(self, frames: list[pyvips.Image], animation: Animation | None) -> pyvips.Image:
        if animation is None:
            return frames[0]
        count = len(animation.delays)
        # One frame holding several: the strip itself (Source.whole_strip).
        page_height = frames[0].height // count if len(frames) == 1 else frames[0].height
        strip = pyvips.Image.arrayjoin(frames, across=1) if len(frames) > 1 else frames[0]
        strip = strip.copy()
        strip.set_type(pyvips.GValue.gint_type, "page-height", page_height)
        strip.set_type(pyvips.GValue.gint_type, "n-pages", count)
        strip.set_type(pyvips.GValue.array_int_type, "delay", list(animation.delays))
        strip.set_type(pyvips.GValue.gint_type, "loop", animation.loop)
        return strip

    def encode(self, image: pyvips.Image, request: EncodeRequest, source: bytes) -> Any:
        from ciimage.imaging.encode import encode_vips

        try:
            return encode_vips(
                image,
                request.settings,
                metadata=request.metadata,
                source=source,
                source_format=request.source_format,
                orientation_applied=request.orientation_applied,
                animation=request.animation,
            )
        except pyvips.Error as exc:
            # Sequential decoding runs inside the encoder: a truncated file surfaces here.
            raise decode_error(request.source_format, exc) from exc


def _load_strip(data: bytes, source: Source, pages: int) -> pyvips.Image:
    header = source.header
    shrink = source.shrink_to
    page_option = f",n={pages}" if pages > 1 else ""
    dct_scale = _jpeg_dct_scale(source, pages)
    if dct_scale > 1:
        # The Resize that follows makes the exact size from the DCT-scaled decode.
        access = "sequential" if source.sequential else "random"
        return pyvips.Image.new_from_buffer(
            data, "", shrink=dct_scale, access=access, fail_on="error"
        )
    if shrink is not None and _shrinks(shrink, header.width, header.height):
        # thumbnail keeps each page whole (the height is the page height) and premultiplies alpha.
        return pyvips.Image.thumbnail_buffer(
            data,
            shrink.width,
            height=shrink.height,
            size="force",
            no_rotate=True,
            option_string=_LOAD_OPTIONS + page_option,
        )
    # A strip processed whole is read top to bottom once: sequential keeps only a few pages
    # decoded (a random-access 300-page 960x720 GIF holds 830 MB).
    one_pass = pages == 1 or source.whole_strip
    access = "sequential" if source.sequential and one_pass else "random"
    options: dict[str, Any] = {"access": access, "fail_on": "error"}
    if pages > 1:
        options["n"] = pages
    return pyvips.Image.new_from_buffer(data, "", **options)


def _jpeg_dct_scale(source: Source, pages: int) -> int:
    """The JPEG DCT scale (2, 4 or 8; 1 for none) that decodes an RGB JPEG to at least the first
    resize's size, as Pillow's `draft` does, when it is larger than the one libvips' thumbnail
    would use.

    thumbnail keeps a factor of 2 or more for its own resize, so a 2000x1500 JPEG fitted into
    512x512 (3.9x) is decoded whole; decoding at 1/2 and resizing 1.95x cost 22 against 31 ms
    CPU for 0.07 dB PSNR against a full-size Lanczos resize (issue 14, the server benchmark's
    work). CMYK and grey JPEGs keep thumbnail's own colour handling."""
    header, shrink = source.header, source.shrink_to
    if shrink is None or header.format != "jpg" or header.bands != 3 or pages > 1:
        return 1
    factor = min(header.width / shrink.width, header.height / shrink.height)
    for scale in (8, 4, 2):
        fits = (
            -(-header.width // scale) >= shrink.width
            and -(-header.height // scale) >= shrink.height
        )
        if fits:
            return scale if factor < 2 * scale else 1  # else thumbnail's own choice is as large
    return 1


def _shrinks(action: Resize, width: int, height: int) -> bool:
    return action.width < width and action.height < height


def _loads_as_srgb8(header: ImageHeader) -> bool:
    """An 8-bit three-component JPEG: libvips' loader makes 8-bit sRGB, so `_to_srgb8` has nothing
    to do and its three property reads (~35 us) are skipped."""
    return header.format == "jpg" and header.bands == 3 and header.bit_depth == 8


def _to_srgb8(image: pyvips.Image) -> pyvips.Image:
    """Every step works on 8-bit sRGB with 3 bands, or 4 with alpha (`_loads_as_srgb8` names the
    inputs libvips already loads that way, which skip this)."""
    ready = image.interpretation == "srgb" and image.format == "uchar" and image.bands in (3, 4)
    if not ready:
        if image.interpretation == "cmyk" or image.bands in (1, 2) or image.format != "uchar":
            image = image.colourspace("srgb")
        if image.format != "uchar":
            image = image.cast("uchar")
        if image.bands > 4:
            image = image[0:4]
    return image
