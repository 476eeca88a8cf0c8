"""Synthetic inputs for the encode tests, all made in memory."""

from __future__ import annotations

import io
from collections.abc import Callable

import numpy as np
import pytest
from PIL import Image, ImageCms

XMP = (
    b'<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF '
    b'xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"><rdf:Description '
    b'xmlns:dc="http://purl.org/dc/elements/1.1/" dc:format="image/jpeg"/></rdf:RDF></x:xmpmeta>'
)
COMMENT = b"made by the ciimage tests"


def _photo_like(width: int, height: int, seed: int = 0) -> np.ndarray:
    """Smooth gradients plus mild noise: compresses like a photograph, not like flat colour."""
    y, x = np.mgrid[0:height, 0:width].astype(np.float32)
    rng = np.random.default_rng(seed)
    red = 127 + 100 * np.sin(x / 17.0) * np.cos(y / 23.0)
    green = 255 * x / max(width - 1, 1)
    blue = 255 * y / max(height - 1, 1)
    pixels = np.dstack([red, green, blue]) + rng.normal(0, 5, (height, width, 3))
    return np.clip(pixels, 0, 255).astype(np.uint8)


@pytest.fixture(scope="session")
def photo() -> np.ndarray:
    return _photo_like(160, 120)


@pytest.fixture(scope="session")
def make_photo() -> Callable[..., np.ndarray]:
    return _photo_like


@pytest.fixture(scope="session")
def icc_profile() -> bytes:
    return ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()


@pytest.fixture(scope="session")
def exif_with_orientation() -> Callable[[int], bytes]:
    def build(orientation: int) -> bytes:
        exif = Image.Exif()
        exif[0x0112] = orientation
        exif[0x010F] = "ciimage-test"
        return exif.tobytes()

    return build


@pytest.fixture(scope="session")
def jpeg_with_metadata(
    photo: np.ndarray, icc_profile: bytes, exif_with_orientation: Callable[[int], bytes]
) -> bytes:
    """A quality-85 JPEG carrying EXIF (orientation 6), an ICC profile, XMP and a comment."""
    buffer = io.BytesIO()
    Image.fromarray(photo).save(
        buffer,
        "JPEG",
        quality=85,
        exif=exif_with_orientation(6),
        icc_profile=icc_profile,
        xmp=XMP,
        comment=COMMENT,
    )
    return buffer.getvalue()


@pytest.fixture(scope="session")
def xmp_packet() -> bytes:
    return XMP
