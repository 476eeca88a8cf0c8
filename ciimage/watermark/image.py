"""Watermark image bytes to an RGBA tile, refusing what CI refuses before any pixel is decoded."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
from PIL import UnidentifiedImageError

from ciimage.errors import ImageError, UnsupportedFormatError
from ciimage.header import ImageHeader, read_checked_header
from ciimage.imaging import formats
from ciimage.watermark import raster
from ciimage.watermark.geometry import Size
from ciimage.watermark.raster import RGBA

if TYPE_CHECKING:
    pass


def _decode_with_vips(data: bytes, size: Size | None) -> RGBA:
    import pyvips

    # fail_on="truncated": a cut-off watermark is an error, not a half-grey overlay.
    image = pyvips.Image.new_from_buffer(data, "", access="sequential", fail_on="truncated")
    if image.interpretation not in (pyvips.Interpretation.SRGB, pyvips.Interpretation.B_W):
        image = image.colourspace(pyvips.Interpretation.SRGB)
    if image.format != pyvips.BandFormat.UCHAR:
        image = image.cast(pyvips.BandFormat.UCHAR, shift=image.format == "ushort")
    if image.bands < 3:
        # Grey (with or without alpha) spread to RGB; the alpha band, if any, stays last.
        colour = image.extract_band(0)
        alpha = image.extract_band(1) if image.bands == 2 else None
        image = colour.bandjoin([colour, colour])
        if alpha is not None:
            image = image.bandjoin(alpha)
    if image.bands == 3:
        image = image.bandjoin_const(255)
    image = image.extract_band(0, n=4)
    if size is not None and size != (image.width, image.height):
        # Scaled while streaming, so a large watermark shown small never exists at full size
        # as an array; premultiplied so transparent pixels do not darken the edges.
        scaled = image.premultiply().resize(
            size[0] / image.width, vscale=size[1] / image.height, kernel="lanczos3"
        )
        image = (scaled.unpremultiply() + 0.5).cast(pyvips.BandFormat.UCHAR)
    return np.ascontiguousarray(image.numpy(), dtype=np.uint8)


def _decode_with_pillow(data: bytes) -> RGBA:
    with formats.open_with_pillow(data) as image:
        return np.asarray(image.convert("RGBA"), dtype=np.uint8).copy()


def read_watermark_header(data: bytes) -> ImageHeader:
    """The watermark's header, refusing oversize and animated images before any decoding.

    Input limits (32 MB, 30,000 px a side, 250 million pixels) are CI's input limits; an
    animated image is refused as CI documents ("An animated image cannot be used as a
    watermark").
    """
    header = read_checked_header(data)
    if header.animated:
        raise UnsupportedFormatError(
            f"the watermark image is an animated {header.format} with {header.frames} frames; "
            "CI accepts only still images as watermarks"
        )
    return header


def decode_watermark(
    data: bytes, size: Size | None = None, header: ImageHeader | None = None
) -> RGBA:
    """Decode a still watermark image to straight-alpha RGBA, scaled to exactly `size` if given.

    `header` is `read_watermark_header(data)` when the caller has already read it.
    """
    header = header or read_watermark_header(data)
    library = formats.decoder(header.format)
    if library is None:
        raise UnsupportedFormatError(f"a {header.format} image cannot be used as a watermark")
    try:
        if library == formats.PILLOW:
            tile = _decode_with_pillow(data)
        else:
            tile = _decode_with_vips(data, size)
    except (_vips_error(), UnidentifiedImageError, OSError, ValueError) as error:
        detail = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
        raise ImageError(
            f"the watermark image ({header.format}, {header.width}x{header.height}) "
            f"cannot be decoded: {detail}"
        ) from error
    # libvips may land a pixel short of the requested size; the last step is exact.
    return raster.resize(tile, size) if size is not None else tile


def _vips_error() -> type[Exception]:
    if not formats.vips_available():
        return OSError
    import pyvips

    return pyvips.Error
