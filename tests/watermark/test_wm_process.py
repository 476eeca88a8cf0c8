"""Watermarks end to end through `ciimage.process`, on both backends."""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

import ciimage
from ciimage.errors import CIError, ResolverError
from ciimage.rules.ast import Gravity
from ciimage.watermark import BucketRootResolver

BACKENDS = ["vips", "pillow"]
WHITE = (255, 255, 255)


def pixels(data: bytes) -> np.ndarray:
    return np.asarray(Image.open(io.BytesIO(data)).convert("RGB"))


def white_png(wm: type, width: int, height: int) -> bytes:
    return wm.encode(Image.new("RGB", (width, height), WHITE))


@pytest.mark.parametrize("backend", BACKENDS)
def test_spec_pipeline_example(backend: str, wm: type) -> None:
    """`imageMogr2/thumbnail/!50p|watermark/2/...`: halve, then text at the southeast corner."""
    source = white_png(wm, 1000, 700)
    rule = (
        "imageMogr2/thumbnail/!50p|watermark/2/text/"
        + wm.b64("腾讯云·数据万象 CI")
        + "/fill/"
        + wm.b64("#FF0000")
        + "/fontsize/24/dissolve/100/gravity/southeast/dx/12/dy/8"
    )
    result = ciimage.process(source, rule, backend=backend)
    assert (result.width, result.height) == (500, 350)
    image = pixels(result.data)
    left, top, right, bottom = wm.changed_box(image, WHITE)
    assert abs(right - (500 - 1 - 12)) <= 1 and abs(bottom - (350 - 1 - 8)) <= 1
    assert 100 < right - left < 400 and 10 < bottom - top < 40
    # Solid red glyph cores, i.e. the fill colour survived compositing and encoding.
    reds = np.all(image == (255, 0, 0), axis=-1)
    assert reds.sum() > 50


def test_both_backends_place_text_identically(wm: type) -> None:
    source = white_png(wm, 640, 480)
    rule = "watermark/2/text/" + wm.b64("水印 Mark") + "/fontsize/30/gravity/center/shadow/40"
    boxes = [
        wm.changed_box(pixels(ciimage.process(source, rule, backend=backend).data), WHITE)
        for backend in BACKENDS
    ]
    assert all(abs(a - b) <= 1 for a, b in zip(*boxes, strict=True)), boxes


def expected_box(
    gravity: Gravity, canvas: tuple[int, int], size: tuple[int, int], dx: int, dy: int
) -> tuple[float, ...]:
    (width, height), (tile_width, tile_height) = canvas, size
    name = gravity.value
    left = dx if name.endswith("west") else width - dx - tile_width
    if not name.endswith(("west", "east")):
        left = (width - tile_width) / 2
    top = dy if name.startswith("north") else height - dy - tile_height
    if not name.startswith(("north", "south")):
        top = (height - tile_height) / 2
    return left, top, left + tile_width - 1, top + tile_height - 1


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("gravity", list(Gravity))
def test_image_watermark_per_gravity(
    backend: str, gravity: Gravity, resolver: BucketRootResolver, wm: type
) -> None:
    source = white_png(wm, 300, 200)
    for dx, dy in ((0, 0), (17, 9)):
        rule = (
            f"watermark/1/image/{wm.b64(wm.url('mark.png'))}"
            f"/gravity/{gravity.value}/dx/{dx}/dy/{dy}/dissolve/100"
        )
        result = ciimage.process(source, rule, backend=backend, resolver=resolver)
        found = wm.changed_box(pixels(result.data), WHITE)
        expected = expected_box(gravity, (300, 200), (60, 40), dx, dy)
        assert all(abs(a - b) <= 1 for a, b in zip(found, expected, strict=True)), (found, expected)


