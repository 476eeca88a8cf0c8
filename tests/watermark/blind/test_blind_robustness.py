"""The issue's goals: quality, and every type read back after every required attack."""

from __future__ import annotations

import numpy as np
import pytest
from skimage.metrics import peak_signal_noise_ratio, structural_similarity

from ciimage.watermark.blind import embed, extract, marks, samples
from ciimage.watermark.blind.attacks import REQUIRED, crop_scale_jpeg

TEXT = "Leak2026abcZ"
ATTACKS = list(REQUIRED.items())
LONG = samples.long_profile()
IMAGES = samples.evaluation_set(LONG)


def pick(index: int) -> list[tuple[str, np.ndarray]]:
    """Every image in the long profile; one (rotating with `index`) by default."""
    return IMAGES if LONG else [IMAGES[index % len(IMAGES)]]


def _quality(before: np.ndarray, after: np.ndarray) -> tuple[float, float]:
    psnr = peak_signal_noise_ratio(before, after, data_range=255)
    ssim = structural_similarity(before, after, channel_axis=2, data_range=255)
    return psnr, ssim


@pytest.mark.parametrize(("name", "pixels"), IMAGES, ids=[n for n, _ in IMAGES])
def test_level_1_keeps_psnr_40_and_ssim_097(name: str, pixels: np.ndarray, mark: np.ndarray):
    for marked in (embed(pixels, TEXT, type=3), embed(pixels, mark, type=2, level=1)):
        psnr, ssim = _quality(pixels, marked)
        assert psnr >= 40 and ssim >= 0.97, (name, psnr, ssim)


def test_higher_levels_are_stronger_and_stay_visible_within_bounds(mark: np.ndarray):
    _, pixels = IMAGES[0]
    psnrs = [_quality(pixels, embed(pixels, mark, type=2, level=n))[0] for n in (1, 2, 3)]
    assert psnrs[0] > psnrs[1] > psnrs[2] >= 38, psnrs


@pytest.mark.parametrize(("index", "attack"), enumerate(ATTACKS), ids=[a for a, _ in ATTACKS])
def test_text_survives(index: int, attack: tuple):
    _, damage = attack
    for name, pixels in pick(index):
        found = extract(damage(embed(pixels, TEXT, type=3)), type=3)
        assert found.text == TEXT and found.status > 75, (name, found)


@pytest.mark.parametrize(("index", "attack"), enumerate(ATTACKS), ids=[a for a, _ in ATTACKS])
def test_image_mark_status_above_75(index: int, attack: tuple, mark: np.ndarray):
    _, damage = attack
    for name, pixels in pick(index + 3):
        found = extract(damage(embed(pixels, mark, type=2)), type=2, reference=mark)
        assert found.status > 75, (name, found.status)


def _recovered_nc(found_png: bytes | None, mark: np.ndarray, side: int) -> float:
    import io

    from PIL import Image

    assert found_png is not None
    recovered = np.asarray(Image.open(io.BytesIO(found_png)).convert("L"))
    return marks.normalized_correlation(
        marks.mark_bits(recovered, side), marks.mark_bits(mark, side)
    )


@pytest.mark.parametrize("attack", ["jpeg q50", "crop 25% left", "crop 25% bottom"])
def test_image_mark_nc_after_jpeg_q50_and_blind_crop(attack: str, mark: np.ndarray):
    for name, pixels in IMAGES:
        found = extract(REQUIRED[attack](embed(pixels, mark, type=2)), type=2, reference=mark)
        assert _recovered_nc(found.image, mark, marks.MARK_SIDE[2]) >= 0.9, name


def test_semi_blind_nc_after_crop_rescale_and_jpeg(mark: np.ndarray):
    for name, pixels in IMAGES if LONG else IMAGES[:1] + IMAGES[-2:]:
        suspect = crop_scale_jpeg(embed(pixels, mark, type=1))
        found = extract(suspect, type=1, reference=pixels)
        assert found.status > 75, (name, found.status)
        assert _recovered_nc(found.image, mark, marks.MARK_SIDE[1]) >= 0.9, name
