"""The planner against ImageMagick's documented -thumbnail geometry rules and the spec's examples.

`_imagemagick_size` re-derives each form straight from ImageMagick's ParseMetaGeometry rules
(percent: floor(p*side/100 + 0.5); aspect-kept forms: one scale factor, floor(f*side + 0.5), at
least 1; `>`/`<` clamp to the input per side; `^` takes the larger factor; `!` ignores aspect; `@`
truncates side/(sqrt(w*h)/sqrt(N))), in floating point, independently of the planner's fractions.
"""

from __future__ import annotations

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ciimage.errors import OutputTooLargeError, RuleError
from ciimage.imaging import plan as planner
from ciimage.imaging.geometry import thumbnail_size, view_geometry
from ciimage.rules import ast

K = ast.GeometryKind


def _imagemagick_size(geom: ast.ThumbnailGeometry, w: int, h: int) -> tuple[int, int]:
    def rnd(x: float) -> int:
        return max(1, math.floor(x + 0.5))

    if geom.kind is K.SCALE:
        return rnd(geom.percent * w / 100), rnd(geom.percent * h / 100)
    if geom.kind is K.SCALE_WIDTH:
        return rnd(geom.percent * w / 100), rnd(100 * h / 100)
    if geom.kind is K.SCALE_HEIGHT:
        return rnd(100 * w / 100), rnd(geom.percent * h / 100)
    if geom.kind is K.EXACT:
        return geom.width, geom.height
    if geom.kind is K.AREA:
        distance = math.sqrt(w * h) / math.sqrt(geom.area)
        return max(1, int(w / distance)), max(1, int(h / distance))
    if geom.kind is K.WIDTH:
        f = geom.width / w
    elif geom.kind is K.HEIGHT:
        f = geom.height / h
    elif geom.kind is K.COVER:
        f = max(geom.width / w, geom.height / h)
    else:
        f = min(geom.width / w, geom.height / h)
    out_w, out_h = rnd(f * w), rnd(f * h)
    if geom.kind is K.SHRINK:
        out_w, out_h = min(out_w, w), min(out_h, h)
    if geom.kind is K.ENLARGE:
        out_w, out_h = max(out_w, w), max(out_h, h)
    return out_w, out_h


def _near_half(x: float) -> bool:
    return abs((x % 1) - 0.5) < 1e-6


geometries = st.one_of(
    st.builds(lambda p: ast.ThumbnailGeometry(K.SCALE, percent=p), st.integers(1, 300)),
    st.builds(lambda p: ast.ThumbnailGeometry(K.SCALE_WIDTH, percent=p), st.integers(1, 300)),
    st.builds(lambda p: ast.ThumbnailGeometry(K.SCALE_HEIGHT, percent=p), st.integers(1, 300)),
    st.builds(lambda v: ast.ThumbnailGeometry(K.WIDTH, width=v), st.integers(1, 3000)),
    st.builds(lambda v: ast.ThumbnailGeometry(K.HEIGHT, height=v), st.integers(1, 3000)),
    *[
        st.builds(
            lambda a, b, k=kind: ast.ThumbnailGeometry(k, width=a, height=b),
            st.integers(1, 3000),
            st.integers(1, 3000),
        )
        for kind in (K.FIT, K.COVER, K.SHRINK, K.ENLARGE, K.EXACT)
    ],
    st.builds(lambda n: ast.ThumbnailGeometry(K.AREA, area=n), st.integers(1, 9_000_000)),
)


@settings(max_examples=400, deadline=None)
@given(geometries, st.integers(1, 5000), st.integers(1, 5000))
def test_every_form_agrees_with_imagemagick_rules(geom, w, h):
    expected = _imagemagick_size(geom, w, h)
    got = thumbnail_size(geom, w, h)
    if got != expected:
        # Only a value sitting exactly on .5 (or an integer for @) may differ: ciimage computes it
        # exactly where ImageMagick's doubles can land either side. Anything else is a bug.
        assert all(abs(a - b) <= 1 for a, b in zip(got, expected, strict=True))
        factors = [geom.width / w if geom.width else None, geom.height / h if geom.height else None]
        assert (
            geom.kind is K.AREA
            or any(f is not None and (_near_half(f * w) or _near_half(f * h)) for f in factors)
            or _near_half((geom.percent or 0) * w / 100)
            or _near_half((geom.percent or 0) * h / 100)
        )


GRID = [
    (w, h)
    for w in (1, 2, 3, 7, 99, 100, 101, 640, 1000, 1200, 4000, 6000)
    for h in (1, 5, 100, 333, 427, 500, 800, 4000)
]


