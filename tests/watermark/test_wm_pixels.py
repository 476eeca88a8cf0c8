"""Watermarks on real pixels: `build_overlay` composited by the reference compositor.

Each placement is checked against ruling 13 written out independently here: the watermark's
bounding box, found from the pixels on a flat background, sits dx from the left/right edge and
dy from the top/bottom edge named by the gravity, centred on the axes the gravity centres.
"""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from ciimage.rules.ast import Gravity, ImageWatermark, TextWatermark
from ciimage.watermark import BucketRootResolver, build_overlay

WIDTH, HEIGHT = 480, 360
WHITE = (255, 255, 255)
OFFSETS = [(0, 0), (13, 29), (100, 7)]


def expected_box(gravity: Gravity, size: tuple[int, int], dx: int, dy: int) -> tuple[int, ...]:
    """(left, top, right, bottom) inclusive, from ruling 13 and the 3x3 grid."""
    width, height = size
    name = gravity.value
    if name.endswith("west"):
        left = dx
    elif name.endswith("east"):
        left = WIDTH - dx - width
    else:
        left = (WIDTH - width) / 2
    if name.startswith("north"):
        top = dy
    elif name.startswith("south"):
        top = HEIGHT - dy - height
    else:
        top = (HEIGHT - height) / 2
    return left, top, left + width - 1, top + height - 1


def assert_box_close(found: tuple[int, ...], expected: tuple[float, ...]) -> None:
    assert all(abs(a - b) <= 1 for a, b in zip(found, expected, strict=True)), (found, expected)


@pytest.mark.parametrize("gravity", list(Gravity))
@pytest.mark.parametrize(("dx", "dy"), OFFSETS)
def test_image_watermark_bounding_box(
    gravity: Gravity, dx: int, dy: int, resolver: BucketRootResolver, wm: type
) -> None:
    node = ImageWatermark(image=wm.url("mark.png"), gravity=gravity, dx=dx, dy=dy, dissolve=100)
    result = wm.composite(build_overlay(node, WIDTH, HEIGHT, resolver), wm.flat(WIDTH, HEIGHT))
    assert_box_close(wm.changed_box(result, WHITE), expected_box(gravity, (60, 40), dx, dy))
    # Opaque red inside the box: the watermark itself, not just something, is there.
    left, top, _, _ = wm.changed_box(result, WHITE)
    assert tuple(result[top + 20, left + 30]) == (255, 0, 0)


@pytest.fixture(scope="module")
def text_size() -> tuple[int, int]:
    """The text's ink size, measured from pixels at northwest with no offset."""
    node = TextWatermark(text="水印 Mark", fontsize=36, fill="#000000", gravity=Gravity.NORTHWEST)
    overlay = build_overlay(node, WIDTH, HEIGHT, lambda url: b"")
    canvas = np.full((HEIGHT, WIDTH, 3), 255, dtype=np.uint8)
    tile = overlay.tile
    height, width = tile.shape[:2]
    alpha = tile[..., 3:4] / 255
    canvas[:height, :width] = np.rint(tile[..., :3] * alpha + 255 * (1 - alpha))
    changed = np.any(canvas != 255, axis=-1)
    rows, columns = np.flatnonzero(changed.any(axis=1)), np.flatnonzero(changed.any(axis=0))
    assert rows[0] == 0 and columns[0] == 0
    return int(columns[-1]) + 1, int(rows[-1]) + 1


@pytest.mark.parametrize("gravity", list(Gravity))
@pytest.mark.parametrize(("dx", "dy"), OFFSETS)
def test_text_watermark_bounding_box(
    gravity: Gravity, dx: int, dy: int, text_size: tuple[int, int], wm: type
) -> None:
    node = TextWatermark(
        text="水印 Mark", fontsize=36, fill="#000000", gravity=gravity, dx=dx, dy=dy
    )
    overlay = build_overlay(node, WIDTH, HEIGHT, lambda url: b"")
    result = wm.composite(overlay, wm.flat(WIDTH, HEIGHT))
    assert_box_close(wm.changed_box(result, WHITE), expected_box(gravity, text_size, dx, dy))


@pytest.mark.parametrize("background", [(255, 255, 255), (100, 100, 100), (0, 200, 40)])
def test_dissolve_50_blends_half_way(
    background: tuple[int, int, int], resolver: BucketRootResolver, wm: type
) -> None:
    node = ImageWatermark(image=wm.url("mark.png"), gravity=Gravity.CENTER, dissolve=50)
    result = wm.composite(build_overlay(node, 200, 100, resolver), wm.flat(200, 100, background))
    blended = result[50, 100].astype(float)
    expected = (np.array([255, 0, 0]) + np.array(background)) / 2
    assert np.all(np.abs(blended - expected) <= 3), (blended, expected)
    assert tuple(result[0, 0]) == background


