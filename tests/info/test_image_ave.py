"""imageAve: the mean colour within one level per channel, alpha composited on white."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image

from ciimage.errors import ImageError
from ciimage.info import image_ave
from ciimage.info.average import mean_rgb


def expected_mean(image: Image.Image) -> np.ndarray:
    rgba = np.asarray(image.convert("RGBA"), dtype=np.float64)
    alpha = rgba[..., 3:4] / 255.0
    return (rgba[..., :3] * alpha + 255.0 * (1 - alpha)).reshape(-1, 3).mean(axis=0)


@pytest.mark.parametrize(
    ("fmt", "mode", "options"),
    [
        ("PNG", "RGB", {}),
        ("PNG", "RGBA", {}),
        ("PNG", "LA", {}),
        ("PNG", "L", {}),
        ("BMP", "RGB", {}),
        ("WEBP", "RGBA", {"lossless": True}),
        ("GIF", "L", {}),
    ],
)
def test_lossless_inputs_match_numpy_mean(images, fmt, mode, options) -> None:
    source = images.gradient(97, 61, mode)
    data = images.encode(source, fmt, **options)
    decoded = Image.open(__import__("io").BytesIO(data))
    got = np.array(mean_rgb(data))
    assert np.all(np.abs(got - expected_mean(decoded)) <= 1), (got, expected_mean(decoded))


def test_hex_shape_and_flat_colours(images) -> None:
    flat = Image.new("RGB", (40, 30), (0x12, 0xAB, 0xEF))
    assert image_ave(images.encode(flat, "PNG")) == {"RGB": "0x12abef"}
    assert image_ave(images.encode(flat, "BMP")) == {"RGB": "0x12abef"}
    half_red = Image.new("RGBA", (10, 10), (255, 0, 0, 0))
    half_red.paste((255, 0, 0, 255), (0, 0, 5, 10))
    # Half opaque red, half fully transparent (white): (255, 127.5, 127.5) rounds half up.
    assert image_ave(images.encode(half_red, "PNG")) == {"RGB": "0xff8080"}


def test_lossy_formats_near_the_source(images) -> None:
    flat = Image.new("RGB", (64, 64), (200, 100, 50))
    for fmt in ("JPEG", "AVIF", "WEBP"):
        got = np.array(mean_rgb(images.encode(flat, fmt, quality=95)))
        assert np.all(np.abs(got - [200, 100, 50]) <= 3), (fmt, got)


def test_sixteen_bit_png(images) -> None:
    data = images.encode(Image.new("I;16", (16, 16), 0x8080), "PNG")
    assert image_ave(data) == {"RGB": "0x808080"}


def test_corrupt_pixels_are_image_error(images) -> None:
    data = images.make("PNG", 64, 48)
    with pytest.raises(ImageError):
        image_ave(data[: len(data) // 2])
    bmp = images.make("BMP", 64, 48)
    with pytest.raises(ImageError):
        image_ave(bmp[:200])


def test_cmyk_jpeg_without_profile_uses_plain_conversion(images) -> None:
    cmyk = Image.new("RGB", (32, 32), (200, 100, 50)).convert("CMYK")
    got = np.array(mean_rgb(images.encode(cmyk, "JPEG", quality=95)))
    assert np.all(np.abs(got - [200, 100, 50]) <= 2), got


def test_animated_gif_uses_first_frame(images) -> None:
    frames = [Image.new("RGB", (16, 16), colour) for colour in ((255, 0, 0), (0, 0, 255))]
    gif = images.encode(frames[0], "GIF", save_all=True, append_images=frames[1:])
    assert image_ave(gif) == {"RGB": "0xff0000"}


def test_heif_is_averaged_like_process_decodes_it() -> None:
    import io

    import pillow_heif

    buffer = io.BytesIO()
    pillow_heif.from_pillow(Image.new("RGB", (32, 32), (200, 100, 50))).save(buffer, quality=95)
    got = np.array(mean_rgb(buffer.getvalue()))
    assert np.all(np.abs(got - [200, 100, 50]) <= 3), got
