"""Readable syntax errors: which segment is wrong, what is allowed there, the nearest valid name.

Lark reports the character where parsing stopped; users think in `/`-separated segments. This walks
the stage that holds the error the way the grammar reads it (stage keyword, then keys and values)
to tell an unknown parameter from a malformed value.
"""

from __future__ import annotations

import re

from ciimage.errors import RuleError, printable
from ciimage.rules.specs import CONTEXT_RULES, MOGR, VIEW, Param, context_params
from ciimage.rules.values import SYNTAXES, suggest

STAGE_STARTS = (
    "imageMogr2",
    "imageView2",
    "watermark",
    "imageInfo",
    "exif",
    "imageAve",
    "imageInspect",
    "style",
)
_STAGE_HELP = (
    "a stage is imageMogr2/..., imageView2/..., watermark/1-4/..., imageInfo, exif, imageAve, "
    "imageInspect or style/NAME"
)


def _segments(text: str, start: int, end: int) -> list[tuple[int, str]]:
    found = []
    for match in re.finditer(r"[^/]+", text[start:end]):
        found.append((start + match.start(), match.group()))
    return found


def describe_syntax_error(text: str, pos: int) -> RuleError:
    stage_start = text.rfind("|", 0, pos) + 1
    stage_end = text.find("|", pos)
    stage_end = len(text) if stage_end < 0 else stage_end
    segments = _segments(text, stage_start, stage_end)
    if pos >= len(text) or text[pos] == "|":
        return _at_end(text, pos, segments)
    if not segments or (
        pos < segments[0][0] + len(segments[0][1])
        and segments[0][0] <= pos
        and (segments[0][1] not in STAGE_STARTS)
    ):
        word = segments[0][1] if segments else text[pos:stage_end]
        return RuleError(
            f"unknown operation {printable(word)}{suggest(word, STAGE_STARTS)}; {_STAGE_HELP}",
            position=stage_start,
            parameter=None,
        )
    return _inside_stage(text, pos, segments)


def _context(segments: list[tuple[int, str]]) -> tuple[str | None, int]:
    """The stage's context and the index of its first parameter segment."""
    head = segments[0][1]
    if head == "watermark":
        kind = segments[1][1] if len(segments) > 1 else ""
        context = f"watermark/{kind}"
        return (context if context in CONTEXT_RULES else None), 2
    if head == VIEW:
        has_mode = len(segments) > 1 and segments[1][1].isdigit()
        return VIEW, 2 if has_mode else 1
    if head == MOGR:
        return MOGR, 1
    return None, 1


def _inside_stage(text: str, pos: int, segments: list[tuple[int, str]]) -> RuleError:
    head = segments[0][1]
    context, first = _context(segments)
    if context is None:
        if head == "watermark":
            start, kind = segments[1] if len(segments) > 1 else (segments[0][0], "")
            return RuleError(
                f"watermark type must be 1 (image), 2 (text), 3 (blind) or 4 (blind extract), "
                f"got {printable(kind)}",
                position=start,
                parameter="watermark",
            )
        start, word = segments[min(1, len(segments) - 1)]
        return RuleError(
            f"{head} takes no parameters, got {printable(word)}", position=start, parameter=head
        )
    params = {p.key: p for p in context_params(context)}
    i = first
    while i < len(segments):
        start, word = segments[i]
        param = params.get(word)
        end_of_value = segments[i + 1][0] + len(segments[i + 1][1]) if i + 1 < len(segments) else 0
        if param is None:
            return _unknown_key(context, start, word, params)
        if not param.syntax:
            if start <= pos < start + len(word) + 1:
                return _unknown_key(context, start, word, params)
            i += 1
            continue
        if pos <= end_of_value or i + 1 >= len(segments):
            value_start, value = segments[i + 1] if i + 1 < len(segments) else (pos, "")
            return _bad_value(param, value_start, value)
        i += 2
    return RuleError(f"unexpected text at column {pos + 1}", position=pos)


def _unknown_key(context: str, start: int, word: str, params: dict[str, Param]) -> RuleError:
    allowed = ", ".join(params)
    return RuleError(
        f"unknown {context} parameter {printable(word)}{suggest(word, list(params))}; "
        f"allowed: {allowed}",
        position=start,
        parameter=word,
    )


def value_help(param: Param) -> str:
    """What a value of `param` may be: its syntax, its documented range, what each value means
    (`a whole number between 1 and 3: 1 semi-blind, 2 blind, 3 text`)."""
    text = SYNTAXES[param.syntax].help
    ranged = [a for a in param.attrs[:1] if a.lo is not None or a.hi is not None]
    if ranged and param.syntax in _NUMBER_SYNTAXES:
        text = f"{text} {ranged[0].describe_range()}"
    if param.doc and param.doc[:1].isdigit():
        text = f"{text}: {param.doc}"
    return text


_NUMBER_SYNTAXES = ("int_value", "signed_value")


def _bad_value(param: Param, start: int, value: str) -> RuleError:
    help_text = value_help(param)
    if not value:
        return RuleError(
            f"{param.key} needs a value: {help_text}", position=start, parameter=param.key
        )
    return RuleError(
        f"{param.key} takes {help_text}, got {printable(value)}",
        position=start,
        parameter=param.key,
    )


def _at_end(text: str, pos: int, segments: list[tuple[int, str]]) -> RuleError:
    if not segments:
        return RuleError(f"empty stage: {_STAGE_HELP}", position=pos)
    context, first = _context(segments)
    if segments[0][1] == "watermark" and context is None:
        return _inside_stage(text, pos, segments)
    if context is not None and len(segments) > first:
        params = {p.key: p for p in context_params(context)}
        start, word = segments[-1]
        param = params.get(word)
        if param is not None and param.syntax:
            return _bad_value(param, pos, "")
        previous = params.get(segments[-2][1]) if len(segments) >= 2 else None
        if previous is not None and previous.syntax:
            return _bad_value(previous, start, word)
        if param is None:
            return _unknown_key(context, start, word, params)
    return RuleError(f"the rule ends too early at column {pos + 1}", position=pos)
