"""Animated WebP written frame by frame on every core (docs/semantics.md, "Animated images").

libwebp's animation encoder runs on one thread and costs about 2.3x a still encode of the same
frame (the lead's and this module's measurements are in docs/semantics.md). For a large
animation each frame is instead encoded as a still lossy WebP by libvips, in a pool of threads
(libvips runs without the GIL), while the next frames are still being decoded, and the stills
are put into one container: RIFF, VP8X, ANIM (loop), then one ANMF per frame with its exact
delay. A frame carries only the rectangle that changed since the previous one (dispose none, no
blending), so a still background is not encoded again; an unchanged frame is kept as a 2x2
rectangle of itself, so the frame count stays exact.
"""

from __future__ import annotations

import struct
from collections import deque
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    import pyvips

# Below this many pixels in all (frames x width x height) libwebp's own animation encoder runs
# (about 1 s of CPU at most): its blending of nearly unchanged pixels can make the smaller file
# where a frame changes little. Above it, CPU time is what counts.
PARALLEL_FROM_PIXELS = 8_000_000
# libwebp method for the stills: 1 measured 21 ms and 7.1 kB per 960x720 frame against 17 ms /
# 8.1 kB at 0 and 27 ms / 7.0 kB at 2 (docs/semantics.md).
FRAME_EFFORT = 1
# Frames waiting to be encoded, per thread: bounds memory whatever the frame count.
_QUEUED_PER_THREAD = 2
_IMAGE_CHUNKS = (b"ALPH", b"VP8 ", b"VP8L")
_VP8X_ALPHA, _VP8X_ANIMATION = 0x10, 0x02
_NO_BLEND = 0x02  # ANMF flags: do not blend, dispose none
_WHITE = 0xFFFFFFFF  # ANIM background, as libwebp writes it


def worth_parallel(width: int, height: int, frames: int) -> bool:
    """Whether an animation is large enough for the frame-parallel encoder."""
    return frames > 1 and width * height * frames >= PARALLEL_FROM_PIXELS


def encode_animated_webp(
    strip: pyvips.Image,
    delays: tuple[int, ...],
    loop: int,
    quality: int | None,
    threads: int | None = None,
) -> bytes:
    """The animated WebP of `strip` (len(delays) frames stacked vertically), `loop` plays."""
    import pyvips

    count = len(delays)
    width, page_height = strip.width, strip.height // count
    workers = max(1, threads or pyvips.concurrency_get())
    options = {"effort": FRAME_EFFORT, "keep": pyvips.ForeignKeep.NONE}
    if quality is not None:
        options["Q"] = quality
    frames: list[bytes] = []  # each frame's ANMF header, then its whole ANMF chunk
    alpha = False
    pending: deque[tuple[int, Future[tuple[bytes, bool]]]] = deque()
    with ThreadPoolExecutor(max_workers=workers) as pool:
        for index, (rect, pixels) in enumerate(_changed_rects(strip, count, page_height)):
            frames.append(_anmf_header(rect, delays[index]))
            pending.append((index, pool.submit(_encode_frame, pixels, options)))
            if len(pending) > workers * _QUEUED_PER_THREAD:
                alpha = _collect(*pending.popleft(), frames) or alpha
        while pending:
            alpha = _collect(*pending.popleft(), frames) or alpha
    return _container(frames, width, page_height, loop, alpha)


def _changed_rects(
    strip: pyvips.Image, count: int, page_height: int
) -> Iterator[tuple[tuple[int, int, int, int], np.ndarray]]:
    """Each frame's changed rectangle (x, y, w, h; x and y even, as ANMF stores them halved) and
    its pixels, frames read in order (a sequentially decoded strip is read once)."""
    previous: np.ndarray | None = None
    for index in range(count):
        frame = strip.crop(0, index * page_height, strip.width, page_height).numpy()
        if frame.ndim == 2:
            frame = frame[:, :, None]
        rect = _rect(previous, frame)
        x, y, w, h = rect
        yield rect, np.ascontiguousarray(frame[y : y + h, x : x + w])
        previous = frame


def _rect(previous: np.ndarray | None, frame: np.ndarray) -> tuple[int, int, int, int]:
    height, width = frame.shape[:2]
    if previous is None:
        return 0, 0, width, height
    # Rows first, over each row's bytes, then columns within those rows: reducing over the
    # short band axis first measured 15x slower.
    changed = previous != frame
    rows = np.flatnonzero(changed.reshape(height, -1).any(axis=1))
    if rows.size == 0:
        return 0, 0, min(2, width), min(2, height)
    columns = np.flatnonzero(changed[rows[0] : rows[-1] + 1].any(axis=0).any(axis=1))
    x, y = int(columns[0]) & ~1, int(rows[0]) & ~1
    return x, y, int(columns[-1]) + 1 - x, int(rows[-1]) + 1 - y


def _encode_frame(pixels: np.ndarray, options: dict[str, int]) -> tuple[bytes, bool]:
    """One rectangle as a still WebP: its image chunks (ALPH, VP8/VP8L) and whether it has alpha."""
    import pyvips

    height, width, bands = pixels.shape
    image = pyvips.Image.new_from_memory(pixels.data, width, height, bands, "uchar")
    image = image.copy(interpretation="srgb" if bands >= 3 else "b-w")
    still = image.webpsave_buffer(**options)
    chunks = [
        still[start : start + 8 + size + (size & 1)]
        for fourcc, start, size in _chunks(still)
        if fourcc in _IMAGE_CHUNKS
    ]
    has_alpha = any(chunk[:4] == b"ALPH" for chunk in chunks)
    return b"".join(chunks), has_alpha


def _collect(index: int, job: Future[tuple[bytes, bool]], frames: list[bytes]) -> bool:
    """Append the finished frame's image chunks to its ANMF header; whether it has alpha."""
    data, has_alpha = job.result()
    frames[index] = _chunk(b"ANMF", frames[index] + data)
    return has_alpha


def _chunks(data: bytes) -> Iterator[tuple[bytes, int, int]]:
    """(fourcc, offset of the chunk, payload size) of each chunk in a RIFF WEBP file."""
    offset = 12
    while offset + 8 <= len(data):
        fourcc = data[offset : offset + 4]
        (size,) = struct.unpack_from("<I", data, offset + 4)
        yield fourcc, offset, size
        offset += 8 + size + (size & 1)


def _chunk(fourcc: bytes, payload: bytes) -> bytes:
    padding = b"\0" if len(payload) & 1 else b""
    return fourcc + struct.pack("<I", len(payload)) + payload + padding


def _uint24(value: int) -> bytes:
    return value.to_bytes(3, "little")


def _anmf_header(rect: tuple[int, int, int, int], delay: int) -> bytes:
    x, y, w, h = rect
    fields = (x // 2, y // 2, w - 1, h - 1, min(delay, 0xFFFFFF))
    return b"".join(_uint24(value) for value in fields) + bytes([_NO_BLEND])


def _container(frames: list[bytes], width: int, height: int, loop: int, alpha: bool) -> bytes:
    flags = _VP8X_ANIMATION | (_VP8X_ALPHA if alpha else 0)
    vp8x = _chunk(b"VP8X", bytes([flags, 0, 0, 0]) + _uint24(width - 1) + _uint24(height - 1))
    anim = _chunk(b"ANIM", struct.pack("<IH", _WHITE, min(loop, 0xFFFF)))
    body = b"".join([b"WEBP", vp8x, anim, *frames])
    return b"RIFF" + struct.pack("<I", len(body)) + body