@pytest.mark.parametrize("backend", BACKENDS)
def test_text_watermark_per_gravity(backend: str, wm: type) -> None:
    source = white_png(wm, 400, 300)
    text = wm.b64("水印 Mark")
    base = f"watermark/2/text/{text}/fontsize/28/fill/{wm.b64('#000000')}"
    anchor = ciimage.process(source, base + "/gravity/northwest", backend=backend)
    left, top, right, bottom = wm.changed_box(pixels(anchor.data), WHITE)
    size = (right - left + 1, bottom - top + 1)
    assert (left, top) == (0, 0)
    for gravity in Gravity:
        for dx, dy in ((0, 0), (21, 5)):
            rule = f"{base}/gravity/{gravity.value}/dx/{dx}/dy/{dy}"
            found = wm.changed_box(
                pixels(ciimage.process(source, rule, backend=backend).data), WHITE
            )
            expected = expected_box(gravity, (400, 300), size, dx, dy)
            assert all(abs(a - b) <= 1 for a, b in zip(found, expected, strict=True)), (
                gravity,
                found,
                expected,
            )


@pytest.mark.parametrize("backend", BACKENDS)
def test_dissolve_50_end_to_end(backend: str, resolver: BucketRootResolver, wm: type) -> None:
    source = wm.encode(Image.new("RGB", (200, 100), (0, 0, 0)))
    rule = f"watermark/1/image/{wm.b64(wm.url('mark.png'))}/gravity/center/dissolve/50"
    image = pixels(ciimage.process(source, rule, backend=backend, resolver=resolver).data)
    assert np.all(np.abs(image[50, 100].astype(int) - (127.5, 0, 0)) <= 3)


@pytest.mark.parametrize("backend", BACKENDS)
def test_tiled_text_on_a_jpeg(backend: str, wm: type) -> None:
    array = np.full((900, 1300, 3), 240, dtype=np.uint8)
    source = wm.encode(Image.fromarray(array), "JPEG", quality=95)
    rule = "watermark/2/text/" + wm.b64("CI 水印") + "/fontsize/36/batch/1/degree/30/fill/"
    image = pixels(ciimage.process(source, rule + wm.b64("#000000"), backend=backend).data)
    dark = image.min(axis=-1) < 150
    cells = [
        dark[y : y + 200, x : x + 200].any()
        for y in range(0, 900, 200)
        for x in range(0, 1300, 200)
    ]
    assert all(cells)


def test_default_resolver_refuses_without_a_bucket_root(
    monkeypatch: pytest.MonkeyPatch, wm: type
) -> None:
    monkeypatch.delenv("CIIMAGE_BUCKET_ROOT", raising=False)
    rule = f"watermark/1/image/{wm.b64(wm.url('mark.png'))}"
    with pytest.raises(ResolverError, match="resolver="):
        ciimage.process(white_png(wm, 100, 100), rule)


def test_default_resolver_reads_the_environment(
    monkeypatch: pytest.MonkeyPatch, bucket_root: Path, wm: type
) -> None:
    monkeypatch.setenv("CIIMAGE_BUCKET_ROOT", str(bucket_root))
    rule = f"watermark/1/image/{wm.b64(wm.url('marks/blue.png'))}/dissolve/100"
    image = pixels(ciimage.process(white_png(wm, 100, 100), rule).data)
    assert tuple(image[-1, -1]) == (0, 0, 255)


def test_animated_watermark_is_refused_end_to_end(bucket_root: Path, wm: type) -> None:
    frames = [Image.new("RGB", (20, 20), colour) for colour in ("red", "blue")]
    buffer = io.BytesIO()
    frames[0].save(buffer, "GIF", save_all=True, append_images=frames[1:])
    (bucket_root / wm.BUCKET / "anim.gif").write_bytes(buffer.getvalue())
    rule = f"watermark/1/image/{wm.b64(wm.url('anim.gif'))}"
    with pytest.raises(CIError, match="animated"):
        ciimage.process(white_png(wm, 100, 100), rule, resolver=BucketRootResolver(bucket_root))
