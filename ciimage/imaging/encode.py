"""Write the processed pixels as the output file CI would return.

Both backends follow the same steps: choose the metadata to keep, make the pixels fit the format
(alpha flattened on white where the format has none, 8-bit where the format needs it), encode, then
apply `size-limit` (ruling 17). BMP always goes through Pillow (libvips has no BMP saver here) and
HEIF through pillow-heif (its wheel carries an HEVC encoder; libvips' only has AV1). Whatever
happens, the result is a whole file in memory, never a partial one.
"""

from __future__ import annotations

import io
import re
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

from ciimage.decode_errors import decode_error
from ciimage.errors import CIError, UnsupportedFormatError
from ciimage.imaging.jpeg_quality import estimate_jpeg_quality
from ciimage.imaging.metadata import (
    NO_METADATA,
    Metadata,
    reset_orientation,
    with_jpeg_comment,
)
from ciimage.imaging.output import OPAQUE_FORMATS, OutputSettings, normalise_format

if TYPE_CHECKING:
    import numpy as np
    import pyvips
    from PIL import Image as PILImage

    from ciimage.imaging.backends.base import Animation

WHITE = 255
# Fields libvips copies from the input that the output's metadata must not inherit unasked.
_VIPS_METADATA_PREFIXES = ("exif-", "iptc-", "xmp-", "icc-", "png-comment-", "gif-comment")
_VIPS_METADATA_FIELDS = frozenset({"orientation", "jpeg-comment", "gif-comment"})
# libvips and libjpeg-turbo subsample chroma below quality 90 and keep it full from 90 up;
# Pillow is told the same so both backends give the same pixels.
_FULL_CHROMA_FROM_QUALITY = 90
_PNG_COMPRESSION = 6
# AV1/HEVC encoder speed per (format, library), chosen by measurement (docs/semantics.md, "AVIF
# and HEIF encoding", benchmarks/bench_avif.py): the libraries' default speeds took 25 s for a
# 12 MP AVIF on 2 cores. libaom's default tuning at its fast speeds wrote 3x the bytes of its
# slowest speed at the same quality setting; tuned for SSIM the fastest speed writes about what the
# slowest does (1.17x at 1000x750, PSNR no lower) in the same time.
ENCODER_SPEED: dict[tuple[str, str], dict[str, Any]] = {
    # heifsave: effort 0 fastest .. 9 slowest (default 4)
    ("avif", "vips"): {"effort": 0, "tune": "ssim"},
    # Pillow AVIF: speed 10 fastest .. 0 slowest (default 6); libaom options as key/value pairs
    ("avif", "pillow"): {"speed": 10, "advanced": (("tune", "ssim"),)},
    ("heif", "pillow-heif"): {"enc_params": {"preset": "ultrafast"}},  # x265 (default slow)
}
# GIF palettes (docs/semantics.md, "Animated images"). Frames that only moved pixels keep their
# colours: one exact palette per frame. Resampled or filtered frames get libimagequant at effort 1
# without dithering, which measured 6-7x less CPU than the defaults for about 0.7 dB (design
# reference "animated"); every frame is kept even when two come out identical.
_GIF_EXACT = {"interpalette_maxerror": 0.0, "keep_duplicate_frames": True}
_GIF_FAST = {"effort": 1, "dither": 0.0, "keep_duplicate_frames": True}


@dataclass(frozen=True)
class Encoded:
    data: bytes
    format: str
    quality: int | None


# ---- shared decisions ----


def kept_metadata(
    settings: OutputSettings, metadata: Metadata, orientation_applied: bool
) -> Metadata:
    """What the output carries: nothing under `strip`; otherwise the input's, with orientation
    reset when auto-orient already turned the pixels (so viewers do not turn them twice)."""
    if settings.strip:
        return NO_METADATA
    if not orientation_applied or metadata.exif is None:
        return metadata
    return replace(metadata, exif=reset_orientation(metadata.exif), orientation=1)


