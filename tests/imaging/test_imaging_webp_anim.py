"""The frame-parallel animated WebP writer (ciimage/imaging/webp_anim.py), read back with Pillow:
frame count, every delay, the loop count, each frame's pixels and alpha, changed rectangles only,
and through process() for GIF and WebP inputs once the animation is large enough."""

from __future__ import annotations

import io
import struct

import numpy as np
import pytest
import pyvips
from PIL import Image, ImageSequence

from ciimage import process
from ciimage.imaging import webp_anim

WIDTH, HEIGHT = 37, 23  # odd sizes: rectangles start on even offsets and end at the edge
DELAYS = (40, 5, 70, 70, 130, 1000)
PLAYS = 3


def smooth(index: int, bands: int) -> np.ndarray:
    y, x = np.mgrid[0:HEIGHT, 0:WIDTH].astype(np.float32)
    red = 120 + 90 * np.sin(x / 7.0 + index)
    green = 60 + 150 * x / WIDTH
    blue = 60 + 150 * y / HEIGHT
    planes = [red, green, blue][:bands] if bands >= 3 else [green]
    if bands in (2, 4):
        planes.append(np.where(((x - 5 * index) ** 2 + (y - 11) ** 2) < 64, 255, 0))
    return np.clip(np.dstack(planes), 0, 255).astype(np.uint8)


def frames_for(bands: int) -> list[np.ndarray]:
    """Six frames: changing everywhere, a small moving square, an identical repeat."""
    base = smooth(0, bands)
    second = base.copy()
    second[6:11, 9:14] = 255
    third = base.copy()
    third[15:21, 27:35] = 0
    if bands in (2, 4):
        third[15:21, 27:35, -1] = 255
    return [base, second, third, third.copy(), smooth(1, bands), smooth(2, bands)]


def as_strip(frames: list[np.ndarray]) -> pyvips.Image:
    stacked = np.ascontiguousarray(np.concatenate(frames, axis=0))
    height, width, bands = stacked.shape
    image = pyvips.Image.new_from_memory(stacked.data, width, height, bands, "uchar")
    return image.copy(interpretation="srgb" if bands >= 3 else "b-w")


def read(data: bytes) -> tuple[list[np.ndarray], list[int], int]:
    image = Image.open(io.BytesIO(data))
    assert image.format == "WEBP"
    arrays, delays = [], []
    for frame in ImageSequence.Iterator(image):
        frame.load()
        delays.append(int(frame.info["duration"]))
        arrays.append(np.asarray(frame.convert("RGBA"), dtype=np.int16))
    return arrays, delays, int(image.info["loop"])


def anmf_rects(data: bytes) -> list[tuple[int, int, int, int]]:
    rects, offset = [], 12
    while offset + 8 <= len(data):
        fourcc, (size,) = data[offset : offset + 4], struct.unpack_from("<I", data, offset + 4)
        if fourcc == b"ANMF":
            field = [
                int.from_bytes(data[offset + 8 + 3 * i : offset + 11 + 3 * i], "little")
                for i in range(4)
            ]
            rects.append((2 * field[0], 2 * field[1], field[2] + 1, field[3] + 1))
        offset += 8 + size + (size & 1)
    return rects


@pytest.mark.parametrize("bands", [3, 4, 1])
@pytest.mark.parametrize("threads", [1, 2, 4])
def test_frames_delays_loop_and_pixels_survive(bands, threads):
    frames = frames_for(bands)
    data = webp_anim.encode_animated_webp(as_strip(frames), DELAYS, PLAYS, 95, threads=threads)
    arrays, delays, plays = read(data)
    assert (len(arrays), delays, plays) == (len(frames), list(DELAYS), PLAYS)
    for index, (found, frame) in enumerate(zip(arrays, frames, strict=True)):
        assert found.shape[:2] == (HEIGHT, WIDTH)
        colour = frame[..., :3] if bands >= 3 else np.repeat(frame[..., :1], 3, axis=2)
        if bands in (2, 4):  # alpha is kept exactly; colour compared where it shows
            assert np.array_equal(found[..., 3], frame[..., -1]), index
            shown = frame[..., -1] == 255
        else:
            assert (found[..., 3] == 255).all()
            shown = np.ones((HEIGHT, WIDTH), dtype=bool)
        error = np.abs(found[..., :3] - colour)[shown]
        assert error.mean() < 4 and error.max() < 60, (index, error.mean(), error.max())


