"""Text -> AST: the Lark grammar (grammar/ci.lark plus productions generated from the specs) and
the transformer that builds typed nodes while the LALR parser runs. The parser runs on Lark's
standalone runtime (`ciimage.rules.lalr_runtime`), so parsing a rule does not import lark.

Syntax errors become `RuleError`s that name the offending segment, what is allowed there and, for
a misspelt name, the nearest valid one.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING, Any

from ciimage.errors import RuleError
from ciimage.resources import resource_dir
from ciimage.rules import ast
from ciimage.rules.errors_text import describe_syntax_error, value_help
from ciimage.rules.specs import (
    CONTEXT_RULES,
    KEYED_SPECS,
    MOGR_BY_KEY,
    MOGR_MODIFIERS,
    MOGR_STAGE_PARAMS,
    Param,
    context_params,
)
from ciimage.rules.values import SYNTAXES

if TYPE_CHECKING:
    from lark import Token

# The options the parser is built with (see grammar/ci.lark).
PARSER_OPTIONS: dict[str, Any] = {
    "lexer": "contextual",
    "keep_all_tokens": True,
    "maybe_placeholders": False,
}


def _is_token(child: Any) -> bool:
    # Tokens are the only str children: every callback returns a Value, ParamValue or node.
    return isinstance(child, str)


@dataclass(frozen=True)
class Value:
    """A parsed value: its converted parts, in the order of its parameter's attrs."""

    parts: tuple[Any, ...]
    position: int


@dataclass(frozen=True)
class ParamValue:
    param: Param
    parts: tuple[Any, ...]
    key_position: int
    value_position: int

    def attrs(self) -> dict[str, Any]:
        return {a.name: v for a, v in zip(self.param.attrs, self.parts, strict=False)}

    def positions(self) -> dict[str, int]:
        found = {a.name: self.value_position for a in self.param.attrs}
        found[self.param.key] = self.key_position
        return found


def _production_name(context: str, param: Param) -> str:
    return f"{CONTEXT_RULES[context]}_p_{param.rule_name}"


def _generated_productions() -> str:
    lines = []
    for context, prefix in CONTEXT_RULES.items():
        params = context_params(context)
        names = [_production_name(context, p) for p in params]
        lines.append(f"?{prefix}_param: " + " | ".join(names))
        for name, param in zip(names, params, strict=True):
            rule = SYNTAXES[param.syntax].grammar_rule
            value = f' "/" {rule}' if rule else ""
            lines.append(f'{name}: "{param.key}"{value}')
    return "\n".join(lines) + "\n"


def grammar_text() -> str:
    base = (resource_dir("grammar") / "ci.lark").read_text(encoding="utf-8")
    return (
        base + "\n// ---- generated from ciimage/rules/specs.py ----\n" + _generated_productions()
    )


def _first_position(children: list[Any]) -> int:
    for child in children:
        if _is_token(child):
            return child.start_pos or 0
        if isinstance(child, Value):
            return child.position
    return 0


MAX_DIGITS = 10  # no documented value needs more; also keeps int() far from its digit limit


def _int(token: Token) -> int:
    if len(token.lstrip("-")) > MAX_DIGITS:
        raise RuleError(
            f"number '{token[:20]}...' is too long: at most {MAX_DIGITS} digits",
            position=token.start_pos or 0,
        )
    return int(token)


def _ints(children: list[Any]) -> list[int]:
    return [_int(c) for c in children if _is_token(c) and c.type in ("INT", "SIGNED_INT")]


def _offsets(children: list[Any]) -> tuple[int, int]:
    found = [c for c in children if _is_token(c) and c.type == "OFFSET"]
    if not found:
        return 0, 0
    return tuple(int(o[1:]) * (-1 if o[0] == "-" else 1) for o in found)  # type: ignore[return-value]


def _geometry(kind: ast.GeometryKind, field_names: tuple[str, ...]):
    def build(self: RuleTransformer, children: list[Any]) -> Value:
        values = dict(zip(field_names, _ints(children), strict=True))
        return Value((ast.ThumbnailGeometry(kind, **values),), _first_position(children))

    return build


def _crop(width: bool, height: bool, advanced: bool):
    def build(self: RuleTransformer, children: list[Any]) -> Value:
        ints = iter(_ints(children))
        w = next(ints) if width else None
        h = next(ints) if height else None
        dx, dy = _offsets(children)
        return Value((w, h, dx, dy, advanced), _first_position(children))

    return build