def test_dissolve_50_text_blends_half_way(wm: type) -> None:
    node = TextWatermark(text="█", font="SimHei.ttf", fontsize=80, fill="#000000", dissolve=50)
    overlay = build_overlay(node, 300, 200, lambda url: b"")
    result = wm.composite(overlay, wm.flat(300, 200))
    darkest = int(result[..., 0].min())
    assert abs(darkest - 127.5) <= 3


def grid_cells_all_marked(image: np.ndarray, cell: int = 200) -> bool:
    changed = np.any(image != 255, axis=-1)
    height, width = changed.shape
    return all(
        changed[y : y + cell, x : x + cell].any()
        for y in range(0, height, cell)
        for x in range(0, width, cell)
    )


@pytest.mark.parametrize("degree", [0, 30, 45, 90, 300])
def test_text_tiling_covers_a_large_image(degree: int, wm: type) -> None:
    node = TextWatermark(text="腾讯云 CI", fontsize=40, batch=True, degree=degree, fill="#000000")
    overlay = build_overlay(node, 3000, 2200, lambda url: b"")
    result = wm.composite(overlay, wm.flat(3000, 2200))
    assert grid_cells_all_marked(result)


def test_image_tiling_covers_a_large_image(resolver: BucketRootResolver, wm: type) -> None:
    node = ImageWatermark(image=wm.url("mark.png"), batch=True, degree=45)
    overlay = build_overlay(node, 2600, 1800, resolver)
    assert grid_cells_all_marked(wm.composite(overlay, wm.flat(2600, 1800)))


def runs(mask: np.ndarray) -> list[tuple[int, int]]:
    """(start, length) of each run of True in a 1-D mask."""
    padded = np.concatenate([[False], mask, [False]])
    edges = np.flatnonzero(np.diff(padded.astype(np.int8)))
    return [(int(a), int(b - a)) for a, b in zip(edges[::2], edges[1::2], strict=True)]


def test_image_tiling_follows_spacing(resolver: BucketRootResolver, wm: type) -> None:
    # 60x40 opaque tiles with the default 10 % gap: period 66 across and 44 down.
    node = ImageWatermark(image=wm.url("mark.png"), batch=True, dissolve=100)
    result = wm.composite(build_overlay(node, 1000, 700, resolver), wm.flat(1000, 700))
    red = np.all(result == (255, 0, 0), axis=-1)
    row_runs = runs(red[700 - 20])  # a row through the bottom (anchor) row of tiles
    inner = row_runs[1:-1]
    assert {length for _, length in inner} == {60}
    assert {b[0] - a[0] for a, b in itertools.pairwise(inner)} == {66}
    # The anchor tile sits at southeast, flush with the corner.
    assert row_runs[-1] == (1000 - 60, 60)
    column_runs = runs(red[:, 1000 - 30])
    assert {length for _, length in column_runs[1:-1]} == {40}
    assert {b[0] - a[0] for a, b in itertools.pairwise(column_runs)} == {44}


@pytest.mark.parametrize("spacing", [0, 10, 50, 100])
def test_text_tiling_period_follows_spacing(spacing: int, wm: type) -> None:
    single = build_overlay(
        TextWatermark(text="MARK", fontsize=30, fill="#000000"), 900, 600, lambda url: b""
    )
    width = single.tile.shape[1]
    node = TextWatermark(text="MARK", fontsize=30, fill="#000000", batch=True, spacing=spacing)
    result = wm.composite(build_overlay(node, 900, 600, lambda url: b""), wm.flat(900, 600))
    band = np.any(result[600 - single.tile.shape[0] :] != 255, axis=-1)  # bottom row of tiles
    period = width + round(width * spacing / 100)

    def repeats_every(shift: int) -> bool:
        return bool(np.array_equal(band[:, : 900 - shift], band[:, shift:]))

    assert repeats_every(period)
    assert not repeats_every(period - 1) and not repeats_every(period + 1)
    # The anchor tile is flush with the southeast corner.
    assert band[:, 900 - 1].any() and band[-1].any()


