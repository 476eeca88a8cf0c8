"""Watermark stages composited by both backends (tiles from ciimage.watermark)."""

from __future__ import annotations

import base64

import numpy as np
import pytest

from ciimage import process
from ciimage.watermark.resolver import BucketRootResolver

BACKENDS = ["vips", "pillow"]


def _b64(text: str) -> str:
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


@pytest.fixture(scope="module")
def white_png(images) -> bytes:
    return images.encode(np.full((200, 300, 3), 255, dtype=np.uint8))


@pytest.mark.parametrize("backend", BACKENDS)
def test_text_watermark_lands_at_its_gravity(images, white_png, backend):
    rule = (
        f"watermark/2/text/{_b64('CI')}/fill/{_b64('#FF0000')}/fontsize/40"
        "/dissolve/100/gravity/northwest/dx/10/dy/10"
    )
    out = images.decode(process(white_png, rule, backend=backend).data).astype(int)
    red = (out[..., 0] > 200) & (out[..., 1] < 80) & (out[..., 2] < 80)
    ys, xs = np.nonzero(red)
    assert len(ys) > 50
    assert xs.min() >= 10 and ys.min() >= 10 and xs.max() < 150 and ys.max() < 100


@pytest.mark.parametrize("backend", BACKENDS)
def test_image_watermark_from_the_bucket_root(images, white_png, tmp_path, backend):
    mark = np.zeros((40, 60, 4), dtype=np.uint8)
    mark[..., 2] = 255
    mark[..., 3] = 255
    (tmp_path / "examples-1250000000").mkdir()
    (tmp_path / "examples-1250000000" / "mark.png").write_bytes(images.encode(mark))
    url = "http://examples-1250000000.cos.ap-shanghai.myqcloud.com/mark.png"
    rule = f"watermark/1/image/{_b64(url)}/gravity/southeast/dx/0/dy/0/dissolve/100"
    result = process(white_png, rule, backend=backend, resolver=BucketRootResolver(tmp_path))
    out = images.decode(result.data).astype(int)
    assert (result.width, result.height) == (300, 200)
    assert tuple(out[190, 290]) == (0, 0, 255)  # inside the mark's 60x40 corner
    assert tuple(out[150, 230]) == (255, 255, 255)  # outside it


@pytest.mark.parametrize("backend", BACKENDS)
def test_tiled_watermark_covers_the_image_including_its_edges(images, white_png, backend):
    rule = (
        f"watermark/2/text/{_b64('tile')}/fill/{_b64('#000000')}/fontsize/24"
        "/dissolve/100/batch/1/degree/30"
    )
    out = images.decode(process(white_png, rule, backend=backend).data)
    dark = out.min(axis=2) < 128
    # Marks in every third of the image, both directions.
    for rows in (slice(0, 67), slice(67, 134), slice(134, 200)):
        assert dark[rows].any()
    for cols in (slice(0, 100), slice(100, 200), slice(200, 300)):
        assert dark[:, cols].any()
