"""The spec's and the addendum's worked examples on real pixels, and the process() API."""

from __future__ import annotations

import io
import json

import numpy as np
import pytest
from PIL import Image

import ciimage
from ciimage import CIError, process
from ciimage.errors import ProcessingTimeoutError, StyleNotFoundError, UnsupportedFormatError
from ciimage.imaging.context import Limits

BACKENDS = ["vips", "pillow"]


@pytest.fixture(scope="module")
def png_1000x500(images) -> bytes:
    return images.encode(images.smooth(1000, 500))


@pytest.fixture(scope="module")
def png_640x427(images) -> bytes:
    return images.encode(images.smooth(640, 427))


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize(
    ("rule", "size"),
    [
        ("imageView2/1/w/500/h/400", (500, 400)),
        ("imageView2/2/w/500/h/400", (500, 250)),
        ("imageView2/3/w/500/h/400", (800, 400)),
    ],
)
def test_image_view2_worked_examples(images, png_1000x500, backend, rule, size):
    result = process(png_1000x500, rule, backend=backend)
    out = images.decode(result.data)
    assert (result.width, result.height) == size and out.shape[1::-1] == size


@pytest.mark.parametrize("backend", BACKENDS)
def test_image_view2_mode_1_crops_150_px_from_each_side(images, png_1000x500, backend):
    rule = "imageMogr2/thumbnail/800x400"
    whole = images.decode(process(png_1000x500, rule, backend=backend).data)
    cropped = images.decode(process(png_1000x500, "imageView2/1/w/500/h/400", backend=backend).data)
    assert images.psnr(cropped, whole[:, 150:650]) > 40


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize(
    ("geometry", "size"),
    [
        ("x467", (700, 467)),
        ("!50p", (320, 214)),
        ("!50px", (320, 427)),
        ("!x50p", (640, 214)),
        ("200x", (200, 133)),
        ("200x200", (200, 133)),
        ("!200x200r", (300, 200)),
        ("1000x1000>", (640, 427)),
        ("320x320>", (320, 214)),
        ("1280x1280<", (1280, 854)),
        ("320x320<", (640, 427)),
        ("300x300!", (300, 300)),
        ("10000@", (122, 81)),
    ],
)
def test_ruling_9_table_on_pixels(images, png_640x427, backend, geometry, size):
    result = process(png_640x427, f"imageMogr2/thumbnail/{geometry}", backend=backend)
    assert images.decode(result.data).shape[1::-1] == size


def test_ruling_9_image_view2_height_only(png_640x427):
    result = process(png_640x427, "imageView2/2/h/200")
    assert (result.width, result.height) == (300, 200)


@pytest.mark.parametrize("backend", BACKENDS)
def test_crop_samples_take_exact_regions(images, backend):
    source = images.textured(1200, 800)
    data = images.encode(source)
    cut = images.decode(process(data, "imageMogr2/cut/600x600x100x10", backend=backend).data)
    assert np.array_equal(cut, source[10:610, 100:700])
    centre = images.decode(
        process(data, "imageMogr2/crop/300x400/gravity/center", backend=backend).data
    )
    assert np.array_equal(centre, source[200:600, 450:750])
    either_order = images.decode(
        process(data, "imageMogr2/gravity/center/crop/300x400", backend=backend).data
    )
    assert np.array_equal(either_order, centre)
    circle = process(data, "imageMogr2/iradius/200", backend=backend)
    rounded = process(data, "imageMogr2/rradius/100", backend=backend)
    assert (circle.width, circle.height) == (400, 400)
    assert (rounded.width, rounded.height) == (1200, 800)


@pytest.fixture(scope="module")
def astronaut_jpeg(images) -> bytes:
    from skimage import data

    return images.encode(data.astronaut(), "JPEG", quality=90)


