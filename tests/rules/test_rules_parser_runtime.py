"""The parser's standalone runtime: generated once per grammar, then loaded from the user cache."""

from __future__ import annotations

import pytest

from ciimage.rules import lalr_runtime
from ciimage.rules.parser import PARSER_OPTIONS, grammar_text

GRAMMAR = 'start: "a" NUMBER\nNUMBER: /[0-9]+/\n'


def _parse(runtime, text: str) -> list[str]:
    return [str(child) for child in runtime.Lark_StandAlone().parse(text).children]


def test_generated_once_then_loaded_from_the_cache(tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    first = lalr_runtime.load_runtime(GRAMMAR, PARSER_OPTIONS)
    assert _parse(first, "a42") == ["a", "42"]
    (cached,) = (tmp_path / "ciimage").iterdir()

    def no_generation(*args: object) -> str:
        raise AssertionError("generated again although the cache holds this grammar")

    monkeypatch.setattr(lalr_runtime, "_generate", no_generation)
    assert _parse(lalr_runtime.load_runtime(GRAMMAR, PARSER_OPTIONS), "a7") == ["a", "7"]
    with pytest.raises(AssertionError, match="generated again"):
        lalr_runtime.load_runtime(GRAMMAR + "// changed\n", PARSER_OPTIONS)  # another key
    cached.write_bytes(cached.read_bytes()[:200])  # a damaged file of the right name
    with pytest.raises(AssertionError, match="generated again"):
        lalr_runtime.load_runtime(GRAMMAR, PARSER_OPTIONS)


def test_the_runtime_for_the_rule_grammar_imports_neither_lark_regex_nor_pickle() -> None:
    text = lalr_runtime._generate(grammar_text(), PARSER_OPTIONS)
    for module in ("lark", "regex", "pickle"):
        assert f"import {module}" not in text
    assert "class UnexpectedCharacters" in text and "def Lark_StandAlone" in text
