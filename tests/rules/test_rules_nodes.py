"""AST nodes behave as frozen dataclasses (they are built by `ciimage.frozen`, cheaply)."""

from __future__ import annotations

import copy
import dataclasses
import pickle

import pytest

from ciimage.rules import ast, validate


def test_equality_and_hash_ignore_positions_and_follow_the_fields() -> None:
    one = ast.Rotate(90, positions={"degrees": 11})
    same = ast.Rotate(degrees=90)
    assert one == same and hash(one) == hash(same) and one.positions != same.positions
    assert ast.Rotate(90) != ast.Rotate(180)
    assert ast.Rotate(90) != ast.Bright(90)  # another class never compares equal
    assert len({ast.Rotate(90), ast.Rotate(90), ast.Bright(90)}) == 2


def test_defaults_factories_and_wrong_arguments() -> None:
    node = ast.Quality(80)
    assert (node.force, node.positions) == (False, {})
    assert ast.Quality(80).positions is not node.positions  # one dict per node
    with pytest.raises(TypeError, match="missing argument 'value'"):
        ast.Quality()
    with pytest.raises(TypeError, match="has no argument 'colour'"):
        ast.Quality(80, colour=1)
    with pytest.raises(TypeError, match="multiple values for argument 'value'"):
        ast.Quality(80, value=70)
    with pytest.raises(TypeError, match="takes 3 arguments"):
        ast.Quality(80, True, {}, 4)


def test_nodes_are_frozen_and_keep_the_dataclass_api() -> None:
    node = ast.Thumbnail(ast.ThumbnailGeometry(ast.GeometryKind.WIDTH, width=100))
    with pytest.raises(dataclasses.FrozenInstanceError):
        node.pad = True  # type: ignore[misc]
    with pytest.raises(dataclasses.FrozenInstanceError):
        del node.color  # type: ignore[misc]
    assert dataclasses.is_dataclass(node)
    assert [f.name for f in dataclasses.fields(node)] == ["geometry", "pad", "color", "positions"]
    padded = dataclasses.replace(node, pad=True)
    assert padded.pad and padded.geometry is node.geometry and not node.pad
    assert repr(node.geometry) == (
        "ThumbnailGeometry(kind=<GeometryKind.WIDTH: 'width'>, width=100, height=None, "
        "percent=None, area=None)"
    )
    assert "positions" not in repr(node)


def test_a_frozen_dataclass_may_subclass_a_node() -> None:
    @dataclasses.dataclass(frozen=True)
    class Marked(ast.Rotate):
        mark: str = "x"

    node = Marked(90, mark="y")
    assert (node.degrees, node.mark) == (90, "y") and node == Marked(90, mark="y")
    with pytest.raises(dataclasses.FrozenInstanceError):
        node.mark = "z"  # type: ignore[misc]


def test_pipelines_pickle_and_copy_with_their_positions() -> None:
    pipeline = validate("imageMogr2/thumbnail/!50p/rotate/90|watermark/2/text/5rWL6K-V")
    for clone in (pickle.loads(pickle.dumps(pipeline)), copy.deepcopy(pipeline)):
        assert clone == pipeline and hash(clone) == hash(pipeline)
        assert clone.stages[0].positions == pipeline.stages[0].positions
        assert clone.to_rule() == pipeline.to_rule()
