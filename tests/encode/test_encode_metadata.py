"""Reading EXIF/ICC/XMP and orientation, and resetting the orientation after auto-orient."""

from __future__ import annotations

import io
from collections.abc import Callable

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from PIL import Image

from ciimage.imaging.metadata import (
    EXIF_PREFIX,
    NO_METADATA,
    exif_orientation,
    read_metadata,
    reset_orientation,
)


def _save(pixels: np.ndarray, fmt: str, **options: object) -> bytes:
    buffer = io.BytesIO()
    Image.fromarray(pixels).save(buffer, fmt, **options)
    return buffer.getvalue()


def test_jpeg_metadata_is_read_whole(jpeg_with_metadata: bytes, icc_profile: bytes) -> None:
    found = read_metadata(jpeg_with_metadata)
    assert found.orientation == 6
    assert found.exif is not None and found.exif.startswith(EXIF_PREFIX)
    assert found.icc == icc_profile
    assert found.xmp is not None and b"xmpmeta" in found.xmp
    assert found.comment == b"made by the ciimage tests"


def test_gif_comment_is_read(photo: np.ndarray) -> None:
    data = _save(photo, "GIF", comment=b"a gif comment")
    assert read_metadata(data).comment == b"a gif comment"


@pytest.mark.parametrize("fmt", ["PNG", "WEBP"])
def test_png_and_webp_exif_gains_the_app1_prefix(
    photo: np.ndarray,
    fmt: str,
    icc_profile: bytes,
    exif_with_orientation: Callable[[int], bytes],
) -> None:
    data = _save(photo, fmt, exif=exif_with_orientation(3), icc_profile=icc_profile)
    found = read_metadata(data)
    assert found.exif is not None and found.exif.startswith(EXIF_PREFIX)
    assert found.orientation == 3
    assert found.icc == icc_profile


@pytest.mark.parametrize("orientation", range(1, 9))
def test_every_orientation_is_read(
    photo: np.ndarray, orientation: int, exif_with_orientation: Callable[[int], bytes]
) -> None:
    data = _save(photo, "JPEG", exif=exif_with_orientation(orientation))
    assert read_metadata(data).orientation == orientation


def test_an_image_without_metadata(photo: np.ndarray) -> None:
    assert read_metadata(_save(photo, "PNG")) == NO_METADATA


def test_bmp_is_read_through_pillow(photo: np.ndarray) -> None:
    # libvips here has no BMP loader; Pillow answers instead.
    assert read_metadata(_save(photo, "BMP")) == NO_METADATA


@pytest.mark.parametrize("data", [b"", b"\x00" * 64, b"\xff\xd8\xff\xe1\x00\x10Exif\x00\x00MM"])
def test_unreadable_input_has_no_metadata(data: bytes) -> None:
    assert read_metadata(data) == NO_METADATA


def _tiff(order: str, orientation: int | None, extra_tags: int = 2) -> bytes:
    """A minimal IFD0 with a few ASCII-free SHORT tags and, optionally, an orientation."""
    mark = b"II" if order == "little" else b"MM"
    tags = [(0x0100 + i, 3, 1, 7 + i) for i in range(extra_tags)]
    if orientation is not None:
        tags.append((0x0112, 3, 1, orientation))
    tags.sort()
    body = mark + (42).to_bytes(2, order) + (8).to_bytes(4, order) + len(tags).to_bytes(2, order)
    for tag, kind, count, value in tags:
        body += tag.to_bytes(2, order) + kind.to_bytes(2, order) + count.to_bytes(4, order)
        body += value.to_bytes(2, order) + b"\x00\x00"
    return body + (0).to_bytes(4, order)


@pytest.mark.parametrize("order", ["little", "big"])
@pytest.mark.parametrize("prefixed", [True, False])
def test_reset_orientation_changes_only_that_value(order: str, prefixed: bool) -> None:
    exif = (EXIF_PREFIX if prefixed else b"") + _tiff(order, 8)
    assert exif_orientation(exif) == 8
    reset = reset_orientation(exif)
    assert exif_orientation(reset) == 1
    assert len(reset) == len(exif)
    changed = [i for i, (a, b) in enumerate(zip(exif, reset, strict=True)) if a != b]
    assert len(changed) == 1


def test_reset_keeps_exif_without_orientation_unchanged() -> None:
    exif = EXIF_PREFIX + _tiff("big", None)
    assert reset_orientation(exif) == exif
    assert exif_orientation(exif) == 1


def test_reset_of_a_real_pillow_exif_is_read_back_by_pillow(
    exif_with_orientation: Callable[[int], bytes],
) -> None:
    reset = reset_orientation(exif_with_orientation(5))
    parsed = Image.Exif()
    parsed.load(reset)
    assert parsed[0x0112] == 1
    assert parsed[0x010F] == "ciimage-test"


@settings(max_examples=80, deadline=None)
@given(st.binary(max_size=200))
def test_garbage_exif_never_raises(blob: bytes) -> None:
    assert 1 <= exif_orientation(blob) <= 8
    assert len(reset_orientation(blob)) == len(blob)
    assert 1 <= exif_orientation(EXIF_PREFIX + b"MM\x00*" + blob) <= 8


def test_jpeg_segments_are_read_as_libvips_reads_them(
    jpeg_with_metadata: bytes, photo: np.ndarray
) -> None:
    from PIL import ImageCms

    from ciimage.imaging.metadata import _read_jpeg_segments, _read_with_vips

    # A 150 KB profile spans three APP2 segments, which must be joined in sequence order.
    profile = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    multi_chunk = _save(photo, "JPEG", icc_profile=profile + b"\0" * 150_000)
    for data in (jpeg_with_metadata, multi_chunk, _save(photo, "JPEG")):
        (exif, icc, xmp, _), _comment = _read_jpeg_segments(data)  # type: ignore[misc]
        vips_exif, vips_icc, vips_xmp, _ = _read_with_vips(data)  # type: ignore[misc]
        assert (exif, icc, xmp) == (vips_exif, vips_icc, vips_xmp)


def test_a_jpeg_cut_inside_its_segments_falls_back_to_the_decoders(
    jpeg_with_metadata: bytes,
) -> None:
    from ciimage.imaging.metadata import _read_jpeg_segments

    assert _read_jpeg_segments(jpeg_with_metadata[:40])[0] is None
    assert read_metadata(jpeg_with_metadata[:40]) == NO_METADATA