@pytest.mark.parametrize("kind", list(K))
def test_each_form_on_a_grid_of_sizes(kind):
    geom = {
        K.SCALE: ast.ThumbnailGeometry(kind, percent=37),
        K.SCALE_WIDTH: ast.ThumbnailGeometry(kind, percent=150),
        K.SCALE_HEIGHT: ast.ThumbnailGeometry(kind, percent=50),
        K.WIDTH: ast.ThumbnailGeometry(kind, width=300),
        K.HEIGHT: ast.ThumbnailGeometry(kind, height=467),
        K.AREA: ast.ThumbnailGeometry(kind, area=40000),
    }.get(kind, ast.ThumbnailGeometry(kind, width=500, height=400))
    for w, h in GRID:
        got = thumbnail_size(geom, w, h)
        want = _imagemagick_size(geom, w, h)
        assert max(abs(got[0] - want[0]), abs(got[1] - want[1])) <= 1, (kind, w, h)
        if kind is K.AREA:
            assert got[0] * got[1] <= 40000 or min(got) == 1


# ---- worked examples (addendum 9, imageView2 spec text) ----

RULING_9_TABLE_640x427 = [
    # (geometry, expected), each expected worked out by hand from the rule in the comment.
    (ast.ThumbnailGeometry(K.HEIGHT, height=467), (700, 467)),  # 640*467/427 = 699.93
    (ast.ThumbnailGeometry(K.SCALE, percent=50), (320, 214)),  # 213.5 rounds up
    (ast.ThumbnailGeometry(K.SCALE_WIDTH, percent=50), (320, 427)),
    (ast.ThumbnailGeometry(K.SCALE_HEIGHT, percent=50), (640, 214)),
    (ast.ThumbnailGeometry(K.WIDTH, width=200), (200, 133)),  # 133.44
    (ast.ThumbnailGeometry(K.FIT, width=200, height=200), (200, 133)),
    (ast.ThumbnailGeometry(K.COVER, width=200, height=200), (300, 200)),  # 299.77
    (ast.ThumbnailGeometry(K.SHRINK, width=1000, height=1000), (640, 427)),
    (ast.ThumbnailGeometry(K.SHRINK, width=320, height=320), (320, 214)),
    (ast.ThumbnailGeometry(K.ENLARGE, width=1280, height=1280), (1280, 854)),
    (ast.ThumbnailGeometry(K.ENLARGE, width=320, height=320), (640, 427)),
    (ast.ThumbnailGeometry(K.EXACT, width=300, height=300), (300, 300)),
    (ast.ThumbnailGeometry(K.AREA, area=10000), (122, 81)),  # 640/sqrt(27.328) = 122.4
]


@pytest.mark.parametrize(("geom", "expected"), RULING_9_TABLE_640x427)
def test_ruling_9_table(geom, expected):
    assert thumbnail_size(geom, 640, 427) == expected


@pytest.mark.parametrize(
    ("mode", "w", "h", "size", "expected"),
    [
        (1, 500, 400, (1000, 500), (500, 400)),  # 800x400, then 150 px off each side
        (2, 500, 400, (1000, 500), (500, 250)),
        (3, 500, 400, (1000, 500), (800, 400)),
        (2, None, 200, (640, 427), (300, 200)),
        (1, 1080, 636, (256, 256), (256, 256)),  # never enlarges (ruling 11)
        (4, 400, 100, (1000, 500), (400, 200)),  # long >= 400 and short >= 100
        (5, 400, 100, (1000, 500), (400, 100)),
        (5, 400, 100, (500, 1000), (100, 400)),
        (1, 300, None, (1000, 500), (300, 300)),
    ],
)
def test_image_view2_examples(mode, w, h, size, expected):
    stage = ast.ViewStage(mode=mode, width=w, height=h)
    result = planner.plan(ast.Pipeline(stages=(stage,)), *size)
    assert (result.width, result.height) == expected


def test_view_mode_1_scales_then_crops_centre():
    scaled, final = view_geometry(1, 500, 400, (1000, 500))
    assert scaled == (800, 400) and final == (500, 400)
    stage = ast.ViewStage(mode=1, width=500, height=400)
    actions = planner.plan(ast.Pipeline(stages=(stage,)), 1000, 500).actions
    assert actions == (planner.Resize(800, 400), planner.Extract(150, 0, 500, 400))


def _mogr(*ops, ignore=False):
    return ast.Pipeline(stages=(ast.MogrStage(operations=ops, ignore_error=ignore),))


