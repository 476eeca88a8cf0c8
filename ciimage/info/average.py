"""`?imageAve`: the mean colour of the image, composited on white where it has alpha.

Only the first frame of an animated image counts (it is the frame CI shows as the still image).
libvips computes the mean while streaming the image; formats libvips here cannot read (BMP, HEIF:
see `ciimage.imaging.formats`) go through Pillow and numpy.
"""

from __future__ import annotations

from ciimage.decode_errors import decode_error
from ciimage.errors import UnsupportedFormatError
from ciimage.header import ImageHeader, read_checked_header
from ciimage.imaging.formats import PILLOW, decode_key, decoder, open_with_pillow

_WHITE = 255


def image_ave(data: bytes) -> dict[str, str]:
    """`{"RGB": "0xrrggbb"}`, lowercase hex."""
    return {"RGB": rgb_hex(mean_rgb(data))}


def rgb_hex(rgb: tuple[int, int, int]) -> str:
    return "0x{:02x}{:02x}{:02x}".format(*rgb)


def mean_rgb(data: bytes, header: ImageHeader | None = None) -> tuple[int, int, int]:
    """Mean sRGB colour, each channel rounded half up to 0-255."""
    header = header or read_checked_header(data)
    if header.format == "svg":
        raise UnsupportedFormatError("imageAve needs a raster image; SVG input is only for svgc")
    library = decoder(decode_key(header))
    if library is None:
        raise UnsupportedFormatError(f"imageAve cannot decode {header.format} input")
    means = _pillow_means(data) if library == PILLOW else _vips_means(data, header.format)
    red, green, blue = (min(_WHITE, int(value + 0.5)) for value in means)
    return red, green, blue


def _vips_means(data: bytes, fmt: str) -> tuple[float, float, float]:
    import pyvips

    try:
        # fail_on: libvips otherwise pads truncated data with black and averages that.
        image = pyvips.Image.new_from_buffer(data, "", access="sequential", fail_on="error")
        if image.interpretation == "cmyk" and "icc-profile-data" not in image.get_fields():
            # No profile: ImageMagick's plain conversion, R = (255 - C)(255 - K) / 255, rather
            # than libvips' fallback CMYK profile (which shifts colours noticeably).
            cyan_magenta_yellow, black = image.extract_band(0, n=3), image.extract_band(3)
            image = (255 - cyan_magenta_yellow) * (255 - black) / 255
        elif image.interpretation not in ("srgb", "b-w") or image.format != "uchar":
            # CMYK, 16-bit and greyscale-16 inputs: bring them to 8-bit sRGB first.
            image = image.colourspace("srgb")
        if image.hasalpha():
            image = image.flatten(background=[_WHITE])
        if image.bands == 1:
            level = image.avg()
            return level, level, level
        stats = image.stats()
        # stats() row 0 is all bands together; row b+1 is band b, column 4 its mean.
        return stats(4, 1)[0], stats(4, 2)[0], stats(4, 3)[0]
    except pyvips.Error as exc:
        raise decode_error(fmt, exc) from exc


def _pillow_means(data: bytes) -> tuple[float, float, float]:
    from PIL import Image, UnidentifiedImageError

    try:
        with open_with_pillow(data) as image:
            image.seek(0)
            rgba = image.convert("RGBA")
    except (OSError, ValueError, UnidentifiedImageError, Image.DecompressionBombError) as exc:
        raise decode_error("bmp", exc) from exc
    import numpy as np

    pixels = np.asarray(rgba, dtype=np.float64)
    alpha = pixels[..., 3:4] / 255.0
    flat = pixels[..., :3] * alpha + _WHITE * (1.0 - alpha)
    red, green, blue = flat.reshape(-1, 3).mean(axis=0)
    return float(red), float(green), float(blue)
