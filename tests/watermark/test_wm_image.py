"""Image watermarks: decoding, scatype/spcent, blogo, refusals."""

from __future__ import annotations

import io
import struct
import zlib
from collections.abc import Callable

import numpy as np
import pytest
from PIL import Image

from ciimage.errors import (
    CIError,
    ImageError,
    ImageTooLargeError,
    ResolutionExceededError,
    ResolverError,
    UnsupportedFormatError,
)
from ciimage.rules.ast import Gravity, ImageWatermark
from ciimage.watermark import build_overlay
from ciimage.watermark.image import decode_watermark

URL = "http://examplebucket-1250000000.cos.ap-shanghai.myqcloud.com/mark.png"


def serve(data: bytes) -> Callable[[str], bytes]:
    return lambda url: data


def node(**fields: object) -> ImageWatermark:
    return ImageWatermark(image=URL, dissolve=100, **fields)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("mode", "fmt"),
    [("RGBA", "PNG"), ("RGB", "JPEG"), ("L", "PNG"), ("LA", "PNG"), ("P", "GIF"), ("RGB", "BMP")],
)
def test_decodes_common_formats_to_rgba(mode: str, fmt: str, wm: type) -> None:
    image = Image.new("RGB", (32, 24), (200, 30, 90)).convert(mode)
    tile = decode_watermark(wm.encode(image, fmt))
    assert tile.shape == (24, 32, 4)
    assert tile.dtype == np.uint8
    assert (tile[..., 3] == 255).all()


def test_decodes_sixteen_bit_png() -> None:
    array = np.full((10, 12, 3), 65535, dtype=np.uint16)
    array[..., 1] = 0
    buffer = io.BytesIO()
    # Pillow cannot write 16-bit RGB, so the PNG is assembled by hand.
    raw = b"".join(b"\x00" + row.astype(">u2").tobytes() for row in array)

    def chunk(kind: bytes, body: bytes) -> bytes:
        crc = struct.pack(">I", zlib.crc32(kind + body))
        return struct.pack(">I", len(body)) + kind + body + crc

    buffer.write(b"\x89PNG\r\n\x1a\n")
    buffer.write(chunk(b"IHDR", struct.pack(">IIBBBBB", 12, 10, 16, 2, 0, 0, 0)))
    buffer.write(chunk(b"IDAT", zlib.compress(raw)))
    buffer.write(chunk(b"IEND", b""))
    tile = decode_watermark(buffer.getvalue())
    assert tile.shape == (10, 12, 4)
    assert tuple(tile[0, 0]) == (255, 0, 255, 255)


def test_keeps_partial_transparency(wm: type) -> None:
    tile = decode_watermark(wm.solid_png(8, 8, (10, 20, 30, 77)))
    assert tuple(tile[4, 4]) == (10, 20, 30, 77)


def test_animated_gif_is_refused(wm: type) -> None:
    frames = [Image.new("RGB", (20, 20), colour) for colour in ("red", "blue")]
    buffer = io.BytesIO()
    frames[0].save(buffer, "GIF", save_all=True, append_images=frames[1:])
    with pytest.raises(UnsupportedFormatError, match="animated"):
        build_overlay(node(), 100, 100, serve(buffer.getvalue()))


def test_animated_webp_is_refused() -> None:
    frames = [Image.new("RGB", (20, 20), colour) for colour in ("red", "blue")]
    buffer = io.BytesIO()
    frames[0].save(buffer, "WEBP", save_all=True, append_images=frames[1:])
    with pytest.raises(UnsupportedFormatError, match="animated"):
        build_overlay(node(), 100, 100, serve(buffer.getvalue()))


def test_oversized_header_is_refused_before_decoding() -> None:
    # A PNG header claiming 40000 x 10 pixels, with no pixel data at all.
    ihdr = struct.pack(">IIBBBBB", 40000, 10, 8, 6, 0, 0, 0)
    png = b"\x89PNG\r\n\x1a\n" + struct.pack(">I", 13) + b"IHDR" + ihdr + b"\0\0\0\0"
    with pytest.raises(ResolutionExceededError):
        build_overlay(node(), 100, 100, serve(png))


def test_over_32_mb_is_refused() -> None:
    with pytest.raises(ImageTooLargeError):
        decode_watermark(b"\x89PNG\r\n\x1a\n" + bytes(32 * 1024 * 1024))


@pytest.mark.parametrize("data", [b"", b"not an image", b"\x89PNG\r\n\x1a\n" + b"\0" * 40])
def test_garbage_is_an_image_error(data: bytes) -> None:
    with pytest.raises(ImageError):
        build_overlay(node(), 100, 100, serve(data))


