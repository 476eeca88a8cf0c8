"""Key-derived carriers: the periodic tile of +-1 chips every blind watermark is spread over.

A tile is `TILE` x `TILE` pixels made of `CHIP` x `CHIP` pixel chips. A quarter of the chips (a
keyed choice) carry a known +-1 synchronisation pattern; the others each carry one coded bit times
a keyed +-1 spreading value. The tile repeats over the whole image, so any crop still holds whole
periods, and the detector recovers the crop offset from the sync chips alone.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

TILE = 128  # tile period in pixels (both axes)
CHIP = 4  # chip side in pixels: 1/8 cycle per pixel survives JPEG q50, blur and 0.5x resizes
CHIPS = TILE // CHIP  # chips per tile side
# Text, raw-bit and type 1 ("semi") payloads reserve a quarter of the chips for synchronisation.
# Type 2 marks need none: the caller supplies the mark at extraction, so the whole tile is known.
SYNC_FRACTION = {"text": 0.25, "bits": 0.25, "mark": 0.0, "semi": 0.25}

# The key used when the caller gives none: documented so that marks made offline with the
# defaults can be read by anyone with ciimage. Teams that want marks of their own pass a key.
DEFAULT_KEY = "ciimage-blind-watermark-v1"


def _generator(key: str, purpose: str) -> np.random.Generator:
    digest = hashlib.sha256(f"{key}\x00{purpose}".encode()).digest()
    return np.random.Generator(np.random.PCG64(int.from_bytes(digest[:16], "little")))


@dataclass(frozen=True)
class Carrier:
    """One key's tile layout for one payload length (`bits` coded bits).

    `sync` and `spread` are CHIPS x CHIPS arrays of +-1; `bit_of_chip` gives each chip its bit
    index, -1 for a sync chip. Every bit gets the same number of chips (give or take one).
    """

    sync_mask: np.ndarray  # bool, CHIPS x CHIPS
    sync: np.ndarray  # float32 +-1 on sync chips, 0 elsewhere
    spread: np.ndarray  # float32 +-1 on data chips, 0 elsewhere
    bit_of_chip: np.ndarray  # int32, -1 on sync chips
    bits: int

    def chip_pattern(self, coded: np.ndarray) -> np.ndarray:
        """CHIPS x CHIPS +-1 values of one tile carrying `coded` (0/1 array of `bits` values)."""
        signs = 2.0 * np.asarray(coded, dtype=np.float32) - 1.0
        data = np.where(self.bit_of_chip >= 0, signs[np.maximum(self.bit_of_chip, 0)], 0.0)
        return (self.sync + self.spread * data).astype(np.float32)


@lru_cache(maxsize=32)
def carrier(key: str, kind: str, bits: int) -> Carrier:
    """The carrier of `kind` ("text", "mark", "bits") under `key` for `bits` coded bits."""
    total = CHIPS * CHIPS
    sync_count = int(total * SYNC_FRACTION[kind])
    if bits > total - sync_count:
        raise ValueError(f"{bits} coded bits do not fit in {total - sync_count} data chips")
    rng = _generator(key, f"carrier/{kind}/{bits}")
    order = rng.permutation(total)
    sync_mask = np.zeros(total, dtype=bool)
    sync_mask[order[:sync_count]] = True
    bit_of_chip = np.full(total, -1, dtype=np.int32)
    data_chips = order[sync_count:]
    bit_of_chip[data_chips] = np.arange(data_chips.size) % bits
    signs = rng.integers(0, 2, total).astype(np.float32) * 2 - 1
    sync = np.where(sync_mask, signs, 0).astype(np.float32)
    spread = np.where(sync_mask, 0, signs).astype(np.float32)
    shape = (CHIPS, CHIPS)
    return Carrier(
        sync_mask.reshape(shape),
        sync.reshape(shape),
        spread.reshape(shape),
        bit_of_chip.reshape(shape),
        bits,
    )


def upsample(chips: np.ndarray) -> np.ndarray:
    """CHIPS x CHIPS chip values to the TILE x TILE pixel tile."""
    return np.repeat(np.repeat(chips, CHIP, axis=0), CHIP, axis=1)