def _limit_size(encode_at: Callable[[int], bytes], quality: int, limit: int) -> tuple[bytes, int]:
    """Ruling 17: the highest quality not above `quality` whose file fits `limit` bytes.

    File size grows with quality, so a bisection finds it in at most eight encodes. When even
    quality 1 does not fit, the smallest file tried (quality 1) is as close as the rule can get.
    """
    data = encode_at(quality)
    if len(data) <= limit:
        return data, quality
    smallest = (data, quality)
    best: tuple[bytes, int] | None = None
    low, high = 1, quality - 1
    while low <= high:
        middle = (low + high) // 2
        attempt = encode_at(middle)
        if len(attempt) <= limit:
            best = (attempt, middle)
            low = middle + 1
        else:
            smallest = min(smallest, (attempt, middle), key=lambda found: len(found[0]))
            high = middle - 1
    return best if best is not None else smallest


@contextmanager
def _codec_errors(source_format: str) -> Iterator[None]:
    """Report a library failure as a CIError, never a traceback. libvips evaluates lazily, so a
    damaged input may first fail here, while its pixels are being written."""
    try:
        yield
    except CIError:
        raise
    except Exception as error:  # pyvips.Error, OSError, ValueError from the codecs
        raise decode_error(source_format, error) from error


def _finish(
    settings: OutputSettings,
    encoder: Callable[[int | None], bytes],
    *,
    kept: Metadata,
    source: bytes,
    source_format: str,
) -> Encoded:
    comment = kept.comment
    if settings.format == "jpg" and comment:

        def encode_at(quality: int | None) -> bytes:
            return with_jpeg_comment(encoder(quality), comment)
    else:
        encode_at = encoder
    quality = settings.quality
    if settings.size_limit is None or quality is None:
        return Encoded(encode_at(quality), settings.format, quality)
    data, quality = _limit_size(encode_at, quality, settings.size_limit)
    if settings.keep_smaller and source and len(data) >= len(source):
        fmt = normalise_format(source_format)
        return Encoded(source, fmt, estimate_jpeg_quality(source) if fmt == "jpg" else None)
    return Encoded(data, settings.format, quality)


# ---- svgc: optimise the SVG source itself ----

_SVG_COMMENT = re.compile(rb"<!--.*?-->", re.DOTALL)
_SVG_METADATA = re.compile(rb"<metadata\b.*?</metadata>|<metadata\b[^>]*/>", re.DOTALL)
_SVG_NEWLINE_RUN = re.compile(rb"[ \t]*\r?\n\s*")


def compress_svg(source: bytes) -> Encoded:
    """`format/svgc` (ruling 16): the same SVG without comments, `<metadata>` or indentation.

    Line breaks become single spaces, which SVG's default whitespace handling renders the same;
    a document that asks for `xml:space="preserve"` keeps its whitespace.
    """
    text = _SVG_METADATA.sub(b"", _SVG_COMMENT.sub(b"", source))
    if b'xml:space="preserve"' not in text:
        text = _SVG_NEWLINE_RUN.sub(b" ", text).strip()
    return Encoded(text, "svgc", None)


# ---- libvips ----


def _vips_without_metadata(image: pyvips.Image) -> pyvips.Image:
    image = image.copy()
    for name in image.get_fields():
        if name in _VIPS_METADATA_FIELDS or name.startswith(_VIPS_METADATA_PREFIXES):
            image.remove(name)
    return image


def _vips_with_metadata(image: pyvips.Image, kept: Metadata) -> pyvips.Image:
    import pyvips

    if not (kept.exif or kept.icc or kept.xmp):
        return image  # saved with keep=NONE: libvips writes none of the fields it carries
    if _carries(image, kept):
        return image  # the input's own metadata, unchanged: no copy (a pipeline stage) needed
    image = _vips_without_metadata(image)
    if kept.exif:
        image.set_type(pyvips.GValue.blob_type, "exif-data", kept.exif)
        # libvips rewrites the EXIF orientation from this field when it saves.
        image.set_type(pyvips.GValue.gint_type, "orientation", kept.orientation)
    if kept.icc:
        image.set_type(pyvips.GValue.blob_type, "icc-profile-data", kept.icc)
    if kept.xmp:
        image.set_type(pyvips.GValue.blob_type, "xmp-data", kept.xmp)
    return image


