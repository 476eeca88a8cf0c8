"""Encoding on both backends: formats, interlace, metadata, alpha, size-limit."""

from __future__ import annotations

import io
from collections.abc import Callable
from dataclasses import replace

import numpy as np
import pillow_heif
import pytest
import pyvips
from PIL import Image

from ciimage.errors import ImageError, UnsupportedFormatError
from ciimage.imaging.encode import Encoded, compress_svg, encode_pillow, encode_vips
from ciimage.imaging.jpeg_quality import estimate_jpeg_quality
from ciimage.imaging.metadata import NO_METADATA, Metadata, read_metadata
from ciimage.imaging.output import OutputSettings

FORMATS = ["jpg", "png", "gif", "webp", "bmp", "heif", "avif"]
QUALITY_FORMATS = {"jpg", "webp", "heif", "avif"}
METADATA_FORMATS = ["jpg", "png", "webp", "heif", "avif"]
BACKENDS = ["vips", "pillow"]
MAGIC = {
    "jpg": (0, b"\xff\xd8\xff"),
    "png": (0, b"\x89PNG\r\n\x1a\n"),
    "gif": (0, b"GIF8"),
    "webp": (8, b"WEBP"),
    "bmp": (0, b"BM"),
    "heif": (8, b"heic"),
    "avif": (8, b"avif"),
}


def output(fmt: str, **changes: object) -> OutputSettings:
    base = OutputSettings(
        format=fmt,
        quality=90 if fmt in QUALITY_FORMATS else None,
        interlace=False,
        strip=False,
        size_limit=None,
        keep_smaller=False,
        cgif=None,
    )
    return replace(base, **changes)


def encode(
    backend: str,
    pixels: np.ndarray,
    settings: OutputSettings,
    *,
    metadata: Metadata = NO_METADATA,
    source: bytes = b"",
    source_format: str = "png",
    orientation_applied: bool = False,
) -> Encoded:
    keywords = {
        "metadata": metadata,
        "source": source,
        "source_format": source_format,
        "orientation_applied": orientation_applied,
    }
    if backend == "vips":
        return encode_vips(pyvips.Image.new_from_array(pixels), settings, **keywords)
    return encode_pillow(Image.fromarray(pixels), settings, **keywords)


def decode(data: bytes, fmt: str) -> np.ndarray:
    """Pixels of an encoded file, by a decoder other than the one that may have written it."""
    if fmt == "heif":
        heif = pillow_heif.open_heif(data, convert_hdr_to_8bit=True)
        return np.asarray(heif.to_pillow().convert("RGB"))
    if fmt == "bmp":
        return np.asarray(Image.open(io.BytesIO(data)).convert("RGB"))
    image = pyvips.Image.new_from_buffer(data, "")
    if image.bands == 4 or image.bands == 2:
        image = image.flatten(background=[255] * (image.bands - 1))
    if image.bands == 1:
        image = image.bandjoin([image, image])
    return image.cast("uchar").numpy()


def psnr(a: np.ndarray, b: np.ndarray) -> float:
    error = np.mean((a.astype(np.float64) - b.astype(np.float64)) ** 2)
    return float("inf") if error == 0 else 10 * np.log10(255**2 / error)


def jpeg_markers(data: bytes) -> list[int]:
    """Markers before the first scan."""
    markers, pos = [], 2
    while pos + 4 <= len(data) and data[pos] == 0xFF:
        marker = data[pos + 1]
        markers.append(marker)
        if marker == 0xDA:
            break
        pos += 2 + int.from_bytes(data[pos + 2 : pos + 4], "big")
    return markers


@pytest.fixture(scope="module")
def source_metadata(jpeg_with_metadata: bytes) -> Metadata:
    return read_metadata(jpeg_with_metadata)


# ---- every format, both backends ----


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("fmt", FORMATS)
def test_every_format_round_trips(backend: str, fmt: str, photo: np.ndarray) -> None:
    result = encode(backend, photo, output(fmt))
    offset, magic = MAGIC[fmt]
    assert result.data[offset : offset + len(magic)] == magic
    assert result.format == fmt
    assert result.quality == (90 if fmt in QUALITY_FORMATS else None)
    pixels = decode(result.data, fmt)
    assert pixels.shape == photo.shape
    # Lossless formats give the pixels back; GIF's 256 colours and lossy codecs stay close.
    floor = {"png": np.inf, "bmp": np.inf, "gif": 24.0}.get(fmt, 30.0)
    assert psnr(pixels, photo) >= floor


