"""The AST as plain JSON data (for `ciimage validate --json` and the docs)."""

from __future__ import annotations

import dataclasses
from enum import Enum
from typing import Any

from ciimage.rules import ast


def node_to_json(node: Any) -> Any:
    if dataclasses.is_dataclass(node) and not isinstance(node, type):
        data: dict[str, Any] = {"type": type(node).__name__}
        for f in dataclasses.fields(node):
            if f.name != "positions":
                data[f.name] = node_to_json(getattr(node, f.name))
        return data
    if isinstance(node, Enum):
        return node.value
    if isinstance(node, tuple | list):
        return [node_to_json(n) for n in node]
    return node


def pipeline_to_json(pipeline: ast.Pipeline) -> dict[str, Any]:
    return {"rule": pipeline.to_rule(), "stages": node_to_json(list(pipeline.stages))}
