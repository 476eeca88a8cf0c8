"""A text watermark on a 2000x1500 JPEG: ciimage against a hand-written pyvips text + composite.

Run: `python -m pytest benchmarks/bench_watermark.py --benchmark-group-by=group`.
Each group times the same work, JPEG bytes in to JPEG bytes out at the same quality, with the
same font file: `ciimage` (`process`, backend auto) and `pyvips` (libvips' own text renderer
and one composite). The target is ciimage <= 1.2x the hand-written pipeline.
"""

from __future__ import annotations

import base64
from collections.abc import Callable

import pytest
import pyvips

from ciimage import process
from ciimage.watermark.fonts import face_for

WIDTH, HEIGHT = 2000, 1500
QUALITY = 90
ROUNDS = 10
TEXT = "腾讯云 数据万象 ciimage watermark"
FONT = "SimHei.ttf"
FONT_SIZE = 48
FILL = (0x3D, 0x3D, 0x3D)
DISSOLVE = 90
SPACING = 10
DEGREE = 30

pyvips.cache_set_max(0)


def _b64(text: str) -> str:
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


SINGLE_RULE = f"watermark/2/text/{_b64(TEXT)}/font/{_b64(FONT)}/fontsize/{FONT_SIZE}"
TILED_RULE = f"{SINGLE_RULE}/batch/1/degree/{DEGREE}"


@pytest.fixture(scope="module")
def source(photo_like_image) -> bytes:
    """A photo-like JPEG: smooth waves plus grain, so decoding costs what a photograph costs."""
    return photo_like_image(WIDTH, HEIGHT).jpegsave_buffer(Q=QUALITY)


def _vips_text_tile() -> pyvips.Image:
    """libvips' text (Pango with the same font file) made an RGBA tile at 90 % opacity."""
    fontfile = str(face_for(FONT).path)
    mask = pyvips.Image.text(TEXT, font=f"WenQuanYi Micro Hei {FONT_SIZE}px", fontfile=fontfile)
    alpha = (mask * (DISSOLVE / 100)).cast("uchar")
    colour = mask.new_from_image(list(FILL)).copy(interpretation="srgb")
    return colour.bandjoin(alpha)


def _by_vips_single(data: bytes) -> bytes:
    image = pyvips.Image.new_from_buffer(data, "", access="sequential")
    tile = _vips_text_tile()
    x, y = image.width - tile.width, image.height - tile.height
    out = image.bandjoin_const([255]).composite(tile, "over", x=x, y=y)
    return out[0:3].cast("uchar").jpegsave_buffer(Q=QUALITY)


def _by_vips_tiled(data: bytes) -> bytes:
    image = pyvips.Image.new_from_buffer(data, "", access="sequential")
    tile = _vips_text_tile().rotate(DEGREE, background=[0, 0, 0, 0])
    gap_x, gap_y = round(tile.width * SPACING / 100), round(tile.height * SPACING / 100)
    cell = tile.embed(0, 0, tile.width + gap_x, tile.height + gap_y)
    across = image.width // cell.width + 2
    down = image.height // cell.height + 2
    layer = cell.replicate(across, down).crop(0, 0, image.width, image.height)
    out = image.bandjoin_const([255]).composite(layer, "over")
    return out[0:3].cast("uchar").jpegsave_buffer(Q=QUALITY)


CASES: dict[str, tuple[str, Callable[[bytes], bytes]]] = {
    "text-single": (SINGLE_RULE, _by_vips_single),
    "text-tiled": (TILED_RULE, _by_vips_tiled),
}


@pytest.mark.parametrize("case", list(CASES))
@pytest.mark.parametrize("implementation", ["ciimage", "pyvips"])
def test_text_watermark(benchmark, source: bytes, case: str, implementation: str) -> None:
    rule, by_vips = CASES[case]
    run: Callable[[bytes], bytes] = {
        "ciimage": lambda d: process(d, rule).data,
        "pyvips": by_vips,
    }[implementation]
    benchmark.group = case
    benchmark.name = implementation
    output = benchmark.pedantic(run, args=(source,), rounds=ROUNDS, warmup_rounds=1)
    assert output[:2] == b"\xff\xd8"
