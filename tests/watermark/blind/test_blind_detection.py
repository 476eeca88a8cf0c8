"""Absent marks come back absent; keys separate marks; the payload code corrects errors."""

from __future__ import annotations

import numpy as np
import pytest

from ciimage.watermark.blind import embed, extract, samples
from ciimage.watermark.blind.attacks import REQUIRED, cropped, encoded
from ciimage.watermark.blind.coding import decode, encode

LONG = samples.long_profile()
IMAGES = samples.evaluation_set(False)


def unmarked_images(count: int) -> list[np.ndarray]:
    """Photographs, their crops and re-encodings, generated scenes, flat and noisy images."""
    rng = np.random.default_rng(7)
    found: list[np.ndarray] = []
    photos = [samples.photo(name) for name in samples.PHOTOS]
    while len(found) < count:
        index = len(found)
        kind = index % 5
        if kind == 0:
            found.append(photos[index // 5 % len(photos)])
        elif kind == 1:
            side = ("left", "right", "top", "bottom")[index // 5 % 4]
            found.append(cropped(photos[index // 5 % len(photos)], side, 0.1 + 0.02 * (index % 7)))
        elif kind == 2:
            found.append(encoded(samples.generated(500 + index), "JPEG", 40 + index % 50))
        elif kind == 3:
            found.append(np.full((300 + index, 400, 3), rng.integers(0, 256, 3), dtype=np.uint8))
        else:
            noise = rng.normal(128, rng.uniform(2, 60), (320, 480, 1))
            found.append(np.clip(noise, 0, 255).repeat(3, axis=2).astype(np.uint8))
    return found


@pytest.mark.parametrize("chunk", range(4))
def test_unmarked_images_are_absent(chunk: int):
    mark = samples.logo(32)
    images = unmarked_images(100 if LONG else 12)
    for index, pixels in enumerate(images[chunk::4]):
        text = extract(pixels, type=3)
        logo = extract(pixels, type=2, reference=mark)
        assert text.text is None and text.status < 60, (chunk, index, text)
        assert logo.status < 60, (chunk, index, logo.status)


def test_a_wrong_key_finds_nothing():
    mark = samples.logo(32)
    for _, pixels in IMAGES[:2]:
        text = embed(pixels, "Secret42", type=3, key="team-a")
        assert extract(text, type=3, key="team-a").text == "Secret42"
        assert extract(text, type=3, key="team-b").text is None
        assert extract(text, type=3).text is None  # the default key is another key
        logo = embed(pixels, mark, type=2, key="team-a")
        assert extract(logo, type=2, reference=mark, key="team-a").status > 75
        assert extract(logo, type=2, reference=mark, key="team-b").status < 60


def test_a_type_3_mark_is_not_a_type_2_mark_and_the_other_way_round():
    mark = samples.logo(32)
    _, pixels = IMAGES[0]
    assert extract(embed(pixels, "Abc", type=3), type=2, reference=mark).status < 60
    assert extract(embed(pixels, mark, type=2), type=3).text is None


def test_another_mark_scores_low():
    _, pixels = IMAGES[0]
    marked = embed(pixels, samples.logo(32, seed=0), type=2)
    assert extract(marked, type=2, reference=samples.logo(32, seed=3)).status < 60


def test_texts_of_every_length_round_trip():
    _, pixels = IMAGES[1]
    for text in ("", "7", "Zz9", "abcdefghijkl"):
        if text:
            found = extract(REQUIRED["jpeg q70"](embed(pixels, text, type=3)), type=3)
            assert found.text == text


def test_the_code_corrects_noise_and_refuses_garbage():
    rng = np.random.default_rng(3)
    payload = rng.integers(0, 2, 64).astype(np.uint8)
    coded = encode(payload)
    soft = (2.0 * coded - 1) * 2.0 + rng.normal(0, 1, coded.size)
    assert (soft > 0).astype(np.uint8).tolist() != coded.tolist()  # raw errors exist
    decoded = decode(soft, 64)
    assert decoded is not None and decoded.tolist() == payload.tolist()
    assert all(decode(rng.normal(0, 1, coded.size), 64) is None for _ in range(50))
