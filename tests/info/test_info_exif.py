"""EXIF round trip: tags written with exact TIFF types come back in CI's shape (ruling 23)."""

from __future__ import annotations

import json
import struct

import pytest

from ciimage.errors import ImageError
from ciimage.info import answer_query, exif
from ciimage.rules.ast import Exif

BYTE, ASCII, SHORT, LONG, RATIONAL, UNDEFINED, SRATIONAL = 1, 2, 3, 4, 5, 7, 10
Entry = tuple[int, int, object]  # tag, TIFF type, values


def _encode(kind: int, values: object, endian: str) -> tuple[int, bytes]:
    """(count, bytes) of one field's values."""
    if kind in (BYTE, UNDEFINED):
        raw = bytes(values)  # type: ignore[arg-type]
        return len(raw), raw
    if kind == ASCII:
        raw = str(values).encode("utf-8") + b"\x00"
        return len(raw), raw
    items = list(values)  # type: ignore[call-overload]
    if kind in (RATIONAL, SRATIONAL):
        code = "I" if kind == RATIONAL else "i"
        flat = [part for pair in items for part in pair]
        return len(items), struct.pack(f"{endian}{len(flat)}{code}", *flat)
    code = {SHORT: "H", LONG: "I"}[kind]
    return len(items), struct.pack(f"{endian}{len(items)}{code}", *items)


def tiff_block(ifd0: list[Entry], exif_ifd: list[Entry], gps: list[Entry], endian: str) -> bytes:
    """A TIFF-structured EXIF block: IFD0 pointing at an EXIF IFD and a GPS IFD."""

    def ifd_size(entries: list[Entry]) -> int:
        return 2 + 12 * len(entries) + 4

    ifd0 = [*ifd0, (0x8769, LONG, [0]), (0x8825, LONG, [0])]
    exif_at = 8 + ifd_size(ifd0)
    gps_at = exif_at + ifd_size(exif_ifd)
    data_at = gps_at + ifd_size(gps)
    ifd0 = [
        (tag, kind, [exif_at] if tag == 0x8769 else [gps_at] if tag == 0x8825 else values)
        for tag, kind, values in ifd0
    ]
    directories, data = b"", b""
    for entries in (ifd0, exif_ifd, gps):
        directory = struct.pack(endian + "H", len(entries))
        for tag, kind, values in sorted(entries, key=lambda entry: entry[0]):
            count, raw = _encode(kind, values, endian)
            if len(raw) <= 4:
                field = raw.ljust(4, b"\x00")
            else:
                field = struct.pack(endian + "I", data_at + len(data))
                data += raw + (b"\x00" if len(raw) % 2 else b"")
            directory += struct.pack(endian + "HHI", tag, kind, count) + field
        directories += directory + struct.pack(endian + "I", 0)
    order = b"II*\x00" if endian == "<" else b"MM\x00*"
    return order + struct.pack(endian + "I", 8) + directories + data


IFD0 = [
    (0x010F, ASCII, "ciimage"),
    (0x0110, ASCII, "Zoë 1"),
    (0x0112, SHORT, [1]),
    (0x011A, RATIONAL, [(72, 1)]),
    (0x011B, RATIONAL, [(300, 4)]),
    (0x0128, SHORT, [2]),
]
EXIF_IFD = [
    (0x829A, RATIONAL, [(1, 250)]),
    (0x829D, RATIONAL, [(28, 10)]),
    (0x8827, SHORT, [200]),
    (0x9000, UNDEFINED, b"0230"),
    (0x9101, UNDEFINED, b"\x01\x02\x03\x00"),
    (0x9204, SRATIONAL, [(-1, 3)]),
    (0x927C, UNDEFINED, b"private maker data"),
    (0x9286, UNDEFINED, b"ASCII\x00\x00\x00hi"),
    (0xA001, SHORT, [1]),
    (0xA002, LONG, [640]),
    (0xA003, LONG, [480]),
]
GPS = [
    (0x0000, BYTE, [2, 2, 0, 0]),
    (0x0001, ASCII, "N"),
    (0x0002, RATIONAL, [(35, 1), (40, 1), (1234, 100)]),
    (0x0005, BYTE, [0]),
    (0x0006, RATIONAL, [(1500, 10)]),
]
EXPECTED = {
    "Make": "ciimage",
    "Model": "Zoë 1",
    "Orientation": "1",
    "XResolution": "72/1",
    "YResolution": "300/4",
    "ResolutionUnit": "2",
    "ExposureTime": "1/250",
    "FNumber": "28/10",
    "ISOSpeedRatings": "200",
    "ExifVersion": "48 50 51 48",
    "ComponentsConfiguration": "1 2 3 0",
    "ExposureBiasValue": "-1/3",
    "UserComment": "65 83 67 73 73 0 0 0 104 105",
    "ColorSpace": "sRGB",
    "PixelXDimension": "640",
    "PixelYDimension": "480",
    "GPSVersionID": "2 2 0 0",
    "GPSLatitudeRef": "N",
    "GPSLatitude": "35/1, 40/1, 1234/100",
    "GPSAltitudeRef": "0",
    "GPSAltitude": "1500/10",
}


@pytest.mark.parametrize("endian", ["<", ">"])
def test_jpeg_round_trip_in_ci_shape(images, endian) -> None:
    block = tiff_block(IFD0, EXIF_IFD, GPS, endian)
    data = images.make("JPEG", exif=b"Exif\x00\x00" + block)
    answer = exif(data)
    assert answer == {name: {"val": value} for name, value in EXPECTED.items()}
    assert "MakerNote" not in answer
    assert list(answer) == sorted(answer)


@pytest.mark.parametrize("fmt", ["PNG", "WEBP", "AVIF"])
def test_exif_in_other_containers(images, fmt) -> None:
    block = tiff_block(IFD0[:1], EXIF_IFD[3:4], GPS[:2], "<")
    data = images.make(fmt, exif=b"Exif\x00\x00" + block)
    answer = exif(data)
    assert answer["Make"] == {"val": "ciimage"}
    assert answer["ExifVersion"] == {"val": "48 50 51 48"}
    assert answer["GPSVersionID"] == {"val": "2 2 0 0"}


@pytest.mark.parametrize("fmt", ["JPEG", "PNG", "GIF", "BMP", "WEBP"])
def test_no_exif_gives_documented_error(images, fmt) -> None:
    data = images.make(fmt)
    assert exif(data) == {"error": "no exif data"}
    assert answer_query(data, Exif()) == b'{"error" : "no exif data"}'


def test_garbage_exif_block_is_no_exif(images) -> None:
    data = images.make("JPEG", exif=b"Exif\x00\x00" + b"MM\x00*\x00\x00\xff\xff" + b"\x00" * 20)
    assert exif(data) == {"error": "no exif data"}


def test_answer_bytes_are_compact_json(images) -> None:
    block = tiff_block(IFD0, EXIF_IFD, GPS, "<")
    body = answer_query(images.make("JPEG", exif=b"Exif\x00\x00" + block), Exif())
    assert body.startswith(b'{"ColorSpace":{"val":"sRGB"},')
    assert json.loads(body)["Model"] == {"val": "Zoë 1"}


def test_non_image_is_image_error() -> None:
    with pytest.raises(ImageError):
        exif(b"definitely not an image")
