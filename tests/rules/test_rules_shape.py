"""The cheap limits (stage count, parts per stage) hold before the parser runs (issue 14)."""

from __future__ import annotations

import pytest

import ciimage
from ciimage.rules.validate import MAX_PARTS_PER_STAGE


def test_a_stage_of_64_parts_passes_and_65_fail() -> None:
    ops = MAX_PARTS_PER_STAGE // 2
    accepted = ciimage.validate("imageMogr2" + "/rotate/90" * ops)
    assert len(accepted.stages[0].operations) == ops
    with pytest.raises(ciimage.RuleError, match="at most 64 '/'-separated parts") as caught:
        ciimage.validate("imageMogr2" + "/rotate/90" * ops + "/strip")
    assert caught.value.position == 0


def test_the_part_limit_points_at_the_stage_that_breaks_it() -> None:
    rule = "imageMogr2/strip|imageMogr2" + "/flip/x" * 40
    with pytest.raises(ciimage.RuleError, match="got 80") as caught:
        ciimage.validate(rule)
    assert caught.value.position == len("imageMogr2/strip|")


def test_stage_count_is_refused_before_a_syntax_error_is_looked_for() -> None:
    # The third stage is not valid syntax; the count, checked first, is what the caller hears.
    stages = ["imageMogr2/rotate/90", "imageMogr2/rotate/90", "imageMogr2/nosuch/1"] * 4
    rule = "|".join(stages)
    expected = r"at most 10 stages joined by '\|', got 12"
    with pytest.raises(ciimage.RuleError, match=expected) as caught:
        ciimage.validate(rule)
    assert caught.value.position == len("|".join(stages[:10])) + 1


def test_limits_count_parts_of_the_decoded_sdk_form_and_map_positions_back() -> None:
    rule = "imageMogr2%2F" + "rotate%2F90%2F" * 40 + "="
    with pytest.raises(ciimage.RuleError, match="parts after its name") as caught:
        ciimage.validate(rule)
    assert caught.value.position == 0


def test_an_empty_trailing_stage_does_not_count() -> None:
    # Ten stages and a trailing '|': the parser, not the count, says what is wrong.
    rule = "|".join(["imageMogr2/rotate/90"] * 10) + "|"
    with pytest.raises(ciimage.RuleError) as caught:
        ciimage.validate(rule)
    assert "at most 10 stages" not in str(caught.value)
