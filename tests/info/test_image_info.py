"""imageInfo: right values on every format, strings everywhere, header-only."""

from __future__ import annotations

import hashlib

import pytest

from ciimage.errors import ImageError, ResolutionExceededError
from ciimage.info import image_info

FORMATS = [
    ("JPEG", "RGB", "jpeg"),
    ("PNG", "RGBA", "png"),
    ("GIF", "RGB", "gif"),
    ("BMP", "RGB", "bmp"),
    ("WEBP", "RGB", "webp"),
    ("AVIF", "RGBA", "avif"),
]


@pytest.mark.parametrize(("fmt", "mode", "name"), FORMATS)
def test_every_format(images, fmt, mode, name) -> None:
    data = images.make(fmt, 71, 33, mode)
    info = image_info(data)
    assert list(info)[:6] == ["format", "width", "height", "size", "md5", "frame_count"]
    assert all(isinstance(value, str) for value in info.values())
    assert info["format"] == name
    assert (info["width"], info["height"], info["frame_count"]) == ("71", "33", "1")
    assert info["size"] == str(len(data))
    assert info["md5"] == hashlib.md5(data).hexdigest()
    assert info["bit_depth"] == "8"


def test_heif(images) -> None:
    info = image_info(images.heif_from_avif(images.make("AVIF", 40, 24)))
    assert (info["format"], info["width"], info["height"]) == ("heif", "40", "24")


def test_animated_frame_counts(images) -> None:
    frames = [images.gradient(30, 20).rotate(angle) for angle in (0, 90, 180, 270, 45)]
    gif = images.encode(frames[0], "GIF", save_all=True, append_images=frames[1:])
    webp = images.encode(frames[0], "WEBP", save_all=True, append_images=frames[1:])
    assert image_info(gif)["frame_count"] == "5"
    assert image_info(webp)["frame_count"] == "5"


def test_dpi_only_when_recorded(images) -> None:
    info = image_info(images.make("JPEG", dpi=(300, 150)))
    assert (info["horizontal_dpi"], info["vertical_dpi"]) == ("300", "150")
    assert list(info)[-2:] == ["vertical_dpi", "horizontal_dpi"]
    png = image_info(images.make("PNG", dpi=(72, 72)))
    assert (png["horizontal_dpi"], png["vertical_dpi"]) == ("72", "72")
    assert "horizontal_dpi" not in image_info(images.make("PNG"))


def test_sixteen_bit_png_depth(images) -> None:
    data = images.encode(images.gradient().convert("I;16"), "PNG")
    assert image_info(data)["bit_depth"] == "16"


def test_photo_rgb_on_request(images) -> None:
    data = images.encode(images.gradient().point(lambda _: 0x80), "PNG")
    assert "photo_rgb" not in image_info(data)
    assert image_info(data, photo_rgb=True)["photo_rgb"] == "0x808080"


def test_header_only_does_not_decode(images) -> None:
    """A valid header over truncated pixel data still answers: nothing past the header is read."""
    data = images.make("PNG", 64, 48)
    truncated = data[: len(data) // 2]
    info = image_info(truncated)
    assert (info["width"], info["height"]) == ("64", "48")
    assert info["md5"] == hashlib.md5(truncated).hexdigest()


def test_limits_and_bad_input(images) -> None:
    with pytest.raises(ImageError):
        image_info(b"GIF89a")
    big = images.make("PNG", 8, 8)
    # Rewrite IHDR's width to 40,000 px: refused from the header (-447).
    hostile = big[:16] + (40_000).to_bytes(4, "big") + big[20:]
    with pytest.raises(ResolutionExceededError):
        image_info(hostile)
