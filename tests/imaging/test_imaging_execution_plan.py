"""prepare -> ExecutionPlan -> execute: the plan is frozen, picklable and self-sufficient."""

from __future__ import annotations

import dataclasses
import pickle
from dataclasses import dataclass

import numpy as np
import pytest

import ciimage
from ciimage.imaging.actions import ArrayAction, Composite, Extract, Resize
from ciimage.watermark import BucketRootResolver


@dataclass(frozen=True)
class Invert(ArrayAction):
    """A numpy action, written once for both backends."""

    def apply_array(self, array: np.ndarray) -> np.ndarray:
        out = array.copy()
        out[..., :3] = 255 - out[..., :3]
        return out


def test_a_pickled_plan_runs_like_process(smooth_png, tmp_path):
    mark = tmp_path / "examplebucket-1250000000" / "logo.png"
    mark.parent.mkdir()
    mark.write_bytes(smooth_png)
    rule = (
        "imageMogr2/thumbnail/300x/format/png|watermark/1/image/"
        "aHR0cDovL2V4YW1wbGVidWNrZXQtMTI1MDAwMDAwMC5jb3MuYXAtYmVpamluZy5teXFjbG91ZC5jb20vbG9nby5wbmc"
        "/scatype/1/spcent/200"
    )
    resolver = BucketRootResolver(tmp_path)
    plan = ciimage.prepare(smooth_png, rule, resolver=resolver)
    blob = pickle.dumps(plan)
    assert str(tmp_path).encode() not in blob  # no paths, no resolver travel with the plan
    again = pickle.loads(blob)
    assert any(isinstance(a, Composite) for a in again.actions)
    assert ciimage.execute(again, smooth_png) == ciimage.process(
        smooth_png, rule, resolver=resolver
    )


def test_the_plan_is_frozen(smooth_png):
    plan = ciimage.prepare(smooth_png, "imageMogr2/crop/100x100/gravity/center")
    assert plan.actions == (Extract(250, 150, 100, 100),)
    with pytest.raises(dataclasses.FrozenInstanceError):
        plan.width = 3  # type: ignore[misc]


@pytest.mark.parametrize("backend", ["vips", "pillow"])
def test_an_array_action_runs_on_both_backends(images, smooth_png, backend):
    plan = ciimage.prepare(smooth_png, "imageMogr2/thumbnail/200x/format/png", backend=backend)
    assert isinstance(plan.actions[0], Resize)
    inverted = dataclasses.replace(plan, actions=(*plan.actions, Invert()))
    plain = images.decode(ciimage.execute(plan, smooth_png).data).astype(int)
    turned = images.decode(ciimage.execute(inverted, smooth_png).data).astype(int)
    assert np.array_equal(turned[..., :3], 255 - plain[..., :3])


def test_a_plan_with_a_skipped_stage_pickles(smooth_png):
    rule = "imageMogr2/cut/10x10x5000x5000/ignore-error/1|imageMogr2/thumbnail/50x"
    plan = pickle.loads(pickle.dumps(ciimage.prepare(smooth_png, rule)))
    assert "must lie inside" in plan.stages[0].skipped.message
    assert ciimage.execute(plan, smooth_png).width == 50


def test_the_deadline_is_absolute_and_checked_between_actions(smooth_png):
    from ciimage.errors import ProcessingTimeoutError

    plan = ciimage.prepare(smooth_png, "imageMogr2/thumbnail/300x")
    expired = dataclasses.replace(plan, deadline=plan.deadline - 3600)
    with pytest.raises(ProcessingTimeoutError, match="stopped before scale to 300x200"):
        ciimage.execute(expired, smooth_png)


def test_what_a_rule_decides_per_input_shape_follows_each_input(images):
    """prepare memoises the rule's decisions on the input's shape (size, format, orientation,
    quality, animation); same-sized inputs that differ in any of those still plan differently."""

    def _jpeg(quality: int, orientation: int = 1, tint: int = 0) -> bytes:
        pixels = images.smooth(64, 48)
        pixels[..., 0] = pixels[..., 0] // 2 + tint
        return images.encode(pixels, "JPEG", quality=quality, exif=images.exif(orientation))

    rule = "imageMogr2/format/webp"
    assert ciimage.prepare(_jpeg(60), rule).request.settings.quality == 60
    assert ciimage.prepare(_jpeg(90), rule).request.settings.quality == 90
    upright = ciimage.prepare(_jpeg(80, orientation=1), "imageMogr2/auto-orient/thumbnail/32x")
    turned = ciimage.prepare(_jpeg(80, orientation=6), "imageMogr2/auto-orient/thumbnail/32x")
    assert (upright.width, upright.height) == (32, 24)
    assert (turned.width, turned.height) == (32, 43)  # turned upright first: 48x64
    # The bytes outside the memo are each input's own: its EXIF goes out with it.
    first, second = _jpeg(80, tint=0), _jpeg(80, tint=30)
    out_first = ciimage.process(first, "imageMogr2/crop/20x20")
    out_second = ciimage.process(second, "imageMogr2/crop/20x20")
    assert out_first.data != out_second.data