def test_truncated_pixels_are_an_image_error(wm: type) -> None:
    data = wm.encode(Image.new("RGB", (300, 200), "red"), "JPEG")
    with pytest.raises(ImageError):
        build_overlay(node(), 400, 400, serve(data[: len(data) // 2]))


def test_resolver_failures_become_resolver_errors() -> None:
    def broken(url: str) -> bytes:
        raise OSError("disk on fire")

    with pytest.raises(ResolverError, match="disk on fire"):
        build_overlay(node(), 100, 100, broken)
    with pytest.raises(ResolverError, match="not bytes"):
        build_overlay(node(), 100, 100, lambda url: "text")  # type: ignore[arg-type, return-value]


def test_resolver_receives_the_decoded_url(wm: type) -> None:
    seen: list[str] = []

    def remember(url: str) -> bytes:
        seen.append(url)
        return wm.solid_png(4, 4, (0, 0, 0, 255))

    build_overlay(node(), 50, 50, remember)
    assert seen == [URL]


@pytest.mark.parametrize(
    ("scatype", "spcent", "size"),
    [(1, 500, (500, 125)), (2, 500, (1200, 300)), (3, 50, (346, 87)), (1, 100, (100, 25))],
)
def test_scatype_spcent(scatype: int, spcent: int, size: tuple[int, int], wm: type) -> None:
    mark = wm.solid_png(400, 100, (0, 255, 0, 255))
    overlay = build_overlay(
        node(scatype=scatype, spcent=spcent, gravity=Gravity.NORTHWEST), 1000, 600, serve(mark)
    )
    # The tile is clipped to the image; the scaled width before clipping is the test's target.
    expected = (min(size[0], 1000), min(size[1], 600))
    assert overlay.tile.shape[1::-1] == expected


def test_blogo_1_scales_a_larger_watermark_down_to_fit(wm: type) -> None:
    mark = wm.solid_png(800, 200, (0, 0, 255, 255))
    overlay = build_overlay(node(blogo=1, gravity=Gravity.CENTER), 400, 300, serve(mark))
    assert overlay.tile.shape[:2] == (100, 400)
    assert overlay.positions == [(0, 100)]


def test_blogo_2_crops_a_larger_watermark_to_the_image(wm: type) -> None:
    image = Image.new("RGBA", (800, 200), (0, 0, 255, 255))
    image.paste((255, 0, 0, 255), (0, 0, 10, 10))  # a red corner that the crop must keep
    watermark = node(blogo=2, gravity=Gravity.SOUTHEAST)
    overlay = build_overlay(watermark, 400, 300, serve(wm.encode(image)))
    assert overlay.tile.shape[:2] == (200, 400)
    assert overlay.positions == [(0, 100)]
    assert tuple(overlay.tile[0, 0, :3]) == (255, 0, 0)


def test_without_blogo_a_larger_watermark_is_clipped(wm: type) -> None:
    mark = wm.solid_png(800, 200, (0, 0, 255, 255))
    overlay = build_overlay(node(gravity=Gravity.NORTHWEST), 400, 300, serve(mark))
    assert overlay.tile.shape[:2] == (200, 400)
    assert overlay.positions == [(0, 0)]


def test_blogo_leaves_a_smaller_watermark_alone(wm: type) -> None:
    mark = wm.solid_png(40, 30, (0, 0, 255, 255))
    for blogo in (1, 2):
        overlay = build_overlay(node(blogo=blogo), 400, 300, serve(mark))
        assert overlay.tile.shape[:2] == (30, 40)


def test_every_failure_is_a_ci_error(wm: type) -> None:
    for data in (b"GIF89a", b"\xff\xd8\xff\xe0", b"RIFF\0\0\0\0WEBPVP8 "):
        with pytest.raises(CIError):
            build_overlay(node(), 10, 10, serve(data))


@pytest.mark.parametrize("fmt", ["PNG", "BMP"])
def test_scaling_keeps_edge_colours_clean(fmt: str, wm: type) -> None:
    """Transparent black around an opaque red square must not darken the red when scaled."""
    mode = "RGBA"
    image = Image.new(mode, (1000, 800), (0, 0, 0, 0))
    image.paste((255, 0, 0, 255), (300, 200, 700, 600))
    mark = wm.encode(image, fmt)
    overlay = build_overlay(
        node(scatype=1, spcent=100, gravity=Gravity.NORTHWEST), 500, 500, serve(mark)
    )
    tile = overlay.tile
    assert tile.shape[:2] == (40, 50)
    visible = tile[tile[..., 3] > 0]
    assert visible.size
    if fmt == "PNG":
        assert (visible[:, 0] >= 250).all() and (visible[:, 1:3] <= 5).all()
    assert tile[20, 25, 3] == 255