def _carries(image: pyvips.Image, kept: Metadata) -> bool:
    """Whether `image` already holds exactly the kept EXIF (and orientation), ICC and XMP: the
    keep flags name only those, so the saver writes nothing else it carries."""
    # get_typeof, not get_fields: one C call instead of a list of every field (~35 us).
    for name, value in (("exif-data", kept.exif), ("icc-profile-data", kept.icc)):
        if value and (not image.get_typeof(name) or bytes(image.get(name)) != value):
            return False
    if kept.xmp:
        return False  # libvips' XMP field may differ in padding: always set ours
    if kept.exif:
        orientation = int(image.get("orientation")) if image.get_typeof("orientation") else 1
        return orientation == kept.orientation
    return True


def _vips_keep_flags(kept: Metadata) -> int:
    # Naming only what is there: with EXIF kept but absent, libvips would write an EXIF block of
    # its own (resolution, size) into a file that had none.
    import pyvips

    keep = pyvips.ForeignKeep.NONE
    if kept.exif:
        keep |= pyvips.ForeignKeep.EXIF
    if kept.icc:
        keep |= pyvips.ForeignKeep.ICC
    if kept.xmp:
        keep |= pyvips.ForeignKeep.XMP
    return keep


def _vips_pixels_for(image: pyvips.Image, fmt: str) -> pyvips.Image:
    """Pixels the saver for `fmt` takes: sRGB or grey, 8-bit (16-bit kept for PNG), alpha on white
    for formats without alpha."""
    wide_ok = fmt == "png"
    # Each property read is a ~10-15 us trip through GValue: read once, again only after a change.
    interpretation, band_format = image.interpretation, image.format
    # Arrays turned into images are labelled by band count alone (a 16-bit RGB as "srgb").
    if interpretation in ("multiband", "srgb", "b-w", "rgb16", "grey16"):
        grey = image.bands <= 2
        labels = {"ushort": "grey16" if grey else "rgb16", "uchar": "b-w" if grey else "srgb"}
        label = labels.get(band_format, interpretation)
        if label != interpretation:  # each copy is a pipeline stage (~0.2 ms on a thumbnail)
            image = image.copy(interpretation=label)
            interpretation = label
    if interpretation == "cmyk" and fmt == "jpg" and not image.hasalpha():
        return image  # JPEG stores CMYK as it is
    if interpretation not in ("srgb", "b-w") and not (
        wide_ok and interpretation in ("rgb16", "grey16")
    ):
        image = image.colourspace("b-w" if interpretation in ("b-w", "grey16") else "srgb")
        band_format = image.format
    if fmt in OPAQUE_FORMATS and image.hasalpha():
        ceiling = 65535 if band_format == "ushort" else WHITE
        image = image.flatten(background=[ceiling] * (image.bands - 1), max_alpha=ceiling)
        band_format = image.format
    if band_format != "uchar" and not (wide_ok and band_format == "ushort"):
        image = image.cast("uchar")
    return image


def _first_frame(image: pyvips.Image) -> pyvips.Image:
    """Animated output is a later issue: a multi-page image is written as its first frame."""
    if not image.get_typeof("page-height"):
        return image
    page_height = int(image.get("page-height"))
    if 0 < page_height < image.height:
        image = image.crop(0, 0, image.width, page_height)
    return image


def _vips_to_pillow(image: pyvips.Image) -> PILImage.Image:
    from PIL import Image

    array: np.ndarray = image.numpy()
    if array.ndim == 3 and array.shape[2] == 1:
        array = array[:, :, 0]
    return Image.fromarray(array)