def test_only_the_changed_rectangle_is_stored():
    frames = frames_for(3)
    rects = anmf_rects(webp_anim.encode_animated_webp(as_strip(frames), DELAYS, 0, 90, 2))
    assert rects[0] == (0, 0, WIDTH, HEIGHT)
    assert rects[1] == (8, 6, 14 - 8, 11 - 6)  # the square at x 9-13, y 6-10, offsets even
    assert rects[2][0] <= 8 and rects[2][0] + rects[2][2] >= 35  # square gone, new block drawn
    assert rects[3] == (0, 0, 2, 2)  # unchanged: kept as a frame of its own
    assert rects[4] == (0, 0, WIDTH, HEIGHT)


def test_three_frames_over_two_threads_and_one_frame_per_thread():
    frames = frames_for(4)[:3]
    for threads in (2, 3):
        data = webp_anim.encode_animated_webp(as_strip(frames), (10, 20, 30), 0, None, threads)
        arrays, delays, plays = read(data)
        assert (len(arrays), delays, plays) == (3, [10, 20, 30], 0)


def gif_or_webp(fmt: str) -> bytes:
    frames = frames_for(4)
    frames[3][0:4, 0:4] = (255, 0, 0, 255)  # Pillow's savers would merge an identical repeat
    pictures = [Image.fromarray(frame) for frame in frames]
    buffer = io.BytesIO()
    loop = PLAYS - 1 if fmt == "GIF" else PLAYS  # Pillow's GIF loop counts repeats
    options = {"lossless": True} if fmt == "WEBP" else {"optimize": False, "disposal": 2}
    pictures[0].save(
        buffer,
        fmt,
        save_all=True,
        append_images=pictures[1:],
        duration=[40, 50, 60, 70, 80, 90],
        loop=loop,
        **options,
    )
    return buffer.getvalue()


@pytest.mark.parametrize("fmt", ["GIF", "WEBP"])
def test_process_uses_it_for_large_animations(monkeypatch, fmt):
    source = gif_or_webp(fmt)
    plain = process(source, "imageMogr2/format/webp/quality/90")
    monkeypatch.setattr(webp_anim, "PARALLEL_FROM_PIXELS", 1)
    written = []
    encoder = webp_anim.encode_animated_webp

    def spy(*args, **kwargs) -> bytes:
        written.append(encoder(*args, **kwargs))
        return written[-1]

    monkeypatch.setattr(webp_anim, "encode_animated_webp", spy)
    parallel = process(source, "imageMogr2/format/webp/quality/90")
    assert written == [parallel.data]
    assert (parallel.format, parallel.frames) == ("webp", 6)
    want, want_delays, want_plays = read(plain.data)
    found, delays, plays = read(parallel.data)
    assert (delays, plays) == (want_delays, want_plays) == ([40, 50, 60, 70, 80, 90], PLAYS)
    originals = [
        np.asarray(f.convert("RGBA"), dtype=np.int16)
        for f in ImageSequence.Iterator(Image.open(io.BytesIO(source)))
    ]
    for ours, libwebp, original in zip(found, want, originals, strict=True):
        shown = original[..., 3] == 255
        assert np.array_equal(ours[..., 3] == 255, shown)
        error = np.abs(ours - original)[..., :3][shown].mean()
        assert error < max(3.0, 1.5 * np.abs(libwebp - original)[..., :3][shown].mean())
