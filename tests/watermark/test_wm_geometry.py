"""Pure placement geometry: gravity with dx/dy (ruling 13), scaling, blogo, tiling."""

from __future__ import annotations

import itertools
import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ciimage.rules.ast import Gravity
from ciimage.watermark import geometry

CANVAS = (400, 300)
BOX = (60, 40)


@pytest.mark.parametrize(
    ("gravity", "expected"),
    [
        # (x, y) for dx=7, dy=11 on 400x300 with a 60x40 box, written out from ruling 13.
        (Gravity.NORTHWEST, (7, 11)),
        (Gravity.NORTH, (170, 11)),
        (Gravity.NORTHEAST, (400 - 60 - 7, 11)),
        (Gravity.WEST, (7, 130)),
        (Gravity.CENTER, (170, 130)),
        (Gravity.EAST, (400 - 60 - 7, 130)),
        (Gravity.SOUTHWEST, (7, 300 - 40 - 11)),
        (Gravity.SOUTH, (170, 300 - 40 - 11)),
        (Gravity.SOUTHEAST, (400 - 60 - 7, 300 - 40 - 11)),
    ],
)
def test_gravity_offsets_are_inward_margins(gravity: Gravity, expected: tuple[int, int]) -> None:
    assert geometry.gravity_position(gravity, CANVAS, BOX, 7, 11) == expected


@pytest.mark.parametrize("gravity", list(Gravity))
def test_centred_axes_ignore_their_offset(gravity: Gravity) -> None:
    base = geometry.gravity_position(gravity, CANVAS, BOX, 0, 0)
    moved = geometry.gravity_position(gravity, CANVAS, BOX, 23, 31)
    ignores_dx = gravity in (Gravity.CENTER, Gravity.NORTH, Gravity.SOUTH)
    ignores_dy = gravity in (Gravity.CENTER, Gravity.WEST, Gravity.EAST)
    assert (moved[0] == base[0]) == ignores_dx
    assert (moved[1] == base[1]) == ignores_dy


def test_centre_of_odd_remainder_rounds_down() -> None:
    assert geometry.gravity_position(Gravity.CENTER, (11, 11), (4, 4), 0, 0) == (3, 3)


def test_box_larger_than_canvas_reaches_outside() -> None:
    assert geometry.gravity_position(Gravity.SOUTHEAST, (50, 50), (80, 60), 0, 0) == (-30, -10)


@pytest.mark.parametrize(
    ("scatype", "spcent", "expected"),
    [
        (1, 500, (200, 133)),  # width = 400 * 0.5, aspect 60:40 kept (133.33 rounds down)
        (2, 100, (45, 30)),  # height = 300 * 0.1
        (3, 250, (212, 141)),  # area = 400*300/4 = 30000 = 60x40 x 12.5 -> x3.5355
        (1, 1000, (400, 267)),
    ],
)
def test_scaled_size(scatype: int, spcent: int, expected: tuple[int, int]) -> None:
    assert geometry.scaled_size(BOX, CANVAS, scatype, spcent) == expected


def test_scaled_size_needs_both_parameters() -> None:
    assert geometry.scaled_size(BOX, CANVAS, 1, None) == BOX
    assert geometry.scaled_size(BOX, CANVAS, None, 500) == BOX


def test_scaled_area_matches_permille() -> None:
    width, height = geometry.scaled_size((123, 45), (1000, 800), 3, 37)
    assert abs(width * height - 1000 * 800 * 0.037) / (1000 * 800 * 0.037) < 0.02


def test_fit_size_keeps_aspect_and_fits() -> None:
    assert geometry.fit_size((800, 200), (400, 300)) == (400, 100)
    assert geometry.fit_size((300, 900), (400, 300)) == (100, 300)
    assert geometry.fit_size((60, 40), (400, 300)) == (60, 40)


def test_crop_size_clamps_each_side() -> None:
    assert geometry.crop_size((800, 200), (400, 300)) == (400, 200)


@pytest.mark.parametrize(
    ("degrees", "expected"), [(0, (60, 40)), (90, (40, 60)), (180, (60, 40)), (270, (40, 60))]
)
def test_rotated_bounds_right_angles(degrees: int, expected: tuple[int, int]) -> None:
    assert geometry.rotated_bounds((60, 40), degrees) == expected


