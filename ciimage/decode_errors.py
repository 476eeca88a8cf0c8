"""A codec's failure in the words CI would use: the format, truncated or corrupt, CI's code.

libvips and Pillow report damaged input as `unable to call jpegload_buffer`, `vipspng: libpng
read error` or `VipsJpeg: premature end of JPEG image`: true, but not something a person can act
on. `decode_error` turns any of them into an `ImageError` (-443, InvalidImageFormat, as CI
answers an image it cannot read) whose message names the format and says whether the file ends
early or is damaged; the library's own words stay in `detail`, shown by `--verbose`.
"""

from __future__ import annotations

import re

from ciimage.errors import ImageError

FORMAT_NAMES = {
    "jpg": "JPEG",
    "jpeg": "JPEG",
    "png": "PNG",
    "gif": "GIF",
    "webp": "WebP",
    "bmp": "BMP",
    "avif": "AVIF",
    "heif": "HEIF",
    "heic": "HEIC",
    "svg": "SVG",
    "tiff": "TIFF",
}

# Words libvips, libjpeg, libpng, libwebp, giflib, libheif and Pillow use for data that stops.
_TRUNCATED = re.compile(
    r"premature end|truncat|unexpected end|end of (?:file|stream|data)|\beof\b|"
    r"not enough (?:data|image data)|incomplete|short read|ran out|too short|insufficient",
    re.IGNORECASE,
)
# libvips wrapper lines that name only the operation that failed.
_WRAPPER = re.compile(r"^(?:unable to call \S+|\S+: (?:image )?load failed)$", re.IGNORECASE)


def format_name(fmt: str | None) -> str:
    if not fmt:
        return "input"
    return FORMAT_NAMES.get(fmt.lower(), fmt.upper())


def library_words(error: BaseException) -> str:
    """The library's message, one line per reason, the wrapper lines last."""
    text = getattr(error, "detail", None) or str(error) or type(error).__name__
    lines = [line.strip() for line in str(text).splitlines() if line.strip()]
    useful = [line for line in lines if not _WRAPPER.match(line)]
    return "; ".join(useful or lines or [type(error).__name__])


def decode_error(fmt: str | None, error: BaseException) -> ImageError:
    """An ImageError for `error`, raised by a codec on `fmt` data.

    libvips decodes lazily, so a damaged input may first fail while the output is being encoded:
    the input's format is named then too, since the input is what the user can fix."""
    words = library_words(error)
    if _TRUNCATED.search(words):
        problem = "is truncated: the file ends before its image data does"
    else:
        problem = "is truncated or corrupt: its data does not follow the format"
    message = f"the {format_name(fmt)} image {problem}; re-export or re-upload it"
    return ImageError(message, detail=words)
