"""Synthetic images for the executor tests, made in memory (no files, no network)."""

from __future__ import annotations

import io
from collections.abc import Callable

import numpy as np
import pytest
from PIL import Image, ImageCms

QUADRANT_COLOURS = {
    "top_left": (220, 30, 30),
    "top_right": (30, 200, 40),
    "bottom_left": (30, 40, 220),
    "bottom_right": (240, 220, 40),
}


def smooth_rgb(width: int, height: int) -> np.ndarray:
    """Gradients and slow waves: detail both backends resample alike (for PSNR comparisons)."""
    y, x = np.mgrid[0:height, 0:width].astype(np.float32)
    red = 127 + 100 * np.sin(x / 29.0) * np.cos(y / 31.0)
    green = 40 + 180 * x / max(width - 1, 1)
    blue = 40 + 180 * y / max(height - 1, 1)
    return np.clip(np.dstack([red, green, blue]), 0, 255).astype(np.uint8)


def textured_rgb(width: int, height: int, seed: int = 1) -> np.ndarray:
    """Smooth image plus fine checker detail, so blur and sharpen have high frequencies to move."""
    base = smooth_rgb(width, height).astype(np.int16)
    y, x = np.mgrid[0:height, 0:width]
    checker = ((x // 2 + y // 2) % 2 * 60 - 30)[..., None]
    noise = np.random.default_rng(seed).normal(0, 4, base.shape)
    return np.clip(base + checker + noise, 0, 255).astype(np.uint8)


def quadrants_rgb(width: int, height: int) -> np.ndarray:
    array = np.zeros((height, width, 3), dtype=np.uint8)
    half_w, half_h = width // 2, height // 2
    array[:half_h, :half_w] = QUADRANT_COLOURS["top_left"]
    array[:half_h, half_w:] = QUADRANT_COLOURS["top_right"]
    array[half_h:, :half_w] = QUADRANT_COLOURS["bottom_left"]
    array[half_h:, half_w:] = QUADRANT_COLOURS["bottom_right"]
    return array


def encode(array: np.ndarray, fmt: str = "PNG", **options: object) -> bytes:
    mode = "RGBA" if array.ndim == 3 and array.shape[2] == 4 else "RGB"
    out = io.BytesIO()
    Image.fromarray(array, mode).save(out, fmt, **options)
    return out.getvalue()


def decode(data: bytes) -> np.ndarray:
    image = Image.open(io.BytesIO(data))
    image.load()
    return np.asarray(image.convert("RGBA" if image.mode in ("RGBA", "LA", "P") else "RGB"))


def psnr(a: np.ndarray, b: np.ndarray) -> float:
    mse = float(np.mean((a.astype(np.float64) - b.astype(np.float64)) ** 2))
    return float("inf") if mse == 0 else 10 * np.log10(255.0**2 / mse)


def exif_bytes(orientation: int) -> bytes:
    exif = Image.Exif()
    exif[0x0112] = orientation
    exif[0x010F] = "ciimage-test"
    return exif.tobytes()


@pytest.fixture(scope="session")
def images() -> object:
    """The helpers above, as one namespace (test modules import nothing from conftest)."""

    class Images:
        smooth = staticmethod(smooth_rgb)
        textured = staticmethod(textured_rgb)
        quadrants = staticmethod(quadrants_rgb)
        encode = staticmethod(encode)
        decode = staticmethod(decode)
        psnr = staticmethod(psnr)
        exif = staticmethod(exif_bytes)
        colours = QUADRANT_COLOURS

    return Images


@pytest.fixture(scope="session")
def icc_profile() -> bytes:
    return ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()


@pytest.fixture(scope="session")
def photo_jpeg() -> bytes:
    return encode(textured_rgb(1200, 800), "JPEG", quality=90)


@pytest.fixture(scope="session")
def smooth_png() -> bytes:
    return encode(smooth_rgb(600, 400), "PNG")


@pytest.fixture(scope="session")
def quadrant_png() -> bytes:
    return encode(quadrants_rgb(400, 300), "PNG")


@pytest.fixture(scope="session")
def oriented_jpeg() -> Callable[[int], tuple[bytes, np.ndarray]]:
    """(a JPEG stored so that EXIF orientation N shows it upright, the upright pixels)."""
    upright = quadrants_rgb(240, 160)
    # Stored pixels = the inverse of the move orientation N asks for.
    inverse = {
        2: Image.Transpose.FLIP_LEFT_RIGHT,
        3: Image.Transpose.ROTATE_180,
        4: Image.Transpose.FLIP_TOP_BOTTOM,
        5: Image.Transpose.TRANSPOSE,
        6: Image.Transpose.ROTATE_90,
        7: Image.Transpose.TRANSVERSE,
        8: Image.Transpose.ROTATE_270,
    }

    def build(orientation: int) -> tuple[bytes, np.ndarray]:
        stored = Image.fromarray(upright)
        if orientation in inverse:
            stored = stored.transpose(inverse[orientation])
        out = io.BytesIO()
        stored.save(out, "JPEG", quality=95, exif=exif_bytes(orientation))
        return out.getvalue(), upright

    return build
