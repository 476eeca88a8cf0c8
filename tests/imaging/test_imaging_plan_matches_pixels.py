"""The dry run and the real run agree: every executed output has exactly the planned size."""

from __future__ import annotations

import functools

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import ciimage
from ciimage import process

SIZES = [(97, 61), (64, 64), (40, 90)]

geometries = st.one_of(
    st.integers(1, 300).map(lambda p: f"!{p}p"),
    st.integers(1, 300).map(lambda p: f"!{p}px"),
    st.integers(1, 300).map(lambda p: f"!x{p}p"),
    st.integers(1, 400).map(lambda v: f"{v}x"),
    st.integers(1, 400).map(lambda v: f"x{v}"),
    st.tuples(st.integers(1, 400), st.integers(1, 400), st.sampled_from(["", ">", "<", "!"])).map(
        lambda t: f"{t[0]}x{t[1]}{t[2]}"
    ),
    st.tuples(st.integers(1, 400), st.integers(1, 400)).map(lambda t: f"!{t[0]}x{t[1]}r"),
    st.integers(1, 100_000).map(lambda n: f"{n}@"),
)
extras = st.sampled_from(
    [
        "",
        "/rotate/90",
        "/rotate/17",
        "/crop/30x20/gravity/east",
        "/flip/horizontal",
        "/cut/20x20x5x5",
        "/rradius/5",
    ]
)


@functools.cache
def _png(width: int, height: int) -> bytes:
    import io

    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (width, height), (120, 40, 200)).save(out, "PNG")
    return out.getvalue()


@pytest.mark.parametrize("backend", ["vips", "pillow"])
@settings(max_examples=25, deadline=None)
@given(geometry=geometries, extra=extras, size=st.sampled_from(SIZES))
def test_executed_size_is_the_planned_size(backend, geometry, extra, size):
    rule = f"imageMogr2/thumbnail/{geometry}{extra}/format/png"
    try:
        planned = ciimage.plan(rule, *size)
    except ciimage.CIError as error:
        with pytest.raises(type(error)):
            process(_png(*size), rule, backend=backend)
        return
    result = process(_png(*size), rule, backend=backend)
    assert (result.width, result.height) == (planned.width, planned.height)