def test_rotated_bounds_45() -> None:
    side = math.ceil(100 * math.sqrt(2))
    assert geometry.rotated_bounds((100, 100), 45) == (side, side)


def test_tile_step_adds_percentage_gap() -> None:
    assert geometry.tile_step((200, 50), 10) == (220, 55)
    assert geometry.tile_step((200, 50), 0) == (200, 50)
    assert geometry.tile_step((200, 50), 100) == (400, 100)


def test_tile_origins_pass_through_anchor() -> None:
    origins = geometry.tile_origins((1000, 500), (100, 50), (850, 430), (150, 80))
    assert (850, 430) in origins
    xs = sorted({x for x, _ in origins})
    ys = sorted({y for _, y in origins})
    assert all(b - a == 150 for a, b in itertools.pairwise(xs))
    assert all(b - a == 80 for a, b in itertools.pairwise(ys))
    # First tiles still reach the canvas, the ones before them would not.
    assert xs[0] + 100 > 0 >= xs[0] - 150 + 100
    assert ys[0] + 50 > 0 >= ys[0] - 80 + 50
    assert xs[-1] < 1000 <= xs[-1] + 150
    assert ys[-1] < 500 <= ys[-1] + 80


@settings(max_examples=60, deadline=None)
@given(
    canvas=st.tuples(st.integers(1, 700), st.integers(1, 700)),
    tile=st.tuples(st.integers(1, 120), st.integers(1, 120)),
    gaps=st.tuples(st.integers(0, 60), st.integers(0, 60)),
    anchor=st.tuples(st.integers(-800, 800), st.integers(-800, 800)),
)
def test_tile_origins_cover_every_grid_cell_on_canvas(
    canvas: tuple[int, int],
    tile: tuple[int, int],
    gaps: tuple[int, int],
    anchor: tuple[int, int],
) -> None:
    step = (tile[0] + gaps[0], tile[1] + gaps[1])
    origins = set(geometry.tile_origins(canvas, tile, anchor, step))

    # Brute force: every grid tile through the anchor that overlaps the canvas is listed, no other.
    def indices(axis: int) -> range:
        low = (-anchor[axis] - tile[axis]) // step[axis] - 1
        high = (canvas[axis] - anchor[axis]) // step[axis] + 2
        return range(low, high)

    expected = set()
    for i in indices(0):
        for j in indices(1):
            x, y = anchor[0] + i * step[0], anchor[1] + j * step[1]
            if x < canvas[0] and y < canvas[1] and x + tile[0] > 0 and y + tile[1] > 0:
                expected.add((x, y))
    assert origins == expected


def test_packing_factors_reach_minimum_side_without_exceeding_canvas_need() -> None:
    across, down = geometry.packing_factors((30, 20), (5000, 5000))
    assert across * 30 >= geometry.MIN_PACKED_TILE_SIDE
    assert down * 20 >= geometry.MIN_PACKED_TILE_SIDE
    assert geometry.packing_factors((30, 20), (60, 40)) == (3, 3)
    assert geometry.packing_factors((900, 700), (5000, 5000)) == (1, 1)


def test_clip_to_canvas() -> None:
    assert geometry.clip_to_canvas((-10, 5), (30, 30), (100, 20)) == ((10, 0), (0, 5), (20, 15))
    assert geometry.clip_to_canvas((100, 0), (30, 30), (100, 20)) is None


def test_shadow_offset_grows_with_font_size() -> None:
    assert geometry.shadow_offset(6) == 1
    assert geometry.shadow_offset(13) == 1
    assert geometry.shadow_offset(48) == 4


def test_watermarks_crops_and_pads_share_one_gravity() -> None:
    # An even canvas and an odd box: ImageMagick's outer/2 - inner/2 gives 45, not (100-11)//2.
    from ciimage.imaging.geometry import gravity_offset

    for gravity in Gravity:
        placed = geometry.gravity_position(gravity, (100, 80), (11, 9), 3, 5)
        assert placed == gravity_offset(gravity, (100, 80), (11, 9), 3, 5)
    assert geometry.gravity_position(Gravity.CENTER, (100, 80), (11, 9), 0, 0) == (45, 36)
