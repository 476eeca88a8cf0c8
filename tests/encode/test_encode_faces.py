"""The face detector behind `scrop`: finds the face in a real photograph, nothing in noise."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image
from skimage import data

from ciimage.imaging.faces import largest_face

# The astronaut photograph (512x512, bundled with scikit-image): her face spans roughly
# x 170-265, y 65-170, measured by eye on the image.
FACE_CENTRE = (217, 117)


@pytest.fixture(scope="module")
def astronaut() -> np.ndarray:
    return data.astronaut()


def _contains(box: tuple[int, int, int, int], point: tuple[int, int]) -> bool:
    x, y, width, height = box
    return x <= point[0] < x + width and y <= point[1] < y + height


def test_the_astronauts_face_is_found(astronaut: np.ndarray) -> None:
    box = largest_face(astronaut)
    assert box is not None
    assert _contains(box, FACE_CENTRE)
    assert 60 <= box[2] <= 140 and 60 <= box[3] <= 140


def test_a_large_image_is_searched_at_reduced_size_and_mapped_back(
    astronaut: np.ndarray,
) -> None:
    big = np.asarray(Image.fromarray(astronaut).resize((1536, 1536), Image.Resampling.BICUBIC))
    box = largest_face(big)
    assert box is not None
    assert _contains(box, (FACE_CENTRE[0] * 3, FACE_CENTRE[1] * 3))
    assert 180 <= box[2] <= 420


def test_alpha_and_grey_inputs_are_accepted(astronaut: np.ndarray) -> None:
    alpha = np.full(astronaut.shape[:2], 255, dtype=np.uint8)
    with_alpha = largest_face(np.dstack([astronaut, alpha]))
    grey = largest_face(np.asarray(Image.fromarray(astronaut).convert("L")))
    assert with_alpha is not None and _contains(with_alpha, FACE_CENTRE)
    assert grey is not None and _contains(grey, FACE_CENTRE)


def test_a_face_filling_the_frame_gives_a_box_inside_it(astronaut: np.ndarray) -> None:
    tight = astronaut[60:180, 165:275]  # 110x120 around the face
    box = largest_face(tight)
    assert box is not None
    x, y, width, height = box
    assert x >= 0 and y >= 0
    assert x + width <= tight.shape[1] and y + height <= tight.shape[0]
    assert width * height >= 0.3 * tight.shape[0] * tight.shape[1]


@pytest.mark.parametrize("seed", [0, 1])
def test_noise_and_gradients_have_no_face(seed: int) -> None:
    rng = np.random.default_rng(seed)
    noise = (rng.random((240, 320, 3)) * 255).astype(np.uint8)
    y, x = np.mgrid[0:240, 0:320]
    gradient = np.dstack([x % 256, y % 256, (x + y) % 256]).astype(np.uint8)
    assert largest_face(noise) is None
    assert largest_face(gradient) is None


def test_images_smaller_than_the_detector_window_have_no_face() -> None:
    assert largest_face(np.zeros((10, 400, 3), dtype=np.uint8)) is None
