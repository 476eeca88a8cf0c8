"""Header reading: sizes, frames, alpha, orientation and dpi from headers alone; hostile input."""

from __future__ import annotations

import io
import struct
import zlib

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PIL import Image

from ciimage.errors import ImageError, ImageTooLargeError, ResolutionExceededError
from ciimage.header import (
    MAX_INPUT_BYTES,
    ImageHeader,
    check_input_limits,
    read_checked_header,
    read_header,
    sniff_format,
)
from ciimage.testing import jpeg_claiming as hostile_jpeg
from ciimage.testing import png_chunk
from ciimage.testing import png_claiming as hostile_png


@pytest.mark.parametrize(
    ("fmt", "mode", "expected"),
    [
        ("JPEG", "RGB", ("jpg", 3, False)),
        ("JPEG", "L", ("jpg", 1, False)),
        ("JPEG", "CMYK", ("jpg", 4, False)),
        ("PNG", "RGB", ("png", 3, False)),
        ("PNG", "RGBA", ("png", 4, True)),
        ("PNG", "LA", ("png", 2, True)),
        ("PNG", "P", ("png", 3, False)),
        ("GIF", "RGB", ("gif", 3, False)),
        ("WEBP", "RGB", ("webp", 3, False)),
        ("WEBP", "RGBA", ("webp", 4, True)),
        ("BMP", "RGB", ("bmp", 3, False)),
        ("AVIF", "RGB", ("avif", 3, False)),
        ("AVIF", "RGBA", ("avif", 4, True)),
    ],
)
def test_every_format_size_bands_alpha(images, fmt, mode, expected) -> None:
    data = images.make(fmt, 53, 29, mode)
    header = read_header(data)
    assert (header.format, header.bands, header.has_alpha) == expected
    assert (header.width, header.height, header.frames) == (53, 29, 1)
    assert sniff_format(data) == expected[0]


def test_webp_lossless_and_extended(images) -> None:
    lossless = read_header(images.make("WEBP", 31, 17, "RGBA", lossless=True))
    assert (lossless.width, lossless.height, lossless.has_alpha) == (31, 17, True)
    exif = Image.Exif()
    exif[0x0112] = 8
    extended = read_header(images.make("WEBP", 31, 17, exif=exif.tobytes()))
    assert (extended.width, extended.height, extended.orientation) == (31, 17, 8)


def test_heif_brand_is_heif(images) -> None:
    data = images.heif_from_avif(images.make("AVIF", 40, 22))
    header = read_header(data)
    assert (header.format, header.width, header.height) == ("heif", 40, 22)


def test_avif_ten_bit_depth(images) -> None:
    import pyvips

    image = pyvips.Image.black(24, 12, bands=3).cast("ushort")
    data = image.heifsave_buffer(compression="av1", bitdepth=10)
    header = read_header(data)
    assert (header.format, header.bit_depth, header.width, header.height) == ("avif", 10, 24, 12)


def test_animated_gif_and_webp_frame_counts(images) -> None:
    frames = [images.gradient(40, 30).rotate(angle) for angle in range(0, 350, 50)]
    for fmt in ("GIF", "WEBP"):
        data = images.encode(frames[0], fmt, save_all=True, append_images=frames[1:])
        header = read_header(data)
        assert (header.frames, header.width, header.height) == (7, 40, 30), fmt
        assert header.animated


def test_gif_transparency_is_alpha(images) -> None:
    image = images.gradient(20, 20).convert("P")
    assert read_header(images.encode(image, "GIF", transparency=0)).has_alpha
    assert not read_header(images.encode(image, "GIF")).has_alpha


@pytest.mark.parametrize("fmt", ["JPEG", "PNG", "WEBP"])
def test_exif_orientation_and_oriented_size(images, fmt) -> None:
    exif = Image.Exif()
    exif[0x0112] = 6
    header = read_header(images.make(fmt, 50, 20, exif=exif.tobytes()))
    assert header.orientation == 6
    assert header.has_exif
    assert header.oriented_size == (20, 50)


