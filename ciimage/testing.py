"""Hand-built inputs, for ciimage's own tests and benchmarks and for anyone testing a service
built on it: hostile headers that claim huge sizes over almost no data (decompression bombs), and
photo-like JPEGs (smooth gradients plus grain) whose cost to decode and resize is a photo's."""

from __future__ import annotations

import struct
import zlib


def png_chunk(kind: bytes, body: bytes) -> bytes:
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))


def png_claiming(width: int, height: int) -> bytes:
    """A valid-looking 8-bit RGB PNG whose IHDR claims `width` x `height` over 64 bytes of data."""
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + png_chunk(b"IHDR", ihdr)
        + png_chunk(b"IDAT", zlib.compress(b"\x00" * 64))
        + png_chunk(b"IEND", b"")
    )


def jpeg_claiming(width: int, height: int) -> bytes:
    """A baseline JPEG whose SOF0 claims `width` x `height`, with a quantisation table, a Huffman
    table and a scan header, so a decoder's header reader gets as far as on a real file."""
    sof = struct.pack(">HBHHB", 17, 8, height, width, 3) + bytes.fromhex("012200021101031101")
    dqt = b"\xff\xdb" + struct.pack(">H", 67) + b"\x00" + bytes(range(1, 65))
    dht_body = b"\x00" + bytes([0, 1] + [0] * 14) + b"\x00"
    dht = b"\xff\xc4" + struct.pack(">H", 2 + len(dht_body)) + dht_body
    scan = b"\xff\xda\x00\x0c\x03\x01\x00\x02\x00\x03\x00\x00\x3f\x00"
    return b"\xff\xd8" + dqt + b"\xff\xc0" + sof + dht + scan + b"\x00" * 64 + b"\xff\xd9"


def photo_like_jpeg(seed: int, width: int = 2000, height: int = 1500, quality: int = 90) -> bytes:
    """A photo-like JPEG, distinct per `seed`, so that no cache answers a repeated request."""
    import io

    import numpy as np
    from PIL import Image

    y, x = np.mgrid[0:height, 0:width].astype(np.float32)
    noise = np.random.default_rng(seed).normal(0, 6, (height, width)).astype(np.float32)
    red = 127 + 100 * np.sin(x / (31.0 + seed)) * np.cos(y / 53.0) + noise
    green = 255 * x / (width - 1) + noise
    blue = 255 * y / (height - 1) - noise
    pixels = np.clip(np.dstack([red, green, blue]), 0, 255).astype(np.uint8)
    buffer = io.BytesIO()
    Image.fromarray(pixels).save(buffer, "JPEG", quality=quality)
    return buffer.getvalue()