@pytest.mark.parametrize(
    ("gravity", "origin"),
    [
        ("northwest", (0, 0)),
        ("north", (350, 0)),
        ("northeast", (700, 0)),
        ("west", (0, 200)),
        ("center", (350, 200)),
        ("east", (700, 200)),
        ("southwest", (0, 400)),
        ("south", (350, 400)),
        ("southeast", (700, 400)),
    ],
)
def test_crop_gravity_origins(gravity, origin):
    crop = ast.Crop(300, 400, gravity=ast.Gravity(gravity))
    assert planner.plan(_mogr(crop), 1000, 800).actions == (planner.Extract(*origin, 300, 400),)


def test_crop_offsets_are_inward_margins_and_axes_ignored():
    se = ast.Crop(300, 400, gravity=ast.Gravity.SOUTHEAST, dx=10, dy=20)
    assert planner.plan(_mogr(se), 1000, 800).actions == (planner.Extract(690, 380, 300, 400),)
    centre = ast.Crop(300, 400, gravity=ast.Gravity.CENTER, dx=10, dy=20)
    assert planner.plan(_mogr(centre), 1000, 800).actions == (planner.Extract(350, 200, 300, 400),)


def test_crop_larger_than_image_is_clamped_and_advanced_offsets_apply():
    big = ast.Crop(5000, None, gravity=ast.Gravity.CENTER)
    assert (
        planner.plan(_mogr(big), 1000, 800).width,
        planner.plan(_mogr(big), 1000, 800).height,
    ) == (1000, 800)
    adv = ast.Crop(300, 400, dx=10, dy=10, advanced=True)
    assert planner.plan(_mogr(adv), 1000, 800).actions == (planner.Extract(10, 10, 300, 400),)
    shrink = ast.Crop(300, 400, dx=-10, dy=10, advanced=True)
    assert planner.plan(_mogr(shrink), 1000, 800).actions == (planner.Extract(0, 10, 290, 400),)


def test_cut_spec_sample_and_clipping():
    cut = ast.Cut(600, 600, 100, 10)
    assert planner.plan(_mogr(cut), 1200, 800).actions == (planner.Extract(100, 10, 600, 600),)
    assert planner.plan(_mogr(ast.Cut(600, 600, 1000, 500)), 1200, 800).actions == (
        planner.Extract(1000, 500, 200, 300),
    )
    with pytest.raises(RuleError):
        planner.plan(_mogr(ast.Cut(10, 10, 1200, 0)), 1200, 800)


def test_radius_limits_and_sizes():
    assert planner.plan(_mogr(ast.IRadius(200)), 1200, 800).width == 400
    assert planner.plan(_mogr(ast.RRadius(100)), 1200, 800).width == 1200
    for bad in (ast.IRadius(400), ast.RRadius(401)):
        with pytest.raises(RuleError, match="half the shorter side"):
            planner.plan(_mogr(bad), 1200, 800)


def test_output_over_9999_is_refused_unless_ignore_error():
    huge = ast.Thumbnail(ast.ThumbnailGeometry(K.WIDTH, width=9000))
    with pytest.raises(OutputTooLargeError):
        planner.plan(_mogr(huge), 1000, 1500)
    skipped = planner.plan(_mogr(huge, ignore=True), 1000, 1500)
    assert skipped.stages[0].skipped is not None and (skipped.width, skipped.height) == (1000, 1500)


def test_pad_centres_in_the_box():
    node = ast.Thumbnail(
        ast.ThumbnailGeometry(K.FIT, width=600, height=600), pad=True, color="#FF0000"
    )
    actions = planner.plan(_mogr(node), 1200, 800).actions
    assert actions == (planner.Resize(600, 400), planner.Embed(600, 600, 0, 100, "#FF0000"))


def test_rotate_and_orient_sizes():
    assert (planner.plan(_mogr(ast.Rotate(90)), 1200, 800).width) == 800
    turned = planner.plan(_mogr(ast.Rotate(45)), 100, 100)
    assert (turned.width, turned.height) == (142, 142)
    for orientation in range(1, 9):
        oriented = planner.plan(_mogr(ast.AutoOrient()), 1200, 800, orientation=orientation)
        assert oriented.width == (800 if orientation >= 5 else 1200)


def test_animated_images_are_never_enlarged():
    node = ast.Thumbnail(ast.ThumbnailGeometry(K.WIDTH, width=400))
    assert planner.plan(_mogr(node), 200, 100, animated=True).width == 200
    assert planner.plan(_mogr(node), 200, 100).width == 400
