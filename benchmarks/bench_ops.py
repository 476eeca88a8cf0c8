"""Each operation on a 6000x4000 JPEG: ciimage against hand-written pyvips and Pillow pipelines.

Run: `python -m pytest benchmarks/bench_ops.py --benchmark-only --benchmark-group-by=group`.
Every group times the same work three ways, bytes in to JPEG bytes out (decode, operation,
encode at the same quality): `ciimage` (backend auto), `pyvips` and `pillow`. The target is
ciimage <= 1.10x the faster hand-written pipeline (compare the `min` column).
"""

from __future__ import annotations

import io
import math
from collections.abc import Callable

import pytest
import pyvips
from PIL import Image, ImageFilter

from ciimage import process

WIDTH, HEIGHT = 6000, 4000
QUALITY = 90
ROUNDS = 5

pyvips.cache_set_max(0)


@pytest.fixture(scope="module")
def source(photo_like_image) -> bytes:
    """A photo-like JPEG: smooth waves plus grain, so it costs what a photograph costs."""
    return photo_like_image(WIDTH, HEIGHT).jpegsave_buffer(Q=QUALITY)


# ---- hand-written pipelines ----


def _vips_in(data: bytes) -> pyvips.Image:
    return pyvips.Image.new_from_buffer(data, "", access="sequential")


def _vips_out(image: pyvips.Image) -> bytes:
    return image.jpegsave_buffer(Q=QUALITY)


def _pillow_in(data: bytes) -> Image.Image:
    image = Image.open(io.BytesIO(data))
    image.load()
    return image


def _pillow_out(image: Image.Image) -> bytes:
    out = io.BytesIO()
    image.save(out, "JPEG", quality=QUALITY)
    return out.getvalue()


def _vips_random(data: bytes) -> pyvips.Image:
    return pyvips.Image.new_from_buffer(data, "")


def _level(table: Callable[[int], float]) -> pyvips.Image:
    values = bytes(max(0, min(255, math.floor(table(v) + 0.5))) for v in range(256))
    return pyvips.Image.new_from_memory(values, 256, 1, 1, "uchar")


def _contrast_slope() -> float:
    return math.tan(math.pi * (30 / 100 + 1) / 4)


def _pillow_thumbnail(data: bytes) -> bytes:
    image = Image.open(io.BytesIO(data))
    image.draft("RGB", (600, 400))
    return _pillow_out(image.resize((600, 400), Image.Resampling.LANCZOS, reducing_gap=3.0))


def _pillow_view(data: bytes) -> bytes:
    image = Image.open(io.BytesIO(data))
    image.draft("RGB", (600, 400))
    image = image.resize((600, 400), Image.Resampling.LANCZOS, reducing_gap=3.0)
    return _pillow_out(image.crop((100, 0, 500, 400)))


SLOPE = _contrast_slope()

OPERATIONS: dict[str, tuple[str, Callable[[bytes], bytes], Callable[[bytes], bytes]]] = {
    "thumbnail": (
        "imageMogr2/thumbnail/600x",
        lambda d: _vips_out(pyvips.Image.thumbnail_buffer(d, 600, height=400, size="force")),
        _pillow_thumbnail,
    ),
    "view2": (
        "imageView2/1/w/400/h/400",
        lambda d: _vips_out(
            pyvips.Image.thumbnail_buffer(d, 600, height=400, size="force").crop(100, 0, 400, 400)
        ),
        _pillow_view,
    ),
    "crop": (
        "imageMogr2/crop/1000x1000/gravity/center",
        lambda d: _vips_out(_vips_in(d).crop(2500, 1500, 1000, 1000)),
        lambda d: _pillow_out(_pillow_in(d).crop((2500, 1500, 3500, 2500))),
    ),
    "rotate90": (
        "imageMogr2/rotate/90",
        lambda d: _vips_out(_vips_random(d).rot("d90")),
        lambda d: _pillow_out(_pillow_in(d).transpose(Image.Transpose.ROTATE_270)),
    ),
    "flip": (
        "imageMogr2/flip/vertical",
        lambda d: _vips_out(_vips_random(d).flipver()),
        lambda d: _pillow_out(_pillow_in(d).transpose(Image.Transpose.FLIP_TOP_BOTTOM)),
    ),
    "blur": (
        "imageMogr2/blur/8x5",
        lambda d: _vips_out(_vips_in(d).gaussblur(5, min_ampl=math.exp(-64 / 50))),
        lambda d: _pillow_out(_pillow_in(d).filter(ImageFilter.GaussianBlur(5))),
    ),
    "bright": (
        "imageMogr2/bright/30",
        lambda d: _vips_out(_vips_in(d).maplut(_level(lambda v: v + 76.5))),
        lambda d: _pillow_out(_pillow_in(d).point(lambda v: min(255, v + 77))),
    ),
    "contrast": (
        "imageMogr2/contrast/30",
        lambda d: _vips_out(_vips_in(d).maplut(_level(lambda v: SLOPE * (v - 127.5) + 127.5))),
        lambda d: _pillow_out(
            _pillow_in(d).point(lambda v: max(0, min(255, round(SLOPE * (v - 127.5) + 127.5))))
        ),
    ),
    "sharpen": (
        "imageMogr2/sharpen/70",
        lambda d: _vips_out(
            (lambda x: (x * 1.7 - x.gaussblur(1, precision="float") * 0.7).cast("uchar"))(
                _vips_in(d)
            )
        ),
        lambda d: _pillow_out(_pillow_in(d).filter(ImageFilter.UnsharpMask(1, 70, 0))),
    ),
    "grayscale": (
        "imageMogr2/grayscale/1",
        lambda d: _vips_out(
            (lambda g: g.bandjoin([g, g]))(
                _vips_in(d).recomb([[0.299, 0.587, 0.114]]).cast("uchar")
            ).copy(interpretation="srgb")
        ),
        lambda d: _pillow_out(_pillow_in(d).convert("L").convert("RGB")),
    ),
    "rotate30": (
        "imageMogr2/rotate/30",
        lambda d: _vips_out(
            _vips_random(d)
            .bandjoin_const([255])
            .rotate(30, background=[0, 0, 0, 0])
            .flatten(background=[255, 255, 255])
        ),
        lambda d: _pillow_out(
            _pillow_in(d).rotate(
                -30, Image.Resampling.BICUBIC, expand=True, fillcolor=(255, 255, 255)
            )
        ),
    ),
    "webp": (
        "imageMogr2/format/webp",
        lambda d: _vips_in(d).webpsave_buffer(Q=QUALITY),
        lambda d: (lambda o: (_pillow_in(d).save(o, "WEBP", quality=QUALITY), o.getvalue())[1])(
            io.BytesIO()
        ),
    ),
}


# The three implementations of one operation run back to back, so load on the machine hits
# them alike; compare the `min` column (the least disturbed run).
CASES = [(op, impl) for op in OPERATIONS for impl in ("ciimage", "pyvips", "pillow")]


@pytest.mark.parametrize(("operation", "implementation"), CASES)
def test_operation(benchmark, source: bytes, operation: str, implementation: str) -> None:
    rule, by_vips, by_pillow = OPERATIONS[operation]
    run: Callable[[bytes], bytes] = {
        "ciimage": lambda d: process(d, rule).data,
        "pyvips": by_vips,
        "pillow": by_pillow,
    }[implementation]
    benchmark.group = operation
    benchmark.name = implementation
    output = benchmark.pedantic(run, args=(source,), rounds=ROUNDS, warmup_rounds=1)
    assert len(output) > 0
