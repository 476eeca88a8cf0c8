"""The three payloads on the shared tile: raw bits and text (with sync chips), image marks.

`embed_*` take and return uint8 pixel arrays (H x W grey, or H x W x 3/4); `extract_*` take the
suspect's pixels. Nothing here decodes files or knows about rules: see `ciimage.watermark.blind`.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

import numpy as np

from ciimage.watermark.blind import coding, geometry, registration
from ciimage.watermark.blind.carrier import DEFAULT_KEY, carrier
from ciimage.watermark.blind.spread import Detection, embed_tile, luma, soft_bits

# Luma rms of the added pattern (grey levels) per CI level; CI applies levels to type 2 only,
# types 1 and 3 always use level 1. Measured PSNR: docs/semantics.md, "Blind watermarks".
STRENGTH = {1: 2.0, 2: 2.5, 3: 3.0}

ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
TEXT_CHARS = 12  # the fixed text frame: CI's extraction passes no length
_CHAR_BITS = 6
_PAD = 63  # the 6-bit code after the last character
TEXT_BITS = TEXT_CHARS * _CHAR_BITS

# A text or bit payload is only decoded where the sync pattern stands this far above noise:
# unmarked images peak at 4.5 at most over every offset (measured on 100 images).
SYNC_Z = 6.0


@dataclass(frozen=True)
class BitsReading:
    payload: np.ndarray | None  # None: no CRC-valid payload found
    z: float  # the sync z of the best geometry tried


def text_payload(text: str) -> np.ndarray:
    """[0-9A-Za-z]{0,12} as TEXT_BITS bits (callers check the text first: see `check_text`)."""
    codes = [ALPHABET.index(c) for c in text] + [_PAD] * (TEXT_CHARS - len(text))
    return np.array([(code >> (5 - i)) & 1 for code in codes for i in range(6)], dtype=np.uint8)


def payload_text(bits: np.ndarray) -> str | None:
    codes = bits.reshape(TEXT_CHARS, _CHAR_BITS) @ (1 << np.arange(5, -1, -1))
    text = ""
    for position, code in enumerate(codes):
        if code == _PAD:
            return text if all(c == _PAD for c in codes[position:]) else None
        if code >= len(ALPHABET):
            return None
        text += ALPHABET[code]
    return text


def embed_bits(
    pixels: np.ndarray, payload: np.ndarray, *, key: str = DEFAULT_KEY, kind: str = "bits"
) -> np.ndarray:
    """Embed a 0/1 payload (CRC-16 and convolutional code added) at level-1 strength."""
    coded = coding.encode(payload)
    chips = carrier(key, kind, coded.size).chip_pattern(coded)
    return embed_tile(pixels, chips, STRENGTH[1])


def extract_bits(
    pixels: np.ndarray, payload_bits: int, *, key: str = DEFAULT_KEY, kind: str = "bits"
) -> BitsReading:
    """The payload of `payload_bits` bits, trying the unscaled geometry first, then rescales."""
    layout = carrier(key, kind, coding.coded_length(payload_bits))
    best_z = 0.0
    for detection in geometry.candidates(pixels, layout.sync, SYNC_Z):
        best_z = max(best_z, detection.z)
        if detection.z < SYNC_Z:
            continue
        payload = coding.decode(soft_bits(detection, layout), payload_bits)
        if payload is not None:
            return BitsReading(payload, detection.z)
    return BitsReading(None, best_z)


def embed_text(pixels: np.ndarray, text: str, *, key: str = DEFAULT_KEY) -> np.ndarray:
    return embed_bits(pixels, text_payload(text), key=key, kind="text")


def extract_text(pixels: np.ndarray, *, key: str = DEFAULT_KEY) -> tuple[str | None, float]:
    """The embedded text (None when absent) and the sync z it was found at."""
    reading = extract_bits(pixels, TEXT_BITS, key=key, kind="text")
    if reading.payload is None:
        return None, reading.z
    return payload_text(reading.payload), reading.z


def _mark_key(key: str, bits: np.ndarray) -> str:
    """Type 2 carriers are keyed by the mark too, so another mark (even one sharing most of its
    black background) correlates with nothing."""
    return f"{key}/mark/{hashlib.sha256(np.packbits(bits).tobytes()).hexdigest()}"


def embed_mark(
    pixels: np.ndarray, bits: np.ndarray, *, key: str = DEFAULT_KEY, level: int = 1
) -> np.ndarray:
    """Embed mark bits (see `marks.mark_bits`) with the whole tile as the known pattern."""
    chips = carrier(_mark_key(key, bits), "mark", bits.size).chip_pattern(bits)
    return embed_tile(pixels, chips, STRENGTH[level])


def locate_mark(
    pixels: np.ndarray, bits: np.ndarray, *, key: str = DEFAULT_KEY
) -> Detection | None:
    """The best placement of the expected mark's tile in the suspect (highest z); None when the
    suspect is too small to hold any."""
    template = carrier(_mark_key(key, bits), "mark", bits.size).chip_pattern(bits)
    found = list(geometry.candidates(pixels, template, SYNC_Z * 1.5))
    return max(found, key=lambda d: d.z) if found else None


def recovered_bits(
    detection: Detection, expected: np.ndarray, *, key: str = DEFAULT_KEY
) -> np.ndarray:
    """The mark bits read at `detection` (on the carrier of the `expected` mark)."""
    layout = carrier(_mark_key(key, expected), "mark", expected.size)
    return (soft_bits(detection, layout) > 0).astype(np.uint8)


def embed_semi(pixels: np.ndarray, bits: np.ndarray, *, key: str = DEFAULT_KEY) -> np.ndarray:
    """Type 1: mark bits plus sync chips (the extraction has the original, not the mark)."""
    chips = carrier(key, "semi", bits.size).chip_pattern(bits)
    return embed_tile(pixels, chips, STRENGTH[1])


def extract_semi(
    pixels: np.ndarray, original: np.ndarray, side: int, *, key: str = DEFAULT_KEY
) -> tuple[np.ndarray | None, float]:
    """Type 1: the recovered side x side mark bits (None if the suspect is not in the original)
    and the sync z of the residue."""
    layout = carrier(key, "semi", side * side)
    suspect, reference = luma(pixels), luma(original)
    found = registration.register(suspect, reference)
    detection = (
        None if found is None else registration.residue_detection(suspect, reference, found, layout)
    )
    if detection is None:
        return None, 0.0
    return (soft_bits(detection, layout) > 0).astype(np.uint8), detection.z
