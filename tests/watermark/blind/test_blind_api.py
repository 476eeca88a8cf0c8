"""The public surface: extract_watermark on bytes, embed_blind from a node, CI's refusals, CLI."""

from __future__ import annotations

import base64
import io
import json
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

import ciimage
import ciimage.watermark.blind
from ciimage.cli import main
from ciimage.errors import CIError, RuleError, UnsupportedFormatError
from ciimage.rules import validate
from ciimage.watermark.blind import (
    TEXT_CHARS,
    WatermarkExtraction,
    embed,
    embed_blind,
    extract_blind,
    samples,
)
from ciimage.watermark.resolver import BucketRootResolver

URL = "http://shop-1250000000.cos.ap-shanghai.myqcloud.com/marks/logo.png"
B64 = base64.urlsafe_b64encode(URL.encode()).decode()


def _b64(text: str) -> str:
    return base64.urlsafe_b64encode(text.encode()).decode()


def _png(pixels: np.ndarray) -> bytes:
    buffer = io.BytesIO()
    Image.fromarray(pixels).save(buffer, "PNG")
    return buffer.getvalue()


def _jpeg(pixels: np.ndarray) -> bytes:
    buffer = io.BytesIO()
    Image.fromarray(pixels).save(buffer, "JPEG", quality=80)
    return buffer.getvalue()


@pytest.fixture
def bucket(tmp_path: Path) -> Path:
    folder = tmp_path / "shop-1250000000" / "marks"
    folder.mkdir(parents=True)
    (folder / "logo.png").write_bytes(_png(samples.logo(48)))
    return tmp_path


@pytest.fixture(scope="module")
def photo() -> np.ndarray:
    return samples.photo("coffee")


def test_extract_watermark_reads_text_from_bytes(photo: np.ndarray):
    node = validate(f"watermark/3/type/3/text/{_b64('Shop42')}").stages[0]
    data = _jpeg(embed_blind(photo, node, None))
    found = ciimage.extract_watermark(data, "watermark/4/type/3")
    assert found == ciimage.WatermarkExtraction(3, found.status, "Shop42", None)
    assert found.status > 75
    with pytest.raises(AttributeError):
        found.text = "x"  # frozen


def test_extract_watermark_resolves_the_mark(photo: np.ndarray, bucket: Path):
    node = validate(f"watermark/3/type/2/image/{B64}/level/2").stages[0]
    marked = embed_blind(photo, node, (bucket / "shop-1250000000/marks/logo.png").read_bytes())
    resolver = BucketRootResolver(bucket)
    found = ciimage.extract_watermark(
        _jpeg(marked), f"watermark/4/type/2/image/{B64}", resolver=resolver
    )
    assert found.type == 2 and found.status > 75 and found.text is None
    recovered = Image.open(io.BytesIO(found.image))
    assert recovered.format == "PNG" and recovered.size == (48, 48)
    absent = ciimage.extract_watermark(
        _jpeg(photo), f"watermark/4/type/2/image/{B64}", resolver=resolver
    )
    assert absent.status < 60


def test_extract_blind_type_1_takes_the_original(photo: np.ndarray):
    marked = embed(photo, samples.logo(48), type=1)
    node = validate(f"watermark/4/type/1/image/{B64}").stages[0]
    found = extract_blind(marked, node, _png(photo))
    assert isinstance(found, WatermarkExtraction) and found.status > 75


def test_embed_blind_keeps_shape_and_alpha(photo: np.ndarray):
    rgba = np.dstack([photo, np.full(photo.shape[:2], 77, np.uint8)])
    node = validate(f"watermark/3/type/3/text/{_b64('a1')}").stages[0]
    out = embed_blind(rgba, node, None)
    assert out.shape == rgba.shape and out.dtype == np.uint8
    assert (out[..., 3] == 77).all() and not np.array_equal(out, rgba)


