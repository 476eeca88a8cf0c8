"""The rule language: grammar, typed AST, validation and canonical form.

`parse(text)` checks syntax only; `validate(text)` adds every limit that does not depend on the
image. Both accept every input form of addendum ruling 1 and report positions as offsets into the
text given. Results are cached (bounded LRU): nodes are frozen, so sharing them is safe.
"""

from __future__ import annotations

from functools import lru_cache

from ciimage.errors import RuleError
from ciimage.rules.ast import Pipeline
from ciimage.rules.inputs import RuleText, extract_rule, rule_from_query
from ciimage.rules.parser import parse_rule_text
from ciimage.rules.styles import resolve_styles
from ciimage.rules.validate import check_rule_shape, validate_pipeline

__all__ = ["Pipeline", "parse", "resolve_styles", "rule_from_query", "validate"]

CACHE_SIZE = 1024
# Far above any real rule (a URL over 16 KB is refused by COS itself); bounds the work per call.
MAX_RULE_LENGTH = 16 * 1024


def _parse_extracted(found: RuleText) -> Pipeline:
    try:
        return parse_rule_text(found.text)
    except RuleError as first:
        # A raw `key=` query form leaves a `=` that is not base64 padding: try once without it.
        if found.text.endswith("=") and not found.encoded:
            try:
                return parse_rule_text(found.text[:-1])
            except RuleError:
                pass
        first.position = found.original_position(first.position)
        raise first from None


def _extract(text: str) -> RuleText:
    if not isinstance(text, str):
        raise RuleError(f"a rule must be text, got {type(text).__name__}")
    if len(text) > MAX_RULE_LENGTH:
        raise RuleError(
            f"the rule is {len(text)} characters long; at most {MAX_RULE_LENGTH} are accepted",
            position=MAX_RULE_LENGTH,
        )
    found = extract_rule(text)
    if found is None:
        raise RuleError(
            "no processing rule found: expected imageMogr2/..., imageView2/..., watermark/N/..., "
            "imageInfo, exif, imageAve, imageInspect or style/NAME"
        )
    return found


@lru_cache(maxsize=CACHE_SIZE)
def parse(text: str) -> Pipeline:
    """Syntax only: the typed pipeline of `text`, or `RuleError`."""
    return _parse_extracted(_extract(text))


@lru_cache(maxsize=CACHE_SIZE)
def validate(text: str) -> Pipeline:
    """Syntax plus every image-independent limit: the typed pipeline of `text`, or `RuleError`."""
    found = _extract(text)
    try:
        check_rule_shape(found.text)  # cheap limits first: they bound the parser's work
    except RuleError as error:
        error.position = found.original_position(error.position)
        raise
    pipeline = _parse_extracted(found)
    try:
        return validate_pipeline(pipeline)
    except RuleError as error:
        error.position = found.original_position(error.position)
        raise
