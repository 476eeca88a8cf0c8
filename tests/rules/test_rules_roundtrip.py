"""Properties: canonical form round-trips; nothing but CIError ever leaves validate.

The fuzz tests carry no hypothesis deadline: a wall-clock limit in a unit test fails on a loaded
machine, not on slow code. Pathological slowness (backtracking, quadratic walks) is caught by the
50 ms per-call target in benchmarks/bench_parse.py over a fixed fuzz corpus.
"""

from __future__ import annotations

import random

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import ciimage
from ciimage.rules.strategies import examples, pipelines

VALID = [
    "imageMogr2/thumbnail/!50p/format/webp|watermark/2/text/5rWL6K-V/gravity/southeast",
    "imageMogr2/crop/!300x400a10-5/gravity/center/blur/8x5",
    "imageView2/1/w/400/h/600/q/85!",
    "imageMogr2/strip/format/jpg/size-limit/15k!",
    "watermark/1/image/aHR0cDovL2EtMTI1MDAwMDAwMC5jb3MuYXAtYmVpamluZy5teXFjbG91ZC5jb20vdy5wbmc/scatype/3/spcent/250",
]


@settings(max_examples=examples(2000), suppress_health_check=[HealthCheck.too_slow], deadline=None)
@given(pipelines())
def test_validate_of_canonical_rule_is_the_pipeline(pipeline: ciimage.Pipeline) -> None:
    rule = pipeline.to_rule()
    assert ciimage.validate(rule) == pipeline
    # The canonical form is a fixed point.
    assert ciimage.validate(rule).to_rule() == rule


def _check_only_cierror(text: str) -> None:
    try:
        ciimage.validate(text)
    except ciimage.CIError as error:
        assert error.code == -60998
        assert 0 <= error.position <= len(text)
        assert error.message


@settings(max_examples=examples(500), deadline=None)
@given(st.text(max_size=300))
def test_random_text_raises_only_cierror(text: str) -> None:
    _check_only_cierror(text)


@settings(max_examples=examples(500), deadline=None)
@given(st.text(alphabet="imageMogr2/thumbnail!x@p<>|0123456789-_rcwatermark=&?%2F", max_size=120))
def test_rule_alphabet_soup_raises_only_cierror(text: str) -> None:
    _check_only_cierror(text)


@settings(max_examples=examples(1000), deadline=None)
@given(st.sampled_from(VALID), st.randoms(use_true_random=False), st.integers(1, 6))
def test_mutated_valid_rules_raise_only_cierror(rule: str, rnd: random.Random, edits: int) -> None:
    chars = list(rule)
    for _ in range(edits):
        op = rnd.choice("dis")
        at = rnd.randrange(len(chars) + 1)
        if op == "d" and at < len(chars):
            del chars[at]
        elif op == "i":
            chars.insert(at, rnd.choice("/|!x@%=&0123456789aZ-_ ?\u6d4b\x00"))
        elif at < len(chars):
            chars[at] = rnd.choice("/|!x9a=")
    _check_only_cierror("".join(chars))


def test_inputs_of_100_kb_are_refused_with_cierror() -> None:
    for text in ("imageMogr2/rotate/90/" * 5000, "x" * 100_000, "|" * 100_000):
        _check_only_cierror(text)