@pytest.mark.parametrize("fmt", FORMATS)
def test_both_backends_give_the_same_picture(fmt: str, photo: np.ndarray) -> None:
    from_vips = decode(encode("vips", photo, output(fmt)).data, fmt)
    from_pillow = decode(encode("pillow", photo, output(fmt)).data, fmt)
    # GIF: each library picks its own 256-colour palette (libvips dithers, Pillow does not), so
    # the two agree less closely than the encoders of the other formats do.
    assert psnr(from_vips, from_pillow) >= (26.0 if fmt == "gif" else 30.0)


@pytest.mark.parametrize("backend", BACKENDS)
def test_grey_and_sixteen_bit_inputs_encode(backend: str, photo: np.ndarray) -> None:
    grey = photo[:, :, 1]
    assert decode(encode(backend, grey, output("jpg")).data, "jpg").shape == photo.shape
    if backend == "vips":
        wide = photo.astype(np.uint16) * 257
        png = encode(backend, wide, output("png")).data
        assert pyvips.Image.new_from_buffer(png, "").format == "ushort"
        jpg = decode(encode(backend, wide, output("jpg")).data, "jpg")
        assert psnr(jpg, photo) >= 30.0


# ---- interlace ----


@pytest.mark.parametrize("backend", BACKENDS)
def test_interlace_writes_a_progressive_jpeg(backend: str, photo: np.ndarray) -> None:
    progressive = encode(backend, photo, output("jpg", interlace=True)).data
    baseline = encode(backend, photo, output("jpg")).data
    assert 0xC2 in jpeg_markers(progressive) and 0xC0 not in jpeg_markers(progressive)
    assert 0xC0 in jpeg_markers(baseline) and 0xC2 not in jpeg_markers(baseline)


# ---- metadata ----


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("fmt", METADATA_FORMATS)
def test_metadata_is_kept_without_strip(
    backend: str, fmt: str, photo: np.ndarray, source_metadata: Metadata
) -> None:
    data = encode(backend, photo, output(fmt), metadata=source_metadata).data
    found = read_metadata(data)
    assert found.icc == source_metadata.icc
    assert found.xmp is not None and b"xmpmeta" in found.xmp
    if fmt == "jpg":
        assert found.comment == source_metadata.comment is not None
    assert found.exif is not None
    exif = Image.Exif()
    exif.load(found.exif)
    assert exif[0x010F] == "ciimage-test"
    # Pillow's AVIF writer moves an EXIF orientation into the AVIF transform boxes (irot/imir),
    # which AVIF readers honour instead of EXIF; every other writer keeps the EXIF tag.
    moved_to_transform = (backend, fmt) == ("pillow", "avif")
    assert found.orientation == (1 if moved_to_transform else 6)


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("fmt", METADATA_FORMATS)
def test_strip_removes_exif_icc_and_xmp(
    backend: str, fmt: str, photo: np.ndarray, source_metadata: Metadata
) -> None:
    data = encode(backend, photo, output(fmt, strip=True), metadata=source_metadata).data
    assert read_metadata(data) == NO_METADATA
    if fmt == "jpg":
        metadata_markers = [m for m in jpeg_markers(data) if 0xE1 <= m <= 0xEF or m == 0xFE]
        assert metadata_markers == []


@pytest.mark.parametrize("backend", BACKENDS)
def test_orientation_is_reset_after_auto_orient(
    backend: str, photo: np.ndarray, source_metadata: Metadata
) -> None:
    data = encode(
        backend, photo, output("jpg"), metadata=source_metadata, orientation_applied=True
    ).data
    found = read_metadata(data)
    assert found.exif is not None and found.orientation == 1
    exif = Image.Exif()
    exif.load(found.exif)
    assert exif[0x010F] == "ciimage-test"  # the rest of the EXIF survives


