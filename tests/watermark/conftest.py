"""Helpers for the watermark tests: synthetic images, a local bucket, a reference compositor.

The compositor here is deliberately independent of ciimage's executor: it is the textbook
straight-alpha "over" on an opaque background, so pixel tests check `build_overlay` on its own.
"""

from __future__ import annotations

import base64
import io
import socket
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from ciimage.watermark import BucketRootResolver, Overlay

BUCKET = "examplebucket-1250000000"
HOST = f"{BUCKET}.cos.ap-shanghai.myqcloud.com"


def encode(image: Image.Image, fmt: str = "PNG", **options: object) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, fmt, **options)
    return buffer.getvalue()


def solid_png(width: int, height: int, colour: tuple[int, int, int, int]) -> bytes:
    return encode(Image.new("RGBA", (width, height), colour))


def composite(overlay: Overlay, background: np.ndarray) -> np.ndarray:
    """`overlay` composited onto an opaque (h, w, 3) uint8 background, rounded to nearest."""
    result = background.astype(np.float64)
    tile = overlay.tile.astype(np.float64)
    tile_height, tile_width = overlay.tile.shape[:2]
    height, width = background.shape[:2]
    for x, y in overlay.positions:
        left, top = max(x, 0), max(y, 0)
        right, bottom = min(x + tile_width, width), min(y + tile_height, height)
        if right <= left or bottom <= top:
            continue
        piece = tile[top - y : bottom - y, left - x : right - x]
        alpha = piece[..., 3:4] / 255
        region = result[top:bottom, left:right]
        result[top:bottom, left:right] = piece[..., :3] * alpha + region * (1 - alpha)
    return np.clip(np.rint(result), 0, 255).astype(np.uint8)


def flat(width: int, height: int, colour: tuple[int, int, int] = (255, 255, 255)) -> np.ndarray:
    return np.full((height, width, 3), colour, dtype=np.uint8)


def changed_box(image: np.ndarray, background: tuple[int, int, int]) -> tuple[int, int, int, int]:
    """(left, top, right, bottom), inclusive, of the pixels that differ from `background`."""
    changed = np.any(image[..., :3] != np.array(background, dtype=np.uint8), axis=-1)
    rows = np.flatnonzero(changed.any(axis=1))
    columns = np.flatnonzero(changed.any(axis=0))
    assert rows.size and columns.size, "no watermark pixel found"
    return int(columns[0]), int(rows[0]), int(columns[-1]), int(rows[-1])


def b64(text: str) -> str:
    return base64.urlsafe_b64encode(text.encode("utf-8")).decode("ascii").rstrip("=")


class Helpers:
    """Handed to tests as the `wm` fixture (conftest modules are not importable)."""

    BUCKET = BUCKET
    HOST = HOST
    encode = staticmethod(encode)
    solid_png = staticmethod(solid_png)
    composite = staticmethod(composite)
    flat = staticmethod(flat)
    changed_box = staticmethod(changed_box)
    b64 = staticmethod(b64)

    @staticmethod
    def url(key: str) -> str:
        return f"http://{HOST}/{key}"


@pytest.fixture(autouse=True)
def no_sockets(monkeypatch: pytest.MonkeyPatch) -> None:
    """Watermarks never touch the network: any socket use fails the test loudly."""

    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("a watermark test tried to open a socket")

    monkeypatch.setattr(socket, "socket", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(socket, "getaddrinfo", refuse)


@pytest.fixture
def wm() -> type[Helpers]:
    return Helpers


@pytest.fixture
def bucket_root(tmp_path: Path) -> Path:
    """A bucket folder holding `mark.png` (60x40 opaque red) and `marks/blue.png` (30x20)."""
    bucket = tmp_path / "buckets" / BUCKET
    (bucket / "marks").mkdir(parents=True)
    (bucket / "mark.png").write_bytes(solid_png(60, 40, (255, 0, 0, 255)))
    (bucket / "marks" / "blue.png").write_bytes(solid_png(30, 20, (0, 0, 255, 255)))
    return tmp_path / "buckets"


@pytest.fixture
def resolver(bucket_root: Path) -> BucketRootResolver:
    return BucketRootResolver(bucket_root)
