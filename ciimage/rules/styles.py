"""`style/NAME` stages replaced by the stored style's own stages."""

from __future__ import annotations

from collections.abc import Mapping

from ciimage.errors import RuleError, StyleNotFoundError
from ciimage.rules import ast
from ciimage.rules.specs import MAX_STAGES


def resolve_styles(pipeline: ast.Pipeline, styles: Mapping[str, str] | None) -> ast.Pipeline:
    """Expand every StyleRef from `styles` (name -> rule). Styles do not nest; limits re-checked."""
    from ciimage.rules import validate
    from ciimage.rules.validate import validate_pipeline

    if not any(isinstance(s, ast.StyleRef) for s in pipeline.stages):
        return pipeline
    stages: list[ast.Stage] = []
    for stage in pipeline.stages:
        if not isinstance(stage, ast.StyleRef):
            stages.append(stage)
            continue
        rule = (styles or {}).get(stage.name)
        if rule is None:
            raise StyleNotFoundError(f"style '{stage.name}' does not exist")
        expanded = validate(rule)
        if any(isinstance(s, ast.StyleRef) for s in expanded.stages):
            raise RuleError(f"style '{stage.name}' refers to another style; styles do not nest")
        stages.extend(expanded.stages)
    if len(stages) > MAX_STAGES:
        raise RuleError(f"with its styles the rule has {len(stages)} stages; at most {MAX_STAGES}")
    return validate_pipeline(ast.Pipeline(tuple(stages)))
