"""watermark/3 through ciimage.process: a numpy action of the plan, on both backends."""

from __future__ import annotations

import base64
import io
import pickle
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

import ciimage
from ciimage.errors import CIError, RuleError
from ciimage.imaging.prepare import prepare
from ciimage.watermark.blind import samples
from ciimage.watermark.resolver import BucketRootResolver

URL = "http://shop-1250000000.cos.ap-shanghai.myqcloud.com/logo.png"


def _b64(text: str) -> str:
    return base64.urlsafe_b64encode(text.encode()).decode()


@pytest.fixture(scope="module")
def jpeg() -> bytes:
    buffer = io.BytesIO()
    Image.fromarray(samples.photo("coffee")).save(buffer, "JPEG", quality=90)
    return buffer.getvalue()


@pytest.mark.parametrize("backend", ["vips", "pillow"])
def test_text_mark_composes_in_a_pipeline(jpeg: bytes, backend: str):
    rule = f"imageMogr2/crop/500x350/gravity/east|watermark/3/type/3/text/{_b64('Pipe7')}"
    result = ciimage.process(jpeg, rule + "|imageMogr2/quality/70", backend=backend)
    assert (result.format, result.width, result.height) == ("jpg", 500, 350)
    assert ciimage.extract_watermark(result.data, "watermark/4/type/3").text == "Pipe7"


def test_the_key_is_per_call(jpeg: bytes):
    rule = f"watermark/3/type/3/text/{_b64('Mine')}"
    data = ciimage.process(jpeg, rule, watermark_key="ours").data
    assert ciimage.extract_watermark(data, "watermark/4/type/3", key="ours").text == "Mine"
    assert ciimage.extract_watermark(data, "watermark/4/type/3").text is None


def test_image_mark_is_resolved_once_into_a_picklable_plan(jpeg: bytes, tmp_path: Path):
    (tmp_path / "shop-1250000000").mkdir()
    buffer = io.BytesIO()
    Image.fromarray(samples.logo(32)).save(buffer, "PNG")
    (tmp_path / "shop-1250000000" / "logo.png").write_bytes(buffer.getvalue())
    resolver = BucketRootResolver(tmp_path)
    rule = f"watermark/3/type/2/image/{_b64(URL)}/level/2"
    plan = prepare(jpeg, rule, resolver=resolver)
    assert pickle.loads(pickle.dumps(plan)) == plan
    result = ciimage.process(jpeg, rule, resolver=resolver)
    found = ciimage.extract_watermark(
        result.data, f"watermark/4/type/2/image/{_b64(URL)}", resolver=resolver
    )
    assert found.status > 75


def test_bad_text_is_refused_before_decoding(jpeg: bytes):
    with pytest.raises(RuleError, match="at most 12"):
        prepare(jpeg, f"watermark/3/type/3/text/{_b64('x' * 13)}")


def test_watermark_4_type_3_in_process_points_at_extract_watermark(jpeg: bytes):
    with pytest.raises(CIError, match="extract_watermark"):
        ciimage.process(jpeg, "watermark/4/type/3")


def test_watermark_4_in_process_returns_the_recovered_mark_as_png(jpeg: bytes, tmp_path: Path):
    (tmp_path / "shop-1250000000").mkdir()
    buffer = io.BytesIO()
    Image.fromarray(samples.logo(32)).save(buffer, "PNG")
    (tmp_path / "shop-1250000000" / "logo.png").write_bytes(buffer.getvalue())
    resolver = BucketRootResolver(tmp_path)
    marked = ciimage.process(jpeg, f"watermark/3/type/2/image/{_b64(URL)}", resolver=resolver)
    result = ciimage.process(
        marked.data, f"watermark/4/type/2/image/{_b64(URL)}", resolver=resolver
    )
    assert (result.format, result.width, result.height) == ("png", 32, 32)
    recovered = np.asarray(Image.open(io.BytesIO(result.data)).convert("L")) > 127
    assert (recovered == (samples.logo(32) > 127)).mean() > 0.9


def test_marked_output_keeps_alpha(tmp_path: Path):
    rgba = np.dstack([samples.photo("coffee"), np.full((400, 600), 200, np.uint8)])
    buffer = io.BytesIO()
    Image.fromarray(rgba).save(buffer, "PNG")
    result = ciimage.process(buffer.getvalue(), f"watermark/3/type/3/text/{_b64('A1')}")
    out = np.asarray(Image.open(io.BytesIO(result.data)))
    assert out.shape == (400, 600, 4) and (out[..., 3] == 200).all()
    assert ciimage.extract_watermark(result.data, "watermark/4/type/3").text == "A1"
