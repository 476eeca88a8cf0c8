"""The attacks the blind-watermark tests and benchmark apply (Pillow codecs and resamplers).

Each takes and returns RGB uint8 pixels. Crops are blind: the image is cut, never padded back.
"""

from __future__ import annotations

import io
from collections.abc import Callable

import numpy as np
from PIL import Image, ImageFilter

Attack = Callable[[np.ndarray], np.ndarray]


def encoded(pixels: np.ndarray, fmt: str, quality: int) -> np.ndarray:
    buffer = io.BytesIO()
    Image.fromarray(pixels).save(buffer, fmt, quality=quality)
    return np.asarray(Image.open(io.BytesIO(buffer.getvalue())).convert("RGB"))


def brightness(pixels: np.ndarray, delta: int) -> np.ndarray:
    return np.clip(pixels.astype(np.int16) + delta, 0, 255).astype(np.uint8)


def blurred(pixels: np.ndarray, sigma: float) -> np.ndarray:
    return np.asarray(Image.fromarray(pixels).filter(ImageFilter.GaussianBlur(sigma)))


def resized(pixels: np.ndarray, factor: float) -> np.ndarray:
    height, width = pixels.shape[:2]
    size = (max(1, round(width * factor)), max(1, round(height * factor)))
    return np.asarray(Image.fromarray(pixels).resize(size, Image.BICUBIC))


def resized_back(pixels: np.ndarray, factor: float) -> np.ndarray:
    height, width = pixels.shape[:2]
    small = Image.fromarray(resized(pixels, factor))
    return np.asarray(small.resize((width, height), Image.BICUBIC))


def cropped(pixels: np.ndarray, side: str, fraction: float) -> np.ndarray:
    height, width = pixels.shape[:2]
    cut_w, cut_h = round(width * fraction), round(height * fraction)
    return {
        "left": pixels[:, cut_w:],
        "right": pixels[:, : width - cut_w],
        "top": pixels[cut_h:],
        "bottom": pixels[: height - cut_h],
    }[side]


def rotated(pixels: np.ndarray, degrees: float) -> np.ndarray:
    """Rotated about the centre, then cropped to the largest upright rectangle with no fill."""
    height, width = pixels.shape[:2]
    turned = np.asarray(Image.fromarray(pixels).rotate(degrees, Image.BICUBIC))
    radians = np.deg2rad(abs(degrees))
    margin_x = round(height * np.sin(radians) / 2 + width * (1 - np.cos(radians)) / 2) + 1
    margin_y = round(width * np.sin(radians) / 2 + height * (1 - np.cos(radians)) / 2) + 1
    return turned[margin_y : height - margin_y, margin_x : width - margin_x]


def _crops(fraction: float) -> dict[str, Attack]:
    return {
        f"crop {round(fraction * 100)}% {side}": (lambda p, s=side: cropped(p, s, fraction))
        for side in ("left", "right", "top", "bottom")
    }


# The goals every type must meet (the list).
REQUIRED: dict[str, Attack] = {
    "none": lambda p: p,
    "jpeg q90": lambda p: encoded(p, "JPEG", 90),
    "jpeg q70": lambda p: encoded(p, "JPEG", 70),
    "jpeg q50": lambda p: encoded(p, "JPEG", 50),
    "webp q80": lambda p: encoded(p, "WEBP", 80),
    "brightness +20": lambda p: brightness(p, 20),
    "brightness -20": lambda p: brightness(p, -20),
    "blur sigma 1": lambda p: blurred(p, 1.0),
    "resize 0.5x and back": lambda p: resized_back(p, 0.5),
    **_crops(0.10),
    **_crops(0.25),
}

# Reported either way.
STRETCH: dict[str, Attack] = {
    "resize 0.5x": lambda p: resized(p, 0.5),
    "resize 0.75x": lambda p: resized(p, 0.75),
    "resize 1.3x": lambda p: resized(p, 1.3),
    "rotate 1 deg": lambda p: rotated(p, 1.0),
    "rotate 5 deg": lambda p: rotated(p, 5.0),
    "jpeg q30": lambda p: encoded(p, "JPEG", 30),
}


def crop_scale_jpeg(pixels: np.ndarray) -> np.ndarray:
    """The type 1 goal: 20% off the top-left corner, 0.8x, JPEG q70."""
    height, width = pixels.shape[:2]
    cut = pixels[round(height * 0.2) :, round(width * 0.2) :]
    return encoded(resized(cut, 0.8), "JPEG", 70)
