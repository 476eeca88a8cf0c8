"""AST -> canonical rule text, driven by the same specs as the parser.

Canonical means: parameters in declaration order for keyed stages, defaults left out, base64
without padding, sizes in the largest exact unit. `validate(p.to_rule()) == p` for every valid p.
"""

from __future__ import annotations

from typing import Any

from ciimage.rules import ast
from ciimage.rules.specs import (
    KEYED_SPECS,
    MOGR_STAGE_PARAMS,
    SPEC_BY_NODE,
    VIEW,
    OperationSpec,
    Param,
)
from ciimage.rules.values import SYNTAXES

_QUERY_NAMES = {
    ast.ImageInfo: "imageInfo",
    ast.Exif: "exif",
    ast.ImageAve: "imageAve",
    ast.ImageInspect: "imageInspect",
}


def _param_text(param: Param, node: Any) -> str:
    syntax = SYNTAXES[param.syntax]
    if not param.syntax:
        return param.key
    arity = syntax.write.__code__.co_argcount
    values = [getattr(node, a.name) for a in param.attrs[:arity]]
    return f"{param.key}/{syntax.write(*values)}"


def _is_default(spec: OperationSpec, param: Param, node: Any) -> bool:
    names = [a.name for a in param.attrs if a.name != "geometry"]
    return all(getattr(node, n) == spec.default(n) for n in names if hasattr(node, n))


def operation_to_rule(node: Any, *, with_modifiers: bool = True) -> str:
    """Canonical text of one imageMogr2 operation or of a whole stage."""
    if isinstance(node, ast.MogrStage):
        # A modifier applies to every operation of its kind in the stage: write it once.
        parts, written = ["imageMogr2"], set()
        for op in node.operations:
            parts.append(operation_to_rule(op, with_modifiers=type(op) not in written))
            written.add(type(op))
        parts += [_param_text(p, node) for p in MOGR_STAGE_PARAMS if getattr(node, p.attrs[0].name)]
        return "/".join(parts)
    if isinstance(node, ast.StyleRef):
        return f"style/{node.name}"
    if type(node) in _QUERY_NAMES:
        return _QUERY_NAMES[type(node)]
    spec = SPEC_BY_NODE[type(node)]
    if spec.context == "imageMogr2":
        main, *modifiers = spec.params
        texts = [_param_text(main, node)]
        if with_modifiers:
            texts += [_param_text(p, node) for p in modifiers if not _is_default(spec, p, node)]
        return "/".join(texts)
    head = [spec.context]
    if spec.context == VIEW and node.mode is not None:
        head.append(str(node.mode))
    keyed = KEYED_SPECS[spec.context]
    body = [_param_text(p, node) for p in keyed.params if not _is_default(keyed, p, node)]
    return "/".join(head + body)


def pipeline_to_rule(pipeline: ast.Pipeline) -> str:
    return "|".join(operation_to_rule(stage) for stage in pipeline.stages)
