"""Query stages through rules, answer bytes, the persistent-processing record and the CLI."""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys

import pytest
from PIL import Image

import ciimage
from ciimage.cli import main
from ciimage.info import answer_query, image_info_record
from ciimage.rules.ast import ImageAve, ImageInfo, ImageInspect


def test_answer_bytes_compact_in_documented_order(images) -> None:
    data = images.make("PNG", 20, 10)
    body = answer_query(data, ImageInfo())
    md5 = hashlib.md5(data).hexdigest()
    assert body == (
        b'{"format":"png","width":"20","height":"10","size":"%d","md5":"%s",'
        b'"frame_count":"1","bit_depth":"8"}' % (len(data), md5.encode())
    )
    flat = images.encode(Image.new("RGB", (8, 8), (1, 2, 255)), "PNG")
    assert answer_query(flat, ImageAve()) == b'{"RGB":"0x0102ff"}'
    assert answer_query(flat, ImageInspect()) == (
        b'{"picSize":%d,"picType":"PNG","suspicious":false}' % len(flat)
    )


@pytest.mark.parametrize(
    ("rule", "key"),
    [
        ("imageInfo", "md5"),
        ("exif", "error"),
        ("imageAve", "RGB"),
        ("ci-process=ImageInspect", "suspicious"),
        ("imageInspect", "picType"),
    ],
)
def test_query_rules_through_process(images, rule, key) -> None:
    data = images.make("JPEG", 30, 20)
    result = ciimage.process(data, rule)
    assert key in json.loads(result.data)
    assert result.data == answer_query(data, ciimage.validate(rule).stages[-1])


def test_query_after_processing_describes_the_output(images) -> None:
    data = images.make("PNG", 64, 48)
    info = json.loads(ciimage.process(data, "imageMogr2/thumbnail/32x|imageInfo").data)
    assert (info["width"], info["height"]) == ("32", "24")


def test_record_shape_and_values(images) -> None:
    exif = Image.Exif()
    exif[0x0112] = 6
    flat = Image.new("RGB", (40, 30), (0x20, 0x40, 0x60))
    jpeg = images.encode(flat, "JPEG", quality=83, exif=exif.tobytes())
    record = image_info_record(jpeg)
    assert list(record) == [
        "Format", "Width", "Height", "Quality", "Ave", "Orientation", "FrameCount"
    ]  # fmt: skip
    assert record["Format"] == "JPEG"
    assert (record["Width"], record["Height"], record["Orientation"]) == ("40", "30", "6")
    assert record["Quality"] == "83"
    red, green, blue = (int(record["Ave"][i : i + 2], 16) for i in (2, 4, 6))
    assert max(abs(red - 0x20), abs(green - 0x40), abs(blue - 0x60)) <= 2
    png = image_info_record(images.encode(flat, "PNG"))
    assert (png["Format"], png["Quality"], png["Ave"]) == ("PNG", "100", "0x204060")
    frames = [flat, flat.rotate(90)]
    gif = images.encode(frames[0], "GIF", save_all=True, append_images=frames[1:])
    assert image_info_record(gif)["FrameCount"] == "2"


def test_cli_all_modes(images, tmp_path, capsysbinary) -> None:
    data = images.make("PNG", 12, 9)
    path = tmp_path / "in.png"
    path.write_bytes(data)
    assert main(["info", str(path)]) == 0
    assert json.loads(capsysbinary.readouterr().out)["width"] == "12"
    assert main(["info", str(path), "--ave"]) == 0
    assert set(json.loads(capsysbinary.readouterr().out)) == {"RGB"}
    assert main(["info", str(path), "--exif"]) == 0
    assert capsysbinary.readouterr().out == b'{"error" : "no exif data"}\n'
    assert main(["info", str(path), "--inspect"]) == 0
    assert json.loads(capsysbinary.readouterr().out)["suspicious"] is False


def test_cli_stdin_and_errors(images, tmp_path) -> None:
    data = images.make("GIF", 5, 4)
    run = [sys.executable, "-m", "ciimage.cli", "info", "-"]
    done = subprocess.run(run, input=data, capture_output=True, check=False, timeout=60)
    assert done.returncode == 0
    assert json.loads(done.stdout)["format"] == "gif"
    bad = subprocess.run(run, input=b"junk", capture_output=True, check=False, timeout=60)
    assert bad.returncode == 2 and bad.stderr.startswith(b"error -443:")
    assert b"Traceback" not in bad.stderr
    with pytest.raises(SystemExit):
        main(["info", "x.png", "--exif", "--ave"])


def test_top_level_api(images) -> None:
    data = images.make("WEBP", 16, 8)
    assert ciimage.image_info(data)["format"] == "webp"
    assert set(ciimage.image_ave(data)) == {"RGB"}
    assert ciimage.exif(data) == {"error": "no exif data"}
    assert ciimage.inspect(data)["picType"] == "WEBP"