def test_dpi_from_jfif_png_and_bmp(images) -> None:
    jpeg = read_header(images.make("JPEG", dpi=(300, 150)))
    assert jpeg.dpi == (300, 150)
    png = read_header(images.make("PNG", dpi=(72, 72)))
    assert png.dpi is not None and round(png.dpi[0]) == 72
    assert read_header(images.make("PNG")).dpi is None
    bmp = read_header(images.make("BMP", dpi=(200, 200)))
    assert bmp.dpi is not None and round(bmp.dpi[1]) == 200


def test_exif_resolution_when_jfif_has_none(images) -> None:
    exif = Image.Exif()
    exif[0x011A], exif[0x011B], exif[0x0128] = 240.0, 240.0, 2
    data = images.make("JPEG", exif=exif.tobytes())
    assert read_header(data).dpi == (240.0, 240.0)


def test_jpeg_precision_and_progressive(images) -> None:
    header = read_header(images.make("JPEG", progressive=True))
    assert header.progressive and header.bit_depth == 8
    assert not read_header(images.make("JPEG")).progressive


def test_png_sixteen_bit_and_trns(images) -> None:
    sixteen = images.encode(images.gradient().convert("I;16"), "PNG")
    assert read_header(sixteen).bit_depth == 16
    with_trns = images.encode(images.gradient(), "PNG", transparency=(0, 0, 0))
    header = read_header(with_trns)
    assert header.has_alpha and header.bands == 4


def test_svg_sizes() -> None:
    plain = b'<svg xmlns="http://www.w3.org/2000/svg" width="120" height="80"></svg>'
    units = b'<?xml version="1.0"?>\n<svg width="1in" height="72pt"></svg>'
    view_box = b'<svg viewBox="0 0 300 150" width="600"></svg>'
    assert (read_header(plain).width, read_header(plain).height) == (120, 80)
    assert (read_header(units).width, read_header(units).height) == (96, 96)
    assert (read_header(view_box).width, read_header(view_box).height) == (600, 300)
    with pytest.raises(ImageError):
        read_header(b'<svg width="50%"></svg>')


@pytest.mark.parametrize(
    "data",
    [
        b"",
        b"hello world, not an image",
        b"\x00" * 100,
        b"II*\x00\x08\x00\x00\x00",  # TIFF: not a CI input format
        b"TPG\x00" + b"\x00" * 60,
    ],
)
def test_unreadable_inputs_are_image_errors(data) -> None:
    with pytest.raises(ImageError) as caught:
        read_header(data)
    assert caught.value.code == -443
    assert caught.value.cos_code == "InvalidImageFormat"


@pytest.fixture
def no_decoding(monkeypatch) -> None:
    """Make every pixel decoder here fail loudly: header reading must not reach one."""
    import pyvips
    from PIL import Image as PILImage

    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("a decoder was called")

    monkeypatch.setattr(pyvips.Image, "new_from_buffer", refuse)
    monkeypatch.setattr(PILImage, "open", refuse)


@pytest.mark.parametrize(
    ("build", "side"),
    [(hostile_png, 50_000), (hostile_jpeg, 40_000)],
)
def test_hostile_headers_refused_without_decoding(no_decoding, build, side) -> None:
    from ciimage.info import image_info

    data = build(side, side)
    for reader in (read_checked_header, image_info):
        with pytest.raises(ResolutionExceededError) as caught:
            reader(data)
        assert caught.value.code == -447
        assert str(side) in caught.value.message