class RuleTransformer:
    """Builds AST nodes bottom-up while the LALR parser reduces (no parse tree is kept): Lark calls
    the method named after each rule with its children."""

    GK = ast.GeometryKind
    g_scale = _geometry(GK.SCALE, ("percent",))
    g_scale_width = _geometry(GK.SCALE_WIDTH, ("percent",))
    g_scale_height = _geometry(GK.SCALE_HEIGHT, ("percent",))
    g_width = _geometry(GK.WIDTH, ("width",))
    g_height = _geometry(GK.HEIGHT, ("height",))
    g_fit = _geometry(GK.FIT, ("width", "height"))
    g_cover = _geometry(GK.COVER, ("width", "height"))
    g_shrink = _geometry(GK.SHRINK, ("width", "height"))
    g_enlarge = _geometry(GK.ENLARGE, ("width", "height"))
    g_exact = _geometry(GK.EXACT, ("width", "height"))
    g_area = _geometry(GK.AREA, ("area",))
    crop_width = _crop(True, False, False)
    crop_height = _crop(False, True, False)
    crop_size = _crop(True, True, False)
    crop_advanced_size = _crop(True, True, True)
    crop_advanced_width = _crop(True, False, True)
    crop_advanced_height = _crop(False, True, True)

    def _numbers(self, children: list[Any]) -> Value:
        return Value(tuple(_ints(children)), _first_position(children))

    cut_geometry = size_pair = int_value = signed_value = view_mode = _numbers

    def blur_value(self, children: list[Any]) -> Value:
        sigma = children[2]
        if len(sigma) > 2 * MAX_DIGITS:
            raise RuleError(
                f"blur sigma '{sigma[:20]}...' is too long", position=sigma.start_pos or 0
            )
        return Value((_int(children[0]), float(sigma)), _first_position(children))

    def quality_value(self, children: list[Any]) -> Value:
        return Value((_int(children[0]), len(children) > 1), _first_position(children))

    def size_value(self, children: list[Any]) -> Value:
        unit = 1024 * 1024 if children[1].lower() == "m" else 1024
        return Value((_int(children[0]) * unit, len(children) > 2), _first_position(children))

    def word_value(self, children: list[Any]) -> Value:
        return Value((str(children[0]),), _first_position(children))

    b64_value = word_value

    # ---- stages ----

    def mogr_stage(self, children: list[Any]) -> ast.MogrStage:
        return build_mogr_stage(_params(children), _first_position(children))

    def view_stage(self, children: list[Any]) -> ast.ViewStage:
        modes = [c for c in children if isinstance(c, Value)]
        node = build_keyed_stage(
            KEYED_SPECS["imageView2"], _params(children), _first_position(children)
        )
        if not modes:
            return node
        positions = {**node.positions, "mode": modes[0].position}
        return dataclasses.replace(node, mode=modes[0].parts[0], positions=positions)

    def _keyed(context: str):  # type: ignore[misc]
        def build(self: RuleTransformer, children: list[Any]) -> Any:
            return build_keyed_stage(
                KEYED_SPECS[context], _params(children), _first_position(children)
            )

        return build

    wm1_stage = _keyed("watermark/1")
    wm2_stage = _keyed("watermark/2")
    wm3_stage = _keyed("watermark/3")
    wm4_stage = _keyed("watermark/4")

    def _query(node_type: type):  # type: ignore[misc]
        def build(self: RuleTransformer, children: list[Any]) -> Any:
            return node_type(positions={"": _first_position(children)})

        return build

    image_info = _query(ast.ImageInfo)
    exif = _query(ast.Exif)
    image_ave = _query(ast.ImageAve)
    image_inspect = _query(ast.ImageInspect)

    def style_stage(self, children: list[Any]) -> ast.StyleRef:
        name = children[1]
        return ast.StyleRef(
            str(name), positions={"": _first_position(children), "name": name.start_pos}
        )

    def start(self, children: list[Any]) -> ast.Pipeline:
        return ast.Pipeline(tuple(c for c in children if not _is_token(c)))


def _params(children: list[Any]) -> list[ParamValue]:
    return [c for c in children if isinstance(c, ParamValue)]


def _make_param_callback(param: Param):
    syntax = SYNTAXES[param.syntax]

    def build(self: RuleTransformer, children: list[Any]) -> ParamValue:
        key = children[0]
        if len(children) == 1:
            return ParamValue(param, (), key.start_pos, key.start_pos)
        value: Value = children[2]
        parts = value.parts
        if syntax.convert is not None:
            parts = syntax.convert(parts[0], value.position, param.key)
        return ParamValue(param, parts, key.start_pos, value.position)

    return build