def test_batch_degree_turns_the_tile_clockwise(wm: type) -> None:
    bar = wm.solid_png(60, 20, (0, 0, 255, 255))
    node = ImageWatermark(
        image=wm.url("bar.png"), batch=True, degree=90, dissolve=100, gravity=Gravity.NORTHWEST
    )
    overlay = build_overlay(node, 400, 400, lambda url: bar)
    result = wm.composite(overlay, wm.flat(400, 400))
    blue = np.all(result == (0, 0, 255), axis=-1)
    # Turned a quarter: 20 wide, 60 tall at the anchor, then a 2 px gap (10 % of 20) across.
    assert blue[:60, :20].all()
    assert not blue[:60, 20:22].any()
    assert blue[:60, 22:42].all()
    assert not blue[60:66, :20].any()


def test_batch_degree_45_turns_a_bar_into_a_diagonal(wm: type) -> None:
    bar = wm.solid_png(100, 10, (0, 0, 255, 255))
    node = ImageWatermark(
        image="http://b.cos.r.myqcloud.com/bar.png",
        batch=True,
        degree=45,
        dissolve=100,
        gravity=Gravity.NORTHWEST,
    )
    tile = build_overlay(node, 2000, 2000, lambda url: bar).tile
    # The first tile: ink along the main diagonal (a clockwise turn), hardly any on the other.
    side = 78  # ceil((100 + 10) / sqrt(2))
    first = tile[:side, :side, 3]
    diagonal = [first[i, i] for i in range(10, side - 10)]
    anti = [first[i, side - 1 - i] for i in range(10, side - 10)]
    assert min(diagonal) > 200
    assert sum(value > 0 for value in anti) < 12


def test_single_placement_clips_to_the_image(resolver: BucketRootResolver, wm: type) -> None:
    node = ImageWatermark(image=wm.url("mark.png"), gravity=Gravity.SOUTHEAST, dx=-30, dy=-25)
    overlay = build_overlay(node, 200, 100, resolver)
    assert overlay.positions == [(200 - 60 + 30, 100 - 40 + 25)]
    assert overlay.tile.shape[:2] == (15, 30)


def test_watermark_entirely_outside_has_no_positions(
    resolver: BucketRootResolver, wm: type
) -> None:
    node = ImageWatermark(image=wm.url("mark.png"), gravity=Gravity.NORTHWEST, dx=500)
    assert build_overlay(node, 200, 100, resolver).positions == []


@pytest.mark.parametrize("degree", [0, 33, 90, 200])
def test_tiles_larger_than_the_image_become_one_bounded_layer(degree: int, wm: type) -> None:
    from ciimage.watermark import Overlay, geometry, raster
    from ciimage.watermark.overlay import text_tile

    node = TextWatermark(
        text="a long watermark line " * 4, fontsize=40, batch=True, degree=degree, spacing=20
    )
    canvas = (300, 200)
    overlay = build_overlay(node, *canvas, lambda url: b"")
    assert overlay.tile.shape[:2] == (200, 300) and overlay.positions == [(0, 0)]
    # Reference: the whole turned tile composited at every grid position.
    turned = raster.rotate_clockwise(text_tile(node, canvas), degree)
    size = raster.size_of(turned)
    anchor = geometry.gravity_position(node.gravity, canvas, size, 0, 0)
    positions = geometry.tile_origins(canvas, size, anchor, geometry.tile_step(size, 20))
    reference = wm.composite(Overlay(turned, positions), wm.flat(*canvas))
    assert np.array_equal(wm.composite(overlay, wm.flat(*canvas)), reference)
    assert (reference != 255).any()


@pytest.mark.parametrize("degree", [0, 45])
def test_packed_placements_and_single_layer_give_the_same_pixels(
    degree: int, monkeypatch: pytest.MonkeyPatch, wm: type
) -> None:
    from ciimage.watermark import overlay as overlay_module

    node = TextWatermark(text="水印", fontsize=24, batch=True, degree=degree, fill="#000000")
    layer = build_overlay(node, 1500, 1100, lambda url: b"")
    assert layer.positions == [(0, 0)] and layer.tile.shape[:2] == (1100, 1500)
    monkeypatch.setattr(overlay_module, "MAX_LAYER_PIXELS", 1000)
    packed = build_overlay(node, 1500, 1100, lambda url: b"")
    assert 1 < len(packed.positions) < 30
    assert packed.tile.shape[0] >= 512 and packed.tile.shape[1] >= 512
    canvas = wm.flat(1500, 1100)
    assert np.array_equal(wm.composite(packed, canvas), wm.composite(layer, canvas))