def test_limits() -> None:
    ok = ImageHeader(format="png", width=30_000, height=8_000)
    check_input_limits(ok, MAX_INPUT_BYTES)
    with pytest.raises(ImageTooLargeError):
        check_input_limits(ok, MAX_INPUT_BYTES + 1)
    with pytest.raises(ResolutionExceededError):
        check_input_limits(ImageHeader(format="png", width=30_001, height=10), 100)
    with pytest.raises(ResolutionExceededError):
        check_input_limits(ImageHeader(format="png", width=20_000, height=12_501), 100)
    with pytest.raises(ResolutionExceededError):
        check_input_limits(ImageHeader(format="gif", width=10, height=10, frames=301), 100)
    check_input_limits(ImageHeader(format="gif", width=10, height=10, frames=300), 100)
    with pytest.raises(ResolutionExceededError):  # pixels x frames
        check_input_limits(ImageHeader(format="gif", width=5000, height=5000, frames=11), 100)


def test_oversize_input_refused_before_parsing() -> None:
    with pytest.raises(ImageTooLargeError):
        read_checked_header(b"\x89PNG\r\n\x1a\n" + b"\x00" * MAX_INPUT_BYTES)


@pytest.fixture
def samples(images) -> list[bytes]:
    frames = [images.gradient(16, 12), images.gradient(16, 12).rotate(90)]
    exif = Image.Exif()
    exif[0x0112] = 3
    return [
        images.make("JPEG", 16, 12, exif=exif.tobytes()),
        images.make("PNG", 16, 12, "RGBA"),
        images.encode(frames[0], "GIF", save_all=True, append_images=frames[1:]),
        images.make("WEBP", 16, 12, "RGBA", exif=exif.tobytes()),
        images.make("BMP", 16, 12),
        images.make("AVIF", 16, 12),
    ]


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.data())
def test_truncated_or_corrupted_headers_raise_only_image_error(samples, data) -> None:
    sample = data.draw(st.sampled_from(samples))
    cut = data.draw(st.integers(0, len(sample)))
    damaged = bytearray(sample[:cut])
    for _ in range(data.draw(st.integers(0, 4))):
        if damaged:
            at = data.draw(st.integers(0, len(damaged) - 1))
            damaged[at] = data.draw(st.integers(0, 255))
    try:
        header = read_header(bytes(damaged))
    except ImageError:
        return
    assert header.width > 0 and header.height > 0 and header.frames >= 1


def gif_bytes(frames: int, *, global_table: bool, local_table: bool, block: int = 255) -> bytes:
    """A hand-built GIF: optional global/local colour tables, image data in `block`-byte pieces."""
    flags = 0x80 if global_table else 0  # a 2-entry table when present
    out = b"GIF89a" + struct.pack("<HHBBB", 9, 7, flags, 0, 0)
    out += b"\x00\x00\x00\xff\xff\xff" if global_table else b""
    for _ in range(frames):
        out += b"\x21\xf9\x04\x00\x0a\x00\x00\x00"  # graphic control, no transparency
        out += b"\x2c" + struct.pack("<HHHHB", 0, 0, 9, 7, 0x80 if local_table else 0)
        out += b"\x00\x00\x00\xff\xff\xff" if local_table else b""
        data = bytes(600)
        out += b"\x02"
        for at in range(0, len(data), block):
            piece = data[at : at + block]
            out += bytes([len(piece)]) + piece
        out += b"\x00"
    return out + b"\x3b"


@pytest.mark.parametrize("global_table", [True, False])
@pytest.mark.parametrize("local_table", [True, False])
def test_gif_block_walk_with_and_without_colour_tables(global_table, local_table) -> None:
    header = read_header(gif_bytes(4, global_table=global_table, local_table=local_table))
    assert (header.width, header.height, header.frames, header.has_alpha) == (9, 7, 4, False)


def test_gif_trailing_garbage_and_truncated_tail_keep_complete_frames() -> None:
    data = gif_bytes(3, global_table=True, local_table=False, block=7)
    assert read_header(data[:-1] + b"garbage").frames == 3
    assert read_header(data[: len(data) - 300]).frames == 3  # third frame cut mid-data


def _heif(meta_body: bytes) -> bytes:
    ftyp = struct.pack(">I", 20) + b"ftypheic\x00\x00\x00\x00mif1"
    return ftyp + struct.pack(">I", 12 + len(meta_body)) + b"meta\x00\x00\x00\x00" + meta_body


