"""Synthetic images for the info tests: every one is made here, in memory."""

from __future__ import annotations

import io

import numpy as np
import pytest
from PIL import Image


def encode(image: Image.Image, fmt: str, **options: object) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, fmt, **options)
    return buffer.getvalue()


def gradient(width: int = 64, height: int = 48, mode: str = "RGB") -> Image.Image:
    """A deterministic image with every channel varying, so averages are not trivial."""
    y, x = np.mgrid[0:height, 0:width]
    red = (x * 255 // max(width - 1, 1)).astype(np.uint8)
    green = (y * 255 // max(height - 1, 1)).astype(np.uint8)
    blue = ((x + y) * 7 % 256).astype(np.uint8)
    image = Image.fromarray(np.dstack([red, green, blue]), "RGB")
    if mode in ("RGBA", "LA"):
        # A real alpha ramp: encoders drop an alpha channel that is opaque everywhere.
        alpha = Image.fromarray((255 - y * 200 // max(height - 1, 1)).astype(np.uint8), "L")
        image = image.convert(mode)
        image.putalpha(alpha)
        return image
    return image if mode == "RGB" else image.convert(mode)


def heif_from_avif(avif: bytes) -> bytes:
    """Relabel an AVIF's ftyp brands as HEIF (libvips here has no HEVC encoder).

    The box structure (meta, ispe, pixi) is shared by both, which is all the header reader sees.
    """
    ftyp_size = int.from_bytes(avif[:4], "big")
    ftyp = avif[:ftyp_size].replace(b"avif", b"heic").replace(b"avis", b"heic")
    return ftyp + avif[ftyp_size:]


class Images:
    """Test-image helpers, handed to tests as the `images` fixture (conftest is not importable)."""

    encode = staticmethod(encode)
    gradient = staticmethod(gradient)
    heif_from_avif = staticmethod(heif_from_avif)

    @staticmethod
    def make(
        fmt: str, width: int = 64, height: int = 48, mode: str = "RGB", **opts: object
    ) -> bytes:
        return encode(gradient(width, height, mode), fmt, **opts)


@pytest.fixture
def images() -> Images:
    return Images()