def encode_vips(
    image: pyvips.Image,
    settings: OutputSettings,
    *,
    metadata: Metadata,
    source: bytes,
    source_format: str,
    orientation_applied: bool,
    animation: Animation | None = None,
) -> Encoded:
    """Encode a libvips image as `settings` say (see the module docstring).

    With `animation`, `image` is the strip of frames (page-height, delay and loop set) and the
    output is animated; without it, a multi-page image is written as its first frame.
    """
    fmt = settings.format
    kept = kept_metadata(settings, metadata, orientation_applied)
    with _codec_errors(source_format):
        if animation is None:
            image = _first_frame(image)
        if fmt in ("bmp", "heif"):
            pixels = _vips_to_pillow(_vips_pixels_for(image, fmt))
            return encode_pillow(
                pixels,
                settings,
                metadata=kept,
                source=source,
                source_format=source_format,
                orientation_applied=False,
            )
        prepared = _vips_with_metadata(_vips_pixels_for(image, fmt), kept)
        if settings.size_limit is not None:
            # The size-limit loop encodes more than once; a sequential pipeline reads only once.
            prepared = prepared.copy_memory()
    keep = _vips_keep_flags(kept)
    frame_parallel = _frame_parallel_webp(prepared, fmt, animation, kept)

    def encode_at(quality: int | None) -> bytes:
        options: dict[str, Any] = {"keep": keep}
        if quality is not None:
            options["Q"] = quality
        if fmt == "jpg":
            return prepared.jpegsave_buffer(interlace=settings.interlace, **options)
        if fmt == "png":
            return prepared.pngsave_buffer(compression=_PNG_COMPRESSION, **options)
        if fmt == "webp" and frame_parallel and animation is not None:
            from ciimage.imaging.webp_anim import encode_animated_webp

            return encode_animated_webp(prepared, animation.delays, animation.loop, quality)
        if fmt == "webp":
            return prepared.webpsave_buffer(**options)
        if fmt == "gif":
            exact = animation is not None and animation.exact_palette
            palette = (_GIF_EXACT if exact else _GIF_FAST) if animation is not None else {}
            return prepared.gifsave_buffer(**options, **palette)
        if fmt == "avif":
            return _vips_save_avif(prepared, options)
        raise UnsupportedFormatError(f"cannot write format {fmt!r}")

    with _codec_errors(source_format):
        return _finish(settings, encode_at, kept=kept, source=source, source_format=source_format)