def _ipma_flood(entries: int) -> bytes:
    ipma = struct.pack(">II", 0, entries) + b"\x00\x01\x00" * entries
    box = struct.pack(">I", 8 + len(ipma)) + b"ipma" + ipma
    return _heif(struct.pack(">I", 8 + len(box)) + b"iprp" + box)


_GIF_SCREEN = b"GIF89a" + struct.pack("<HHBBB", 9, 7, 0, 0, 0)
_VP8X = b"VP8X" + struct.pack("<I", 10) + bytes([2, 0, 0, 0, 8, 0, 0, 6, 0, 0])
HOSTILE_STRUCTURES = {
    "jpeg fill flood": b"\xff\xd8" + b"\xff" * 8_000_000 + b"\xc0",
    "jpeg empty segments": b"\xff\xd8" + b"\xff\xe5\x00\x02" * 20_000,
    "gif empty extensions": _GIF_SCREEN + b"\x21\x01\x00" * 1_100_000,
    "gif one-byte sub-blocks": _GIF_SCREEN
    + b"\x2c"
    + struct.pack("<HHHHB", 0, 0, 9, 7, 0)
    + b"\x02"
    + b"\x01\x00" * 1_100_000,
    "webp empty chunks": b"RIFF\x00\x00\x00\x00WEBP" + _VP8X + b"JUNK\x00\x00\x00\x00" * 110_000,
    "heif empty boxes": _heif(b"\x00\x00\x00\x08free" * 20_000),
    "heif ipma flood": _ipma_flood(250_000),
}


@pytest.mark.parametrize("name", list(HOSTILE_STRUCTURES))
def test_structure_floods_refused(name) -> None:
    """Each walk has a structure budget (speed itself is measured in benchmarks, not here)."""
    # The fill flood is a corrupt JPEG once the fill ends; the others hit a walk budget.
    expected = "corrupt" if name == "jpeg fill flood" else "more than"
    with pytest.raises(ImageError, match=expected):
        read_header(HOSTILE_STRUCTURES[name])


def test_png_walk_stops_at_idat_and_is_bounded() -> None:
    ihdr = png_chunk(b"IHDR", struct.pack(">IIBBBBB", 10, 10, 8, 2, 0, 0, 0))
    phys = png_chunk(b"pHYs", struct.pack(">IIB", 11811, 11811, 1))
    idat = png_chunk(b"IDAT", zlib.compress(bytes(40)))
    trns_after = png_chunk(b"tRNS", b"\x00\x00\x00\x00\x00\x00")
    data = b"\x89PNG\r\n\x1a\n" + ihdr + phys + idat + trns_after + png_chunk(b"IEND", b"")
    header = read_header(data)
    assert header.dpi is not None and round(header.dpi[0]) == 300
    assert not header.has_alpha  # tRNS after IDAT is out of order and ignored
    # Past the chunk cap the walk stops: the tRNS at the end is never reached.
    flood = b"\x89PNG\r\n\x1a\n" + ihdr + png_chunk(b"teXt", b"") * 20_000 + trns_after
    header = read_header(flood)
    assert header.width == 10 and not header.has_alpha
    early = b"\x89PNG\r\n\x1a\n" + ihdr + png_chunk(b"teXt", b"") * 100 + trns_after
    assert read_header(early).has_alpha


@pytest.mark.parametrize("orientation", [1, 3, 6, 8])
def test_avif_irot_matches_libheif(images, orientation) -> None:
    import pyvips

    exif = Image.Exif()
    exif[0x0112] = orientation  # Pillow's AVIF writer turns this into irot/imir boxes
    data = images.make("AVIF", 30, 20, exif=exif.tobytes())
    decoded = pyvips.Image.new_from_buffer(data, "")
    header = read_header(data)
    assert (header.width, header.height) == (decoded.width, decoded.height)
    assert (header.width, header.height) == ((20, 30) if orientation >= 5 else (30, 20))


# ---- HEIF clean aperture (clap): the size decoders return ----


