"""GIF: logical screen, then count image descriptors by skipping data sub-blocks."""

from __future__ import annotations

from ciimage.errors import ImageError
from ciimage.header.binary import WalkBudget, u16le
from ciimage.header.model import ImageHeader

# libvips' (and browsers') delay for a frame without a graphic control extension.
_DEFAULT_DELAY_MS = 100


def _skip_sub_blocks(b: memoryview, pos: int, budget: WalkBudget) -> int:
    end = len(b)
    while True:
        if pos >= end:
            raise IndexError("GIF data sub-blocks run past the end of the file")
        size = b[pos]
        pos += 1
        if size == 0:
            return pos
        budget.spend()
        pos += size


def read_gif(b: memoryview) -> ImageHeader:
    width, height, flags = u16le(b, 6), u16le(b, 8), b[10]
    pos = 13 + ((3 << ((flags & 7) + 1)) if flags & 0x80 else 0)
    frames, transparent, end = 0, False, len(b)
    delays: list[int] = []
    pending_delay: int | None = None
    plays = 1  # no NETSCAPE block: the animation plays once
    budget = WalkBudget("GIF blocks and data sub-blocks", 1_000_000)
    try:
        while pos < end:
            budget.spend()
            block = b[pos]
            if block == 0x3B:  # trailer
                break
            if block == 0x21:  # extension: label, then sub-blocks
                label = b[pos + 1]
                if label == 0xF9 and b[pos + 2] >= 4:
                    transparent = transparent or bool(b[pos + 3] & 1)
                    pending_delay = u16le(b, pos + 4) * 10
                elif label == 0xFF and bytes(b[pos + 3 : pos + 14]) == b"NETSCAPE2.0":
                    repeats = u16le(b, pos + 16)
                    plays = 0 if repeats == 0 else repeats + 1
                pos = _skip_sub_blocks(b, pos + 2, budget)
            elif block == 0x2C:  # image descriptor, optional local table, LZW size, data
                frames += 1
                delays.append(_DEFAULT_DELAY_MS if pending_delay is None else pending_delay)
                pending_delay = None
                packed = b[pos + 9]
                pos += 10 + ((3 << ((packed & 7) + 1)) if packed & 0x80 else 0)
                pos = _skip_sub_blocks(b, pos + 1, budget)
            elif frames:
                break  # trailing garbage after complete frames: decoders ignore it
            else:
                raise ImageError(f"GIF has an unknown block 0x{block:02x} at byte {pos}")
    except IndexError:
        if frames == 0:
            raise
        # A damaged tail after complete frames: decoders show those frames, so count them.
    if frames == 0:
        raise ImageError("GIF has no image frames")
    return ImageHeader(
        format="gif",
        width=width,
        height=height,
        frames=frames,
        has_alpha=transparent,
        bands=4 if transparent else 3,
        delays=tuple(delays[:frames]),
        loop=plays,
    )