def _frame_parallel_webp(
    image: pyvips.Image, fmt: str, animation: Animation | None, kept: Metadata
) -> bool:
    """A large animated WebP without metadata to keep is encoded frame by frame on every core
    (`webp_anim`); libwebp's own animation encoder writes the rest."""
    if fmt != "webp" or animation is None or kept.exif or kept.icc or kept.xmp:
        return False
    from ciimage.imaging.webp_anim import worth_parallel

    frames = len(animation.delays)
    return worth_parallel(image.width, image.height // frames, frames)


def _vips_save_avif(image: pyvips.Image, options: dict[str, Any]) -> bytes:
    """AVIF through libvips' libheif (AV1); `options` holds keep and Q."""
    return image.heifsave_buffer(compression="av1", **options, **ENCODER_SPEED["avif", "vips"])


# ---- Pillow ----


def _pillow_pixels_for(image: PILImage.Image, fmt: str) -> PILImage.Image:
    """Modes the Pillow savers take; alpha flattened on white for formats without it."""
    from PIL import Image

    if image.mode in ("I;16", "I;16B", "I;16L", "I", "F"):
        image = image.point(lambda value: value / 256).convert("L")
    if image.mode == "P":
        image = image.convert("RGBA" if "transparency" in image.info else "RGB")
    if image.mode == "CMYK" and fmt != "jpg":
        image = image.convert("RGB")
    if image.mode == "1":
        image = image.convert("L")
    elif image.mode not in ("L", "RGB", "RGBA", "CMYK"):
        image = image.convert("RGBA" if image.mode in ("LA", "PA", "RGBa", "La") else "RGB")
    if fmt in OPAQUE_FORMATS and image.mode == "RGBA":
        white = Image.new("RGB", image.size, (WHITE, WHITE, WHITE))
        white.paste(image, mask=image.getchannel("A"))
        image = white
    if fmt in ("webp", "heif", "avif") and image.mode == "L":
        image = image.convert("RGB")
    return image


def _encode_heif(image: PILImage.Image, quality: int | None, kept: Metadata) -> bytes:
    try:
        import pillow_heif
    except ImportError as error:
        raise UnsupportedFormatError(
            "format/heif needs the pillow-heif package (HEVC encoder), which is not installed"
        ) from error
    heif_file = pillow_heif.from_pillow(image)
    heif_file.info.pop("icc_profile", None)
    if kept.icc:
        heif_file.info["icc_profile"] = kept.icc
    buffer = io.BytesIO()
    quality_option = {} if quality is None else {"quality": quality}
    speed = ENCODER_SPEED["heif", "pillow-heif"]
    heif_file.save(buffer, exif=kept.exif, xmp=kept.xmp, **quality_option, **speed)
    return buffer.getvalue()


def _pillow_metadata_options(fmt: str, kept: Metadata) -> dict[str, Any]:
    # Every key is given even when empty: some Pillow savers fall back to `image.info` otherwise.
    if fmt in ("jpg", "webp", "avif"):
        return {"exif": kept.exif or b"", "icc_profile": kept.icc, "xmp": kept.xmp or b""}
    if fmt == "png":
        from PIL import PngImagePlugin

        text = PngImagePlugin.PngInfo()
        if kept.xmp:
            text.add_itxt("XML:com.adobe.xmp", kept.xmp.decode("utf-8", "replace"), zip=False)
        return {"exif": kept.exif or b"", "icc_profile": kept.icc, "pnginfo": text}
    return {}


def _pillow_animation_options(
    fmt: str, animation: Animation, later: list[PILImage.Image]
) -> dict[str, Any]:
    """save_all options: frames, each delay, and plays (Pillow's GIF `loop` counts repeats)."""
    options: dict[str, Any] = {
        "save_all": True,
        "append_images": later,
        "duration": list(animation.delays),
    }
    if fmt == "webp":
        options["loop"] = animation.loop
    elif animation.loop != 1:  # one play: no NETSCAPE block at all
        options["loop"] = 0 if animation.loop == 0 else animation.loop - 1
    if fmt == "gif":
        options["disposal"] = 2  # every frame is a whole canvas: nothing shows through
        options["optimize"] = False
    return options


def encode_pillow(
    image: PILImage.Image,
    settings: OutputSettings,
    *,
    metadata: Metadata,
    source: bytes,
    source_format: str,
    orientation_applied: bool,
    animation: Animation | None = None,
    later_frames: Sequence[PILImage.Image] = (),
) -> Encoded:
    """Encode a Pillow image as `settings` say (see the module docstring).

    With `animation`, `image` and `later_frames` are the frames of an animated GIF or WebP.
    """
    fmt = settings.format
    kept = kept_metadata(settings, metadata, orientation_applied)
    with _codec_errors(source_format):
        pixels = _pillow_pixels_for(image, fmt)
        later = [_pillow_pixels_for(frame, fmt) for frame in later_frames] if animation else []
    metadata_options = _pillow_metadata_options(fmt, kept)
    if animation is not None:
        metadata_options.update(_pillow_animation_options(fmt, animation, later))

    def encode_at(quality: int | None) -> bytes:
        if fmt == "heif":
            return _encode_heif(pixels, quality, kept)
        buffer = io.BytesIO()
        quality_option = {} if quality is None else {"quality": quality}
        if fmt == "jpg":
            full_chroma = quality is not None and quality >= _FULL_CHROMA_FROM_QUALITY
            pixels.save(
                buffer,
                "JPEG",
                progressive=settings.interlace,
                subsampling="4:4:4" if full_chroma else "4:2:0",
                **quality_option,
                **metadata_options,
            )
        elif fmt == "png":
            pixels.save(buffer, "PNG", compress_level=_PNG_COMPRESSION, **metadata_options)
        elif fmt == "webp":
            pixels.save(buffer, "WEBP", **quality_option, **metadata_options)
        elif fmt == "avif":
            speed = ENCODER_SPEED["avif", "pillow"]
            pixels.save(buffer, "AVIF", **quality_option, **metadata_options, **speed)
        elif fmt == "gif":
            pixels.save(buffer, "GIF", **metadata_options)
        elif fmt == "bmp":
            pixels.save(buffer, "BMP")
        else:
            raise UnsupportedFormatError(f"cannot write format {fmt!r}")
        return buffer.getvalue()

    with _codec_errors(source_format):
        return _finish(settings, encode_at, kept=kept, source=source, source_format=source_format)
