"""ImageInspect: MPEG-TS streams appended to, hidden in or renamed as images are found exactly."""

from __future__ import annotations

import struct
import zlib

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from PIL import Image

from ciimage.errors import ImageTooLargeError
from ciimage.header import MAX_INPUT_BYTES
from ciimage.info import inspect
from ciimage.info.inspection import TS_PACKET

CLEAN_KEYS = ["picSize", "picType", "suspicious"]


def ts_stream(packets: int, seed: int = 1) -> bytes:
    """PAT, PMT, then video PES packets with running continuity counters (ISO 13818-1)."""
    rng = np.random.default_rng(seed)
    out = bytearray()
    counters: dict[int, int] = {}
    for index in range(packets):
        pid = 0x0000 if index == 0 else 0x1000 if index == 1 else 0x0100
        counter = counters.get(pid, 0)
        counters[pid] = (counter + 1) % 16
        start = 0x40 if index < 3 else 0x00  # payload_unit_start_indicator
        header = bytes([0x47, start | (pid >> 8), pid & 0xFF, 0x10 | counter])
        payload = rng.integers(0, 256, TS_PACKET - 4, dtype=np.uint8).tobytes()
        out += header + payload
    return bytes(out)


def noise(width: int, height: int, seed: int = 7) -> Image.Image:
    rng = np.random.default_rng(seed)
    return Image.fromarray(rng.integers(0, 256, (height, width, 3), dtype=np.uint8), "RGB")


def test_ts_appended_to_png(images) -> None:
    png = images.encode(noise(120, 80), "PNG")
    stream = ts_stream(40)
    data = png + stream
    assert inspect(data) == {
        "picSize": len(data),
        "picType": "PNG",
        "suspicious": True,
        "suspiciousBeginByte": len(png),
        "suspiciousEndByte": len(data) - 1,
        "suspiciousSize": len(stream),
        "suspiciousType": "MPEG-TS",
    }


def test_ts_hidden_inside_bmp_pixels(images) -> None:
    bmp = bytearray(images.encode(noise(200, 150), "BMP"))
    stream = ts_stream(25, seed=3)
    offset = 54 + 1001  # inside the pixel array, not packet-aligned
    bmp[offset : offset + len(stream)] = stream
    report = inspect(bytes(bmp))
    assert report["picType"] == "BMP"
    assert report["suspicious"] is True
    assert (report["suspiciousBeginByte"], report["suspiciousEndByte"]) == (
        offset,
        offset + len(stream) - 1,
    )
    assert report["suspiciousSize"] == len(stream)


@pytest.mark.parametrize("fmt", ["PNG", "JPEG", "GIF", "WEBP", "BMP"])
def test_clean_images_are_not_suspicious(images, fmt) -> None:
    data = images.encode(noise(300, 200), fmt)
    report = inspect(data)
    assert list(report) == CLEAN_KEYS
    assert report == {"picSize": len(data), "picType": report["picType"], "suspicious": False}


def test_flat_bmp_of_sync_bytes_is_not_a_stream(images) -> None:
    data = images.encode(Image.new("RGB", (400, 300), (0x47, 0x47, 0x47)), "BMP")
    assert inspect(data)["suspicious"] is False


def test_bare_ts_renamed_png() -> None:
    stream = ts_stream(60)
    report = inspect(stream)
    assert report["picType"] == "UNKNOWN"
    assert report["suspicious"] is True
    assert (report["suspiciousBeginByte"], report["suspiciousEndByte"]) == (0, len(stream) - 1)


def test_random_ancillary_chunk_no_false_positive(images) -> None:
    png = images.encode(noise(64, 64), "PNG")
    rng = np.random.default_rng(2024)
    body = rng.integers(0, 256, 2_000_000, dtype=np.uint8).tobytes()
    chunk = struct.pack(">I", len(body)) + b"rnDm" + body
    chunk += struct.pack(">I", zlib.crc32(b"rnDm" + body))
    data = png[:33] + chunk + png[33:]  # right after IHDR
    report = inspect(data)
    assert report == {"picSize": len(data), "picType": "PNG", "suspicious": False}


def test_too_short_runs_ignored(images) -> None:
    png = images.encode(noise(64, 64), "PNG")
    assert inspect(png + ts_stream(4))["suspicious"] is False


def test_oversize_input_refused() -> None:
    with pytest.raises(ImageTooLargeError):
        inspect(b"\x89PNG\r\n\x1a\n" + bytes(MAX_INPUT_BYTES))


_FILLER = np.random.default_rng(99).integers(0, 256, 60_000, dtype=np.uint8).tobytes()


@settings(max_examples=40, deadline=None)
@given(offset=st.integers(0, 30_000), packets=st.integers(5, 60), tail=st.integers(0, 5_000))
def test_exact_range_anywhere(offset, packets, tail) -> None:
    stream = ts_stream(packets, seed=offset)
    data = _FILLER[:offset] + stream + _FILLER[offset : offset + tail]
    report = inspect(data)
    assert report["suspiciousBeginByte"] == offset
    assert report["suspiciousEndByte"] == offset + len(stream) - 1
    assert report["suspiciousSize"] == len(stream)


def test_longest_of_several_streams_is_reported(images) -> None:
    png = images.encode(noise(64, 64), "PNG")
    short, long = ts_stream(8, seed=4), ts_stream(30, seed=5)
    data = png + short + bytes(1000) + long + bytes(77)
    report = inspect(data)
    begin = len(png) + len(short) + 1000
    assert (report["suspiciousBeginByte"], report["suspiciousSize"]) == (begin, len(long))


def test_flood_of_short_runs() -> None:
    def packet(pid: int) -> bytes:
        return bytes([0x47, pid >> 8, pid & 0xFF, 0x10]) + bytes(TS_PACKET - 4)

    # Every run has a stray last packet to trim: the slowest shape for the search.
    block = packet(0x100) * 5 + packet(0x155) + bytes(TS_PACKET)
    data = block * (8 * 1024 * 1024 // len(block))
    report = inspect(data)
    assert (report["suspiciousBeginByte"], report["suspiciousSize"]) == (0, 5 * TS_PACKET)
