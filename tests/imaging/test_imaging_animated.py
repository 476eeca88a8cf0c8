"""Animated GIF and WebP through every operation (addendum ruling 18).

Inputs are made here: 6 distinct frames (Pillow and libwebp merge identical ones), each with its
own delay and its own background red level, a blue marker in the top-left quadrant, and a loop
count of 3 plays. Every output is read back with Pillow: format, frame count, size, each delay,
the number of plays, and pixels of a later frame (frame 4), so an operation that only touched
the first frame fails.
"""

from __future__ import annotations

import io
from base64 import urlsafe_b64encode

import numpy as np
import pytest
from PIL import Image, ImageSequence

from ciimage import process
from ciimage.errors import CIError, ResolutionExceededError, RuleError, UnsupportedFormatError
from ciimage.header import read_header

WIDTH, HEIGHT, FRAMES = 80, 60, 6
DELAYS = [40, 60, 80, 100, 120, 140]
PLAYS = 3
LATER = 4
MARKER = (0, 0, 255)


def background(index: int) -> tuple[int, int, int]:
    return (30 + 40 * index, 160, 60)


def frame_array(index: int) -> np.ndarray:
    array = np.empty((HEIGHT, WIDTH, 3), dtype=np.uint8)
    array[:] = background(index)
    array[: HEIGHT // 2, : WIDTH // 2] = MARKER
    return array


def make_animation(fmt: str, frames: int = FRAMES, size: tuple[int, int] | None = None) -> bytes:
    pictures = [Image.fromarray(frame_array(i % FRAMES)) for i in range(frames)]
    if size is not None:
        pictures = [p.resize(size, Image.Resampling.NEAREST) for p in pictures]
    delays = [DELAYS[i % FRAMES] for i in range(frames)]
    buffer = io.BytesIO()
    # Pillow's GIF `loop` counts repeats (NETSCAPE n = n + 1 plays); WebP's counts plays.
    loop = PLAYS - 1 if fmt == "GIF" else PLAYS
    options = {"lossless": True} if fmt == "WEBP" else {"optimize": False}
    pictures[0].save(
        buffer,
        fmt,
        save_all=True,
        append_images=pictures[1:],
        duration=delays,
        loop=loop,
        **options,
    )
    return buffer.getvalue()


@pytest.fixture(scope="module", params=["GIF", "WEBP"])
def animation(request) -> tuple[str, bytes]:
    return request.param.lower(), make_animation(request.param)


def read_back(data: bytes) -> tuple[str, list[np.ndarray], list[int], int]:
    """Format, frames as RGB arrays, each delay in ms and the number of plays (0 = forever)."""
    image = Image.open(io.BytesIO(data))
    arrays, delays = [], []
    for frame in ImageSequence.Iterator(image):
        frame.load()
        delays.append(int(frame.info.get("duration", 0)))
        arrays.append(np.asarray(frame.convert("RGB"), dtype=np.int16))
    if image.format == "GIF":
        plays = (
            1 if "loop" not in image.info else (image.info["loop"] + 1 if image.info["loop"] else 0)
        )
    else:
        plays = int(image.info.get("loop", 0))
    return image.format.lower(), arrays, delays, plays


def near(pixel: np.ndarray, colour: tuple[int, int, int], tolerance: int = 14) -> bool:
    return bool(np.all(np.abs(pixel.astype(int) - colour) <= tolerance))


def check_animation(result, fmt: str, size: tuple[int, int], delays=DELAYS, frames=FRAMES):
    found_fmt, arrays, found_delays, plays = read_back(result.data)
    assert (result.format, found_fmt) == (fmt, fmt)
    assert (result.frames, len(arrays)) == (frames, frames)
    assert (result.width, result.height) == size and arrays[0].shape[:2] == size[::-1]
    assert found_delays == list(delays)
    assert plays == PLAYS
    return arrays


# (rule, output size, check on the later frame's RGB array)
def _marker_at(corner: str):
    def check(array: np.ndarray) -> None:
        h, w = array.shape[:2]
        points = {
            "tl": (h // 6, w // 6),
            "tr": (h // 6, w - 1 - w // 6),
            "bl": (h - 1 - h // 6, w // 6),
            "br": (h - 1 - h // 6, w - 1 - w // 6),
        }
        for name, (y, x) in points.items():
            expected = MARKER if name == corner else background(LATER)
            assert near(array[y, x], expected), (name, array[y, x])

    return check


def _background_everywhere(array: np.ndarray) -> None:
    assert near(array[array.shape[0] // 2, array.shape[1] // 2], background(LATER))


def _grey(array: np.ndarray) -> None:
    assert np.abs(array[..., 0] - array[..., 1]).max() <= 3
    red, green, blue = background(LATER)
    assert near(array[-3, -3], (round(0.299 * red + 0.587 * green + 0.114 * blue),) * 3)


def _brighter(array: np.ndarray) -> None:
    red, green, blue = background(LATER)
    assert near(array[-3, -3], (min(255, red + 51), min(255, green + 51), min(255, blue + 51)))


def _blurred_edge(array: np.ndarray) -> None:
    edge = array[HEIGHT // 4, WIDTH // 2 - 1 : WIDTH // 2 + 1, 2]  # blue across the marker's edge
    assert edge.min() > 60 + 15 and edge.max() < 255 - 15, edge


def _watermarked(array: np.ndarray) -> None:
    corner = array[-20:, -40:].reshape(-1, 3)
    assert np.abs(corner - background(LATER)).sum(axis=1).max() > 60  # text drawn there
    assert near(array[-3, 3], background(LATER))


def _padded(array: np.ndarray) -> None:
    assert near(array[2, 60], (255, 255, 255)) and near(array[80, 90], background(LATER))


OPERATIONS = [
    ("imageMogr2/thumbnail/40x", (40, 30), _marker_at("tl")),
    ("imageMogr2/thumbnail/!50p", (40, 30), _marker_at("tl")),
    ("imageMogr2/thumbnail/160x", (80, 60), _marker_at("tl")),  # animated: never enlarged
    ("imageMogr2/thumbnail/120x120/pad/1/color/I0ZGRkZGRg", (120, 120), _padded),
    ("imageMogr2/crop/40x30/gravity/southeast", (40, 30), _background_everywhere),
    ("imageMogr2/crop/60x40/gravity/northwest", (60, 40), lambda a: near(a[15, 20], MARKER)),
    ("imageMogr2/cut/40x30x40x30", (40, 30), _background_everywhere),
    ("imageMogr2/rotate/90", (60, 80), _marker_at("tr")),
    ("imageMogr2/rotate/180", (80, 60), _marker_at("br")),
    ("imageMogr2/rotate/30", (100, 92), lambda a: near(a[46, 50], background(LATER))),
    ("imageMogr2/flip/vertical", (80, 60), _marker_at("bl")),
    ("imageMogr2/flip/horizontal", (80, 60), _marker_at("tr")),
    ("imageMogr2/auto-orient", (80, 60), _marker_at("tl")),
    ("imageMogr2/blur/4x3", (80, 60), _blurred_edge),
    ("imageMogr2/bright/20", (80, 60), _brighter),
    ("imageMogr2/contrast/30", (80, 60), lambda a: a[-3, -3, 1] > 165),
    ("imageMogr2/sharpen/80", (80, 60), _marker_at("tl")),
    ("imageMogr2/grayscale/1", (80, 60), _grey),
    ("imageMogr2/strip/quality/60", (80, 60), _marker_at("tl")),
    ("imageMogr2/size-limit/5k", (80, 60), _marker_at("tl")),
    ("imageView2/1/w/30/h/30", (30, 30), lambda a: near(a[3, 3], MARKER)),
    ("imageView2/2/w/40", (40, 30), _marker_at("tl")),
    ("imageView2/3/w/40/h/20", (40, 30), _marker_at("tl")),
    ("imageView2/4/w/40/h/20", (40, 30), _marker_at("tl")),
    ("imageView2/5/w/40/h/20", (40, 20), lambda a: near(a[10, 20], MARKER)),
    (
        f"watermark/2/text/{urlsafe_b64encode(b'CI').decode().rstrip('=')}/fontsize/24/fill/I0ZGRkZGRg",
        (80, 60),
        _watermarked,
    ),
]


@pytest.mark.parametrize(("rule", "size", "check"), OPERATIONS, ids=[o[0] for o in OPERATIONS])
def test_every_operation_applies_to_every_frame(animation, rule, size, check):
    fmt, data = animation
    arrays = check_animation(process(data, rule), fmt, size)
    check(arrays[LATER])


@pytest.mark.parametrize("backend", ["vips", "pillow"])
@pytest.mark.parametrize(
    "rule",
    ["imageMogr2/thumbnail/40x", "imageMogr2/crop/40x30/gravity/south", "imageMogr2/rotate/90"],
)
def test_both_backends_keep_the_animation(animation, backend, rule):
    fmt, data = animation
    result = process(data, rule, backend=backend)
    size = (60, 80) if "rotate" in rule else (40, 30)
    arrays = check_animation(result, fmt, size)
    assert near(arrays[LATER][-2, -2], background(LATER))


@pytest.mark.parametrize(("source", "target"), [("GIF", "webp"), ("WEBP", "gif")])
@pytest.mark.parametrize("backend", ["vips", "pillow"])
def test_gif_and_webp_convert_both_ways_animated(source, target, backend):
    result = process(make_animation(source), f"imageMogr2/format/{target}", backend=backend)
    arrays = check_animation(result, target, (WIDTH, HEIGHT))
    assert near(arrays[LATER][-2, -2], background(LATER))
    assert near(arrays[LATER][2, 2], MARKER)


@pytest.mark.parametrize("fmt", ["jpg", "png", "bmp", "heif", "avif"])
def test_still_outputs_get_the_first_frame(animation, fmt):
    _, data = animation
    result = process(data, f"imageMogr2/thumbnail/40x/format/{fmt}")
    assert (result.format, result.frames, result.width, result.height) == (fmt, 1, 40, 30)
    from ciimage.imaging.formats import open_with_pillow

    first = np.asarray(open_with_pillow(result.data).convert("RGB"), dtype=np.int16)
    assert near(first[-3, -3], background(0), tolerance=20)


def test_cgif_keeps_n_frames_evenly_with_the_total_duration(animation):
    fmt, data = animation
    arrays = check_animation(process(data, "imageMogr2/cgif/3"), fmt, (80, 60), [100, 180, 260], 3)
    # Frames 0, 2 and 4 are kept: the last kept one is the input's frame 4.
    assert near(arrays[2][-3, -3], background(4)) and near(arrays[1][-3, -3], background(2))


def test_cgif_with_more_frames_than_the_input_changes_nothing(animation):
    fmt, data = animation
    check_animation(process(data, "imageMogr2/cgif/10"), fmt, (80, 60))


@pytest.mark.parametrize("fmt", ["GIF", "WEBP"])
def test_cgif_one_keeps_the_first_thirty_frames(fmt):
    data = make_animation(fmt, frames=40, size=(20, 16))
    result = process(data, "imageMogr2/cgif/1")
    _, arrays, delays, _ = read_back(result.data)
    assert result.frames == len(arrays) == 30
    assert delays == [DELAYS[i % FRAMES] for i in range(30)]


@pytest.mark.parametrize("rule", ["imageMogr2/iradius/10", "imageMogr2/rradius/10"])
def test_radius_is_refused_on_gif(rule):
    with pytest.raises(RuleError, match="not supported on GIF"):
        process(make_animation("GIF"), rule)


def test_blind_watermarks_are_refused_on_animated_input(animation):
    _, data = animation
    text = urlsafe_b64encode(b"blind").decode().rstrip("=")
    with pytest.raises(UnsupportedFormatError, match="animated"):
        process(data, f"watermark/3/type/3/text/{text}")


def test_an_animated_watermark_image_is_refused(tmp_path):
    bucket = tmp_path / "examplebucket-1250000000"
    bucket.mkdir()
    (bucket / "mark.gif").write_bytes(make_animation("GIF"))
    from ciimage.watermark import BucketRootResolver

    url = b"http://examplebucket-1250000000.cos.ap-beijing.myqcloud.com/mark.gif"
    rule = f"watermark/1/image/{urlsafe_b64encode(url).decode().rstrip('=')}"
    with pytest.raises(CIError, match="animated"):
        process(make_animation("GIF"), rule, resolver=BucketRootResolver(tmp_path))


def test_frame_limits_are_checked_before_decoding():
    too_many = make_animation("GIF", frames=301, size=(4, 4))
    with pytest.raises(ResolutionExceededError, match="300"):
        process(too_many, "imageMogr2/thumbnail/2x")
    with pytest.raises(ResolutionExceededError, match="frames"):
        # 2000 x 1000 x 126 frames = 252 Mpx: over the 250 Mpx limit (claimed by the header).
        read = bytearray(make_animation("GIF", frames=126, size=(4, 4)))
        read[6:10] = (2000).to_bytes(2, "little") + (1000).to_bytes(2, "little")
        process(bytes(read), "imageMogr2/thumbnail/2x")


def test_frame_count_of_apng_and_animated_avif():
    from ciimage import image_info

    pictures = [Image.fromarray(frame_array(i)) for i in range(4)]
    for fmt in ("PNG", "AVIF"):
        buffer = io.BytesIO()
        pictures[0].save(buffer, fmt, save_all=True, append_images=pictures[1:], duration=50)
        assert read_header(buffer.getvalue()).frames == 4, fmt
        assert image_info(buffer.getvalue())["frame_count"] == "4"
        # Neither is animated on output: the first frame is written.
        assert process(buffer.getvalue(), "imageMogr2/thumbnail/40x").frames == 1


def test_scrop_uses_one_crop_for_every_frame(animation):
    fmt, data = animation
    arrays = check_animation(process(data, "imageMogr2/scrop/40x30"), fmt, (80, 60))
    # No face in these frames: CI returns the image unchanged, every frame of it.
    assert near(arrays[LATER][3, 3], MARKER) and near(arrays[LATER][-3, -3], background(LATER))


def test_scrop_finds_the_face_on_the_first_frame_and_crops_every_frame_alike():
    from skimage import data as samples

    from ciimage import prepare
    from ciimage.imaging.actions import Extract

    face = Image.fromarray(samples.astronaut()).resize((256, 256))
    pictures = []
    for index in range(3):
        picture = face.copy()
        picture.paste((60 * index, 255, 0), (0, 246, 256, 256))  # distinct frames
        pictures.append(picture)
    buffer = io.BytesIO()
    pictures[0].save(
        buffer,
        "WEBP",
        save_all=True,
        append_images=pictures[1:],
        duration=[50, 70, 90],
        lossless=True,
        loop=0,
    )
    data = buffer.getvalue()
    still = io.BytesIO()
    pictures[0].save(still, "PNG")
    rule = "imageMogr2/scrop/100x200"
    plan = prepare(data, rule)
    crops = [a for a in plan.actions if isinstance(a, Extract)]
    assert crops and crops == [
        a for a in prepare(still.getvalue(), rule).actions if isinstance(a, Extract)
    ]
    result = process(data, rule)
    _, arrays, delays, _ = read_back(result.data)
    assert (result.width, result.height, len(arrays), delays) == (100, 200, 3, [50, 70, 90])
    top = slice(0, 150)
    assert np.abs(arrays[2][top] - arrays[0][top]).mean() < 3  # the same window on each frame