def _find_box(data, start, end, kind):
    pos = start
    while pos + 8 <= end:
        size = int.from_bytes(data[pos : pos + 4], "big")
        if data[pos + 4 : pos + 8] == kind:
            return pos, size
        pos += size
    raise KeyError(kind)


def with_clap(heif: bytes, width: int, height: int) -> bytes:
    """`heif` with a clean-aperture (clap) property of width x height, centred, on item 1."""
    data = bytearray(heif)
    meta, meta_size = _find_box(data, 0, len(data), b"meta")
    iloc, _ = _find_box(data, meta + 12, meta + meta_size, b"iloc")
    iprp, iprp_size = _find_box(data, meta + 12, meta + meta_size, b"iprp")
    ipco, ipco_size = _find_box(data, iprp + 8, iprp + iprp_size, b"ipco")
    ipma, ipma_size = _find_box(data, iprp + 8, iprp + iprp_size, b"ipma")
    count = 0
    pos = ipco + 8
    while pos < ipco + ipco_size:
        count += 1
        pos += int.from_bytes(data[pos : pos + 4], "big")
    clap = struct.pack(">I4s8I", 40, b"clap", width, 1, height, 1, 0, 1, 0, 1)
    # ipma (version 0, 1-byte indices): entry_count, then item u16, n, indices.
    assert data[ipma + 8] == 0 and data[ipma + 11] & 1 == 0
    entry = ipma + 16
    n_at = entry + 2
    data[n_at] += 1
    data[n_at + 1 + data[n_at] - 1 : n_at + 1 + data[n_at] - 1] = bytes([0x80 | (count + 1)])
    struct.pack_into(">I", data, ipma, ipma_size + 1)
    data[ipco + ipco_size : ipco + ipco_size] = clap
    struct.pack_into(">I", data, ipco, ipco_size + 40)
    struct.pack_into(">I", data, iprp, iprp_size + 41)
    struct.pack_into(">I", data, meta, meta_size + 41)
    # iloc: every extent moves 41 bytes on.
    version = data[iloc + 8]
    offset_size, length_size = data[iloc + 12] >> 4, data[iloc + 12] & 15
    base_size = data[iloc + 13] >> 4
    index_size = data[iloc + 13] & 15 if version in (1, 2) else 0
    pos = iloc + 14
    items = int.from_bytes(data[pos : pos + 2], "big")
    pos += 2
    for _ in range(items):
        pos += 2 + (2 if version in (1, 2) else 0) + 2
        if base_size:
            base = int.from_bytes(data[pos : pos + base_size], "big")
            data[pos : pos + base_size] = (base + 41).to_bytes(base_size, "big")
        pos += base_size
        extents = int.from_bytes(data[pos : pos + 2], "big")
        pos += 2
        for _ in range(extents):
            pos += index_size
            if not base_size:
                off = int.from_bytes(data[pos : pos + offset_size], "big")
                data[pos : pos + offset_size] = (off + 41).to_bytes(offset_size, "big")
            pos += offset_size + length_size
    return bytes(data)


def _clapped_heif() -> bytes:
    import pillow_heif

    buffer = io.BytesIO()
    pillow_heif.from_pillow(Image.new("RGB", (64, 64), (200, 50, 50))).save(buffer)
    return with_clap(buffer.getvalue(), 64, 48)


def test_heif_size_comes_from_the_clean_aperture_box() -> None:
    import pillow_heif

    data = _clapped_heif()
    decoded = pillow_heif.open_heif(data)
    assert decoded.size == (64, 48)  # what the decoder returns
    header = read_header(data)
    assert (header.width, header.height) == (64, 48)


def test_a_clapped_heif_thumbnail_keeps_its_aspect() -> None:
    from ciimage import process

    result = process(_clapped_heif(), "imageMogr2/thumbnail/32x/format/png")
    assert (result.width, result.height) == (32, 24)
    assert Image.open(io.BytesIO(result.data)).size == (32, 24)