@pytest.mark.parametrize("backend", BACKENDS)
def test_scrop_crops_around_the_face(images, astronaut_jpeg, backend):
    from ciimage.imaging.faces import largest_face

    result = process(astronaut_jpeg, "imageMogr2/scrop/100x300/format/png", backend=backend)
    assert (result.width, result.height) == (100, 300)
    # The face box scaled by 300/512 must sit inside the 100 px wide window.
    x, _, w, _ = largest_face(images.decode(astronaut_jpeg))
    scaled = 300 / 512
    out = images.decode(result.data)
    full = images.decode(
        process(astronaut_jpeg, "imageMogr2/thumbnail/300x300/format/png", backend=backend).data
    )
    centre = round((x + w / 2) * scaled)
    left = min(max(0, centre - 50), 300 - 100)
    assert images.psnr(out, full[:, left : left + 100]) > 35


@pytest.mark.parametrize("backend", BACKENDS)
def test_scrop_without_a_face_returns_the_input(images, backend):
    data = images.encode(images.smooth(300, 200))
    result = process(data, "imageMogr2/scrop/100x100", backend=backend)
    assert (result.width, result.height) == (300, 200)


def _gif(frames: int) -> bytes:
    pictures = [Image.new("RGB", (60, 40), (40 * i, 100, 200)) for i in range(frames)]
    out = io.BytesIO()
    pictures[0].save(out, "GIF", save_all=True, append_images=pictures[1:], duration=50)
    return out.getvalue()


def test_animated_input_becomes_its_first_frame_for_static_output(images):
    result = process(_gif(3), "imageMogr2/thumbnail/30x/format/png")
    assert (result.width, result.height, result.frames) == (30, 20, 1)
    assert tuple(images.decode(result.data)[10, 10][:3]) == (0, 100, 200)


def test_query_stage_after_processing_describes_the_output(images):
    data = images.encode(images.smooth(400, 300), "JPEG")
    info = json.loads(process(data, "imageMogr2/thumbnail/200x|imageInfo").data)
    assert (info["width"], info["height"]) == ("200", "150")
    plain = process(data, "imageInfo")
    assert plain.format == "json" and json.loads(plain.data)["width"] == "400"


def test_styles_are_resolved(images):
    data = images.encode(images.smooth(400, 300))
    result = process(data, "style/small", styles={"small": "imageMogr2/thumbnail/100x"})
    assert (result.width, result.height) == (100, 75)
    with pytest.raises(StyleNotFoundError):
        process(data, "style/missing", styles={})


def test_public_plan_and_result_fields(images):
    planned = ciimage.plan("imageView2/1/w/500/h/400", 1000, 500)
    assert (planned.width, planned.height) == (500, 400)
    assert [(s.width, s.height) for s in planned.stages] == [(500, 400)]
    data = images.encode(images.smooth(400, 300), "JPEG", quality=80)
    result = process(data, "imageMogr2/format/webp/quality/70")
    assert (result.format, result.quality, result.frames) == ("webp", 70, 1)
    assert result.data[8:12] == b"WEBP"


@pytest.mark.parametrize("fmt", ["heif", "avif", "bmp", "gif", "png", "webp", "jpg"])
def test_every_output_format_decodes_to_the_planned_size(images, fmt):
    data = images.encode(images.smooth(300, 200))
    result = process(data, f"imageMogr2/thumbnail/150x/format/{fmt}")
    assert result.format == fmt and (result.width, result.height) == (150, 100)
    if fmt not in ("heif", "avif"):
        assert Image.open(io.BytesIO(result.data)).size == (150, 100)


def test_bmp_input_runs_on_pillow_under_auto(images):
    data = images.encode(images.quadrants(200, 100), "BMP")
    result = process(data, "imageMogr2/crop/100x50/gravity/southeast")
    assert result.format == "bmp"
    assert tuple(images.decode(result.data)[5, 5]) == images.colours["bottom_right"]
    with pytest.raises(CIError):
        process(data, "imageMogr2/crop/100x50", backend="vips")


def test_tpg_is_refused_by_name(images):
    with pytest.raises(UnsupportedFormatError, match="tpg"):
        process(images.encode(images.smooth(30, 20)), "imageMogr2/format/tpg")


