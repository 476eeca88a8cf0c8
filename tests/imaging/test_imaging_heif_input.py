"""HEIF (HEVC) input: libvips here cannot decode it, so `auto` decodes it through pillow-heif."""

from __future__ import annotations

import io

import numpy as np
import pillow_heif
import pytest
from PIL import Image

import ciimage


@pytest.fixture(scope="module")
def heic() -> bytes:
    rows = np.linspace(0, 255, 300, dtype=np.uint8)
    pixels = np.stack([np.tile(rows, (200, 1))] * 3, axis=2)
    out = io.BytesIO()
    pillow_heif.from_pillow(Image.fromarray(pixels)).save(out, format="HEIF")
    return out.getvalue()


@pytest.mark.parametrize("backend", ["auto", "pillow"])
def test_heif_input_is_processed(heic: bytes, backend: str) -> None:
    result = ciimage.process(heic, "imageMogr2/thumbnail/150x/format/png", backend=backend)
    assert (result.format, result.width, result.height) == ("png", 150, 100)
    decoded = np.asarray(Image.open(io.BytesIO(result.data)).convert("L"), dtype=float)
    assert decoded[:, -10:].mean() - decoded[:, :10].mean() > 150  # the gradient survived


def test_heif_stays_heif_without_format(heic: bytes) -> None:
    result = ciimage.process(heic, "imageMogr2/rotate/90")
    assert (result.format, result.width, result.height) == ("heif", 200, 300)


def test_vips_backend_names_the_missing_codec(heic: bytes) -> None:
    with pytest.raises(ciimage.CIError, match="cannot read heif"):
        ciimage.process(heic, "imageMogr2/rotate/90", backend="vips")
