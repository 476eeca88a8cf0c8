"""Byte-reading helpers shared by the format readers, and the bound on structure walks."""

from __future__ import annotations

import struct

from ciimage.errors import ImageError

_INCH_PER_METRE = 0.0254


class WalkBudget:
    """Bounds a walk over a file's structures (segments, chunks, boxes, sub-blocks).

    Real files have a few of them per kilobyte at most (a 32 MB GIF has about 130,000 255-byte
    sub-blocks); a file of millions of empty ones exists only to stall the reader, and is refused.
    """

    def __init__(self, what: str, limit: int) -> None:
        self.what, self.limit, self.left = what, limit, limit

    def spend(self, amount: int = 1) -> None:
        self.left -= amount
        if self.left < 0:
            raise ImageError(f"{self.what}: more than {self.limit}; ciimage refuses such files")


def u16be(b: memoryview, at: int) -> int:
    return int(struct.unpack_from(">H", b, at)[0])


def u32be(b: memoryview, at: int) -> int:
    return int(struct.unpack_from(">I", b, at)[0])


def u16le(b: memoryview, at: int) -> int:
    return int(struct.unpack_from("<H", b, at)[0])


def u32le(b: memoryview, at: int) -> int:
    return int(struct.unpack_from("<I", b, at)[0])


def u24le(b: memoryview, at: int) -> int:
    chunk = bytes(b[at : at + 3])
    if len(chunk) < 3:
        raise IndexError("header ends early")
    return int.from_bytes(chunk, "little")


def dpi_from_ppm(x_ppm: int, y_ppm: int) -> tuple[float, float] | None:
    if x_ppm <= 0 or y_ppm <= 0:
        return None
    return x_ppm * _INCH_PER_METRE, y_ppm * _INCH_PER_METRE