for _context in CONTEXT_RULES:
    for _param in context_params(_context):
        setattr(RuleTransformer, _production_name(_context, _param), _make_param_callback(_param))


def _twice(pv: ParamValue) -> RuleError:
    return RuleError(
        f"{pv.param.key} is given twice in one stage",
        position=pv.key_position,
        parameter=pv.param.key,
    )


@cache
def _bool_fields(node_type: type) -> frozenset[str]:
    return frozenset(f.name for f in dataclasses.fields(node_type) if isinstance(f.default, bool))


def _flags_as_bool(node_type: type, attrs: dict[str, Any]) -> dict[str, Any]:
    """0/1 flags become bools; other values stay as written so `validate` can report them."""
    flags = _bool_fields(node_type)
    return {k: (bool(v) if k in flags and v in (0, 1) else v) for k, v in attrs.items()}


def build_mogr_stage(params: list[ParamValue], position: int) -> ast.MogrStage:
    operations: list[Any] = []
    modifiers: dict[str, ParamValue] = {}
    stage_attrs: dict[str, Any] = {}
    stage_positions: dict[str, int] = {"": position}
    stage_keys = {p.key for p in MOGR_STAGE_PARAMS}
    for pv in params:
        key = pv.param.key
        if key in MOGR_BY_KEY:
            node_type = MOGR_BY_KEY[key].node
            operations.append(
                node_type(**_flags_as_bool(node_type, pv.attrs()), positions=pv.positions())
            )
            continue
        if key in modifiers or (key in stage_keys and key in stage_positions):
            raise _twice(pv)
        if key in stage_keys:
            stage_attrs.update(_flags_as_bool(ast.MogrStage, pv.attrs()))
            stage_positions.update(pv.positions())
        else:
            modifiers[key] = pv
    for key, pv in modifiers.items():
        spec, _ = MOGR_MODIFIERS[key]
        targets = [i for i, op in enumerate(operations) if isinstance(op, spec.node)]
        if not targets:
            raise RuleError(
                f"{key} modifies {spec.name}, and this imageMogr2 stage has no {spec.name}",
                position=pv.key_position,
                parameter=key,
            )
        for i in targets:
            op = operations[i]
            operations[i] = dataclasses.replace(
                op,
                **_flags_as_bool(spec.node, pv.attrs()),
                positions={**op.positions, **pv.positions()},
            )
    return ast.MogrStage(tuple(operations), **stage_attrs, positions=stage_positions)


def build_keyed_stage(spec: Any, params: list[ParamValue], position: int) -> Any:
    attrs: dict[str, Any] = {}
    positions: dict[str, int] = {"": position}
    seen: set[str] = set()
    for pv in params:
        if pv.param.key in seen:
            raise _twice(pv)
        seen.add(pv.param.key)
        attrs.update(pv.attrs())
        positions.update(pv.positions())
    missing = [f.name for f in dataclasses.fields(spec.node) if f.default is dataclasses.MISSING]
    missing = [m for m in missing if m not in attrs and m != "positions"]
    if missing:
        first = next(p for p in spec.params if p.attrs and p.attrs[0].name == missing[0])
        raise RuleError(
            f"{spec.name} needs {first.key} ({value_help(first)})",
            position=position,
            parameter=first.key,
        )
    return spec.node(**_flags_as_bool(spec.node, attrs), positions=positions)


@cache
def _runtime() -> Any:
    from ciimage.rules.lalr_runtime import load_runtime

    return load_runtime(grammar_text(), PARSER_OPTIONS)


@cache
def _parser() -> Any:
    return _runtime().Lark_StandAlone(transformer=RuleTransformer())


def parse_rule_text(text: str) -> ast.Pipeline:
    """Parse an extracted rule (positions are offsets into `text`)."""
    if not text:
        raise RuleError(
            "the rule is empty: expected imageMogr2/..., imageView2/..., watermark/N/..."
        )
    parser, runtime = _parser(), _runtime()
    try:
        return parser.parse(text)
    except runtime.VisitError as exc:
        if isinstance(exc.orig_exc, RuleError):
            raise exc.orig_exc from None
        raise
    except runtime.UnexpectedEOF:
        raise describe_syntax_error(text, len(text)) from None
    except runtime.UnexpectedCharacters as exc:
        raise describe_syntax_error(text, exc.pos_in_stream) from None
    except runtime.UnexpectedInput as exc:
        token = getattr(exc, "token", None)
        pos = len(text) if token is None or token.type == "$END" else token.start_pos
        raise describe_syntax_error(text, pos) from None