@pytest.mark.parametrize(
    ("text", "says"),
    [("héllo", "[0-9A-Za-z]"), ("a b", "[0-9A-Za-z]"), ("x" * (TEXT_CHARS + 1), "at most 12")],
)
def test_text_outside_the_alphabet_or_too_long_is_refused(photo, text: str, says: str):
    node = validate(f"watermark/3/type/3/text/{_b64(text)}").stages[0]
    with pytest.raises(RuleError, match=says.replace("[", r"\[").replace("]", r"\]")) as error:
        embed_blind(photo, node, None)
    assert error.value.code == -60998


def test_a_mark_over_one_eighth_is_refused(photo: np.ndarray):
    node = validate(f"watermark/3/type/2/image/{B64}").stages[0]
    with pytest.raises(CIError, match="1/8") as error:
        embed_blind(photo, node, _png(samples.logo(80)))  # coffee is 600x400: 75x50 at most
    assert error.value.code == -60998


def test_missing_image_or_text_is_refused(photo: np.ndarray):
    with pytest.raises(RuleError, match="needs image"):
        validate("watermark/3/type/2")
    with pytest.raises(RuleError, match="needs text"):
        validate("watermark/3/type/3")
    with pytest.raises(RuleError, match="needs image"):
        ciimage.extract_watermark(_jpeg(photo), "watermark/4/type/1")


def test_animated_input_is_refused():
    frames = [Image.new("RGB", (200, 200), (i * 60, 0, 0)) for i in range(3)]
    buffer = io.BytesIO()
    frames[0].save(buffer, "GIF", save_all=True, append_images=frames[1:])
    with pytest.raises(UnsupportedFormatError, match="animated") as error:
        ciimage.extract_watermark(buffer.getvalue(), "watermark/4/type/3")
    assert error.value.code == -443


def test_a_non_extraction_rule_is_refused(photo: np.ndarray):
    with pytest.raises(RuleError, match="watermark/4"):
        ciimage.extract_watermark(_jpeg(photo), "imageMogr2/thumbnail/100x")


def test_cli_prints_status_and_text(tmp_path: Path, photo: np.ndarray, capsys):
    image = tmp_path / "in.jpg"
    image.write_bytes(_jpeg(embed(photo, "Cli7", type=3, key="k1")))
    assert (
        main(
            [
                "extract-watermark",
                str(image),
                "watermark/4/type/3",
                "--json",
                "--watermark-key",
                "k1",
            ]
        )
        == 0
    )
    answer = json.loads(capsys.readouterr().out)
    assert answer["text"] == "Cli7" and answer["WatermarkStatus"] > 75
    assert main(["extract-watermark", str(image), "watermark/4/type/3"]) == 0
    assert "text (none)" in capsys.readouterr().out  # the default key is not k1


def test_cli_writes_the_recovered_mark(tmp_path: Path, photo: np.ndarray, bucket: Path, capsys):
    image = tmp_path / "in.png"
    image.write_bytes(_png(embed(photo, samples.logo(48), type=2)))
    out = tmp_path / "mark.png"
    rule = f"watermark/4/type/2/image/{B64}"
    args = ["extract-watermark", str(image), rule, "--bucket-root", str(bucket), "-o", str(out)]
    assert main(args) == 0
    assert "WatermarkStatus" in capsys.readouterr().out
    assert Image.open(out).size == (48, 48)


def test_cli_reports_errors_in_one_line(tmp_path: Path, photo: np.ndarray, capsys):
    image = tmp_path / "in.jpg"
    image.write_bytes(_jpeg(photo))
    assert main(["extract-watermark", str(image), "watermark/4/type/2"]) == 2
    error = capsys.readouterr().err
    assert error.startswith("error -60998:") and error.count("\n") == 1


def test_a_suspect_too_small_to_hold_a_tile_is_absent(photo: np.ndarray):
    tiny = photo[:40, :50]
    assert ciimage.watermark.blind.extract(tiny, type=3).text is None
    found = ciimage.watermark.blind.extract(tiny, type=2, reference=samples.logo(32))
    assert found.status == 0 and found.image is None
    assert ciimage.watermark.blind.extract(tiny, type=1, reference=photo).status < 60


def test_an_input_smaller_than_a_tile_is_refused():
    with pytest.raises(CIError, match="at least 128x128"):
        embed(np.zeros((100, 300, 3), np.uint8), "abc", type=3)
