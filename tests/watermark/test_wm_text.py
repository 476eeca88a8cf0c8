"""Text tiles: size in pixels, fill, shadow, dissolve, scatype/spcent, newlines."""

from __future__ import annotations

import numpy as np
import pytest

from ciimage.rules.ast import TextWatermark
from ciimage.watermark import build_overlay
from ciimage.watermark.text import parse_fill, render_coverage, render_text


def no_fetch(url: str) -> bytes:
    raise AssertionError(f"a text watermark fetched {url}")


def tile_for(node: TextWatermark, width: int = 1200, height: int = 800) -> np.ndarray:
    overlay = build_overlay(node, width, height, no_fetch)
    assert len(overlay.positions) == 1
    return overlay.tile


def test_fontsize_is_pixels() -> None:
    # A capital letter is about 0.7 em tall in DejaVu Sans: 100 px text gives a ~73 px tall "H".
    small = render_coverage("H", "tahoma.ttf", 20)
    large = render_coverage("H", "tahoma.ttf", 100)
    assert 0.65 * 100 <= large.shape[0] <= 0.8 * 100
    assert abs(large.shape[0] / small.shape[0] - 5) < 0.4


def test_fill_colour_and_full_opacity_inside_glyphs() -> None:
    tile = render_text("水印 IM", "SimHei.ttf", 40, "#12AB34", shadow=0)
    opaque = tile[..., 3] == 255
    assert opaque.sum() > 100
    assert (tile[opaque][:, :3] == (0x12, 0xAB, 0x34)).all()


def test_dissolve_scales_alpha() -> None:
    full = tile_for(TextWatermark(text="Mark", fontsize=40, dissolve=100))
    half = tile_for(TextWatermark(text="Mark", fontsize=40, dissolve=50))
    assert full[..., 3].max() == 255
    assert half[..., 3].max() == 128  # 255 * 50 / 100 rounded half up
    assert full.shape == half.shape


def test_default_node_matches_ruling_19() -> None:
    node = TextWatermark(text="abc")
    tile = tile_for(node)
    assert tile[..., 3].max() == round(255 * 0.9)
    assert (tile[tile[..., 3] > 0][:, :3] == parse_fill("#3D3D3D")).all()


def test_shadow_adds_dark_offset_copy() -> None:
    plain = render_text("I", "Arial.ttf", 48, "#FFFFFF", shadow=0)
    shaded = render_text("I", "Arial.ttf", 48, "#FFFFFF", shadow=80)
    assert shaded.shape[0] == plain.shape[0] + 4 and shaded.shape[1] == plain.shape[1] + 4
    # Below-right of the glyph, where only the shadow falls: black at 80 % opacity.
    shadow_only = shaded[plain.shape[0] :, :]
    assert (shadow_only[shadow_only[..., 3] > 0][:, :3] == 0).all()
    assert shadow_only[..., 3].max() == 204
    # The glyph itself stays white and opaque on top of its shadow.
    height, width = plain.shape[:2]
    solid = plain[..., 3] == 255
    assert (shaded[:height, :width][solid] == (255, 255, 255, 255)).all()


def test_newlines_stack_lines() -> None:
    one = render_coverage("Mark", "Arial.ttf", 30)
    two = render_coverage("Mark\nMark", "Arial.ttf", 30)
    assert two.shape[1] == one.shape[1]
    assert two.shape[0] > 1.8 * one.shape[0]


@pytest.mark.parametrize(
    ("scatype", "spcent", "axis", "expected"),
    [(1, 500, 1, 600), (2, 100, 0, 80), (1, 1000, 1, 1200)],
)
def test_scatype_sizes_text_relative_to_the_image(
    scatype: int, spcent: int, axis: int, expected: int
) -> None:
    node = TextWatermark(text="水印 Mark", fontsize=20, scatype=scatype, spcent=spcent)
    tile = build_overlay(node, 1200, 800, no_fetch).tile
    natural = tile_for(TextWatermark(text="水印 Mark", fontsize=20))
    assert tile.shape[axis] == expected
    ratio = natural.shape[1] / natural.shape[0]
    assert abs(tile.shape[1] / tile.shape[0] - ratio) < 0.05 * ratio


def test_scatype_area_for_text() -> None:
    node = TextWatermark(text="Mark", fontsize=20, scatype=3, spcent=100)
    tile = build_overlay(node, 1000, 600, no_fetch).tile
    area = tile.shape[0] * tile.shape[1]
    assert abs(area - 60_000) / 60_000 < 0.03


def test_same_text_same_tile() -> None:
    node = TextWatermark(text="腾讯云 CI", font="SimKai.ttf", fontsize=27, shadow=30)
    assert np.array_equal(tile_for(node), tile_for(node))


def test_oversized_text_is_a_rule_error_before_drawing() -> None:
    from ciimage.errors import RuleError

    node = TextWatermark(text="水印" * 2000, fontsize=1000)
    with pytest.raises(RuleError, match="at most") as caught:
        build_overlay(node, 500, 500, no_fetch)
    assert caught.value.parameter == "text"