def test_source_metadata_on_a_vips_image_does_not_leak(jpeg_with_metadata: bytes) -> None:
    # A loaded image carries its input's fields; only `metadata` decides what is written.
    loaded = pyvips.Image.new_from_buffer(jpeg_with_metadata, "")
    result = encode_vips(
        loaded,
        output("jpg"),
        metadata=NO_METADATA,
        source=jpeg_with_metadata,
        source_format="jpg",
        orientation_applied=False,
    )
    assert read_metadata(result.data) == NO_METADATA


# ---- alpha ----


def _half_transparent(photo: np.ndarray) -> np.ndarray:
    alpha = np.full(photo.shape[:2], 255, dtype=np.uint8)
    alpha[:, : photo.shape[1] // 2] = 0
    return np.dstack([photo, alpha])


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("fmt", ["jpg", "bmp"])
def test_alpha_is_flattened_on_white(backend: str, fmt: str, photo: np.ndarray) -> None:
    pixels = decode(encode(backend, _half_transparent(photo), output(fmt)).data, fmt)
    half = photo.shape[1] // 2
    assert pixels.shape == photo.shape
    assert pixels[:, : half - 8].min() >= 245  # transparent half: white
    assert psnr(pixels[:, half + 8 :], photo[:, half + 8 :]) >= 30.0  # opaque half: the photo


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("fmt", ["png", "webp"])
def test_alpha_is_kept_where_the_format_has_it(backend: str, fmt: str, photo: np.ndarray) -> None:
    data = encode(backend, _half_transparent(photo), output(fmt)).data
    image = pyvips.Image.new_from_buffer(data, "")
    assert image.hasalpha()
    alpha = image.numpy()[:, :, 3]
    assert alpha[:, :10].max() == 0 and alpha[:, -10:].min() == 255


# ---- size-limit (ruling 17) ----


@pytest.mark.parametrize("backend", BACKENDS)
def test_size_limit_output_fits_its_limit(
    backend: str, make_photo: Callable[..., np.ndarray]
) -> None:
    pixels = make_photo(400, 300, seed=3)
    unlimited = encode(backend, pixels, output("jpg", quality=95, strip=True))
    limit = len(unlimited.data) // 3
    limited = encode(backend, pixels, output("jpg", quality=95, strip=True, size_limit=limit))
    assert len(limited.data) <= limit
    assert limited.quality is not None and limited.quality < 95
    assert estimate_jpeg_quality(limited.data) == limited.quality
    # The highest quality that fits: one step up does not fit.
    above = encode(backend, pixels, output("jpg", quality=limited.quality + 1, strip=True))
    assert len(above.data) > limit


@pytest.mark.parametrize("backend", BACKENDS)
def test_size_limit_already_met_keeps_the_quality(backend: str, photo: np.ndarray) -> None:
    result = encode(backend, photo, output("jpg", quality=80, size_limit=10 * 1024 * 1024))
    assert result.quality == 80


@pytest.mark.parametrize("backend", BACKENDS)
def test_keep_smaller_returns_the_source_when_output_is_not_smaller(
    backend: str, photo: np.ndarray
) -> None:
    buffer = io.BytesIO()
    Image.fromarray(photo).save(buffer, "JPEG", quality=20)
    source = buffer.getvalue()
    settings = output("jpg", quality=95, size_limit=10 * 1024 * 1024, keep_smaller=True)
    result = encode(backend, photo, settings, source=source, source_format="jpg")
    assert result == Encoded(source, "jpg", 20)


@pytest.mark.parametrize("backend", BACKENDS)
def test_keep_smaller_returns_the_output_when_it_is_smaller(
    backend: str, photo: np.ndarray
) -> None:
    source = io.BytesIO()
    Image.fromarray(photo).save(source, "PNG")
    settings = output("jpg", quality=80, size_limit=10 * 1024 * 1024, keep_smaller=True)
    result = encode(backend, photo, settings, source=source.getvalue(), source_format="png")
    assert result.format == "jpg" and result.data[:3] == b"\xff\xd8\xff"
    assert len(result.data) < len(source.getvalue())


@pytest.mark.parametrize("backend", BACKENDS)
def test_keep_smaller_can_return_a_png_source_as_png(backend: str) -> None:
    flat = np.full((64, 64, 3), 90, dtype=np.uint8)
    source = io.BytesIO()
    Image.fromarray(flat).save(source, "PNG")
    settings = output("jpg", quality=100, size_limit=1 << 20, keep_smaller=True)
    result = encode(backend, flat, settings, source=source.getvalue(), source_format="png")
    assert result == Encoded(source.getvalue(), "png", None)


# ---- refusals and svgc ----


@pytest.mark.parametrize("backend", BACKENDS)
def test_unknown_output_format_is_refused(backend: str, photo: np.ndarray) -> None:
    with pytest.raises(UnsupportedFormatError, match="tpg"):
        encode(backend, photo, output("tpg"))


def test_svgc_strips_comments_metadata_and_indentation() -> None:
    svg = (
        b'<?xml version="1.0"?>\n<!-- editor -->\n<svg xmlns="http://www.w3.org/2000/svg">\n'
        b"  <metadata><rdf:RDF/></metadata>\n  <text>a\n    b</text>\n</svg>\n"
    )
    result = compress_svg(svg)
    assert result.format == "svgc" and len(result.data) < len(svg)
    assert b"editor" not in result.data and b"metadata" not in result.data
    assert b"<text>a b</text>" in result.data
    kept = b'<svg xml:space="preserve">\n  <text>a\n  b</text></svg>'
    assert compress_svg(kept).data == kept


# ---- failures and frames ----


def test_a_decoder_failure_during_encoding_is_a_ci_error(photo: np.ndarray) -> None:
    # libvips decodes lazily: a damaged input first fails while the output is being written.
    buffer = io.BytesIO()
    Image.fromarray(photo).save(buffer, "PNG")
    damaged = bytearray(buffer.getvalue())
    middle = len(damaged) // 2
    damaged[middle : middle + 200] = bytes(200)
    lazy = pyvips.Image.new_from_buffer(bytes(damaged), "", fail_on="error")
    with pytest.raises(ImageError, match=r"^the PNG image is truncated or corrupt") as raised:
        encode_vips(
            lazy,
            output("jpg"),
            metadata=NO_METADATA,
            source=bytes(damaged),
            source_format="png",
            orientation_applied=False,
        )
    assert "png" in (raised.value.detail or "")  # the library's words, for --verbose


def test_a_multi_page_vips_image_is_written_as_its_first_frame() -> None:
    frames = [Image.new("RGB", (40, 30), colour) for colour in ("red", "lime", "blue")]
    buffer = io.BytesIO()
    frames[0].save(buffer, "GIF", save_all=True, append_images=frames[1:])
    animated = pyvips.Image.new_from_buffer(buffer.getvalue(), "", n=-1)
    assert animated.height == 90
    result = encode_vips(
        animated,
        output("png"),
        metadata=NO_METADATA,
        source=buffer.getvalue(),
        source_format="gif",
        orientation_applied=False,
    )
    written = pyvips.Image.new_from_buffer(result.data, "")
    assert (written.width, written.height) == (40, 30)
    assert written.getpoint(20, 15)[:3] == [255.0, 0.0, 0.0]


def test_pillow_without_a_quality_uses_the_encoder_default(photo: np.ndarray) -> None:
    result = encode("pillow", photo, output("jpg", quality=None))
    assert result.quality is None
    assert estimate_jpeg_quality(result.data) == 75  # libjpeg's default


@pytest.mark.parametrize("backend", BACKENDS)
def test_an_unreachable_size_limit_gives_the_smallest_file(
    backend: str, make_photo: Callable[..., np.ndarray]
) -> None:
    pixels = make_photo(300, 200, seed=5)
    result = encode(backend, pixels, output("jpg", quality=90, strip=True, size_limit=100))
    at_lowest = encode(backend, pixels, output("jpg", quality=1, strip=True))
    assert len(result.data) > 100
    # At the bottom of the scale the tables barely change, so quality 2 can be smaller than 1.
    assert result.quality is not None and result.quality <= 2
    assert len(result.data) <= len(at_lowest.data)
    assert estimate_jpeg_quality(result.data) == result.quality