def test_deadline_between_steps(images):
    data = images.encode(images.smooth(300, 200))
    with pytest.raises(ProcessingTimeoutError):
        process(data, "imageMogr2/rotate/90/flip/vertical", limits=Limits(timeout=0))


def test_unknown_backend_is_a_ci_error(images):
    with pytest.raises(CIError, match="backend"):
        process(images.encode(images.smooth(30, 20)), "imageMogr2/flip/vertical", backend="gpu")


def test_auto_backend_choice_follows_codecs_and_measured_speed():
    from ciimage.imaging.backends import choose_backend
    from ciimage.imaging.plan import Adjust, Overlay, Resize, Turn
    from ciimage.rules import ast

    def chosen(inp, out, actions, size=(6000, 4000)):
        return choose_backend("auto", inp, out, actions, size).name

    assert chosen("bmp", "png", []) == "pillow" and chosen("png", "bmp", []) == "pillow"
    assert chosen("jpg", "jpg", [Resize(600, 400)]) == "pillow"  # DCT 1/8 does the work
    assert chosen("jpg", "jpg", [Resize(3000, 2000)]) == "pillow"  # DCT 1/2 is exact
    assert chosen("jpg", "jpg", [Resize(2000, 1333)]) == "vips"
    assert chosen("jpg", "png", [Resize(600, 400)]) == "vips"
    assert chosen("jpg", "webp", [Turn(90, 4000, 6000)]) == "pillow"
    assert chosen("jpg", "webp", [Adjust(ast.Blur(8, 5.0))]) == "vips"
    assert chosen("png", "jpg", [Resize(600, 400)]) == "vips"
    # Everyday sizes: Pillow's one thread beats libvips' set-up for cheap work.
    assert chosen("jpg", "jpg", [Turn(90, 427, 640)], (640, 427)) == "pillow"
    assert chosen("jpg", "jpg", [Turn(90, 1500, 2000)], (2000, 1500)) == "vips"
    assert chosen("jpg", "jpg", [Resize(200, 133)], (640, 427)) == "pillow"  # 3.2x
    assert chosen("jpg", "jpg", [Resize(512, 342)], (640, 427)) == "pillow"  # 1.25x
    assert chosen("jpg", "jpg", [Resize(800, 534)], (640, 427)) == "vips"  # an enlargement
    assert chosen("jpg", "jpg", [Resize(512, 384)], (2000, 1500)) == "vips"  # 3.9x, 3 MP
    assert chosen("jpg", "jpg", [Adjust(ast.Blur(8, 5.0))], (640, 427)) == "vips"
    # A watermark at everyday sizes: Pillow blends the tile's box, libvips every pixel.
    mark = Overlay(ast.TextWatermark(text="ci"))
    assert chosen("jpg", "jpg", [mark], (640, 427)) == "pillow"
    assert chosen("jpg", "jpg", [Resize(200, 133), mark], (640, 427)) == "pillow"
    # Watermarks alone, up to 4 MP: the same codecs, a blend of the box alone.
    assert chosen("jpg", "jpg", [mark], (2000, 1500)) == "pillow"
    assert chosen("jpg", "jpg", [mark], (4000, 3000)) == "vips"  # libvips streams
    assert chosen("jpg", "jpg", [Resize(512, 384), mark], (2000, 1500)) == "vips"
    assert chosen("jpg", "webp", [mark]) == "vips"


def test_svg_input_rasterises_and_svgc_keeps_it_vector():
    svg = (
        b'<?xml version="1.0"?>\n<!-- a comment -->\n<svg xmlns="http://www.w3.org/2000/svg" '
        b'width="100" height="50">\n  <rect width="100" height="50" fill="red"/>\n</svg>\n'
    )
    png = process(svg, "imageMogr2/thumbnail/50x/format/png")
    assert (png.format, png.width, png.height) == ("png", 50, 25)
    compressed = process(svg, "imageMogr2/format/svgc")
    assert compressed.format == "svgc" and b"<rect" in compressed.data
    assert len(compressed.data) < len(svg)
