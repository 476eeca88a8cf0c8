"""The rule parser's runtime without `import lark`: Lark's standalone module, made once per grammar.

`import lark` (its grammar compiler, Earley parser and the optional `regex` module it probes) was
~45-60 ms of every `ciimage validate`. Lark's standalone generator writes just the LALR runtime
(lexer, parser, Token, exceptions) and the parse tables as one Python module. The first run with a
grammar generates it (that run imports lark), compiles it and keeps the bytecode in the user's
cache, keyed by the grammar, the parser options, lark's installed files and the Python version;
later runs load it with `marshal` and never import lark. A damaged or foreign file is rebuilt;
without a writable cache folder the module is generated in memory on every run.
"""

from __future__ import annotations

import contextlib
import importlib.util
import marshal
import os
import sys
import types
import zlib
from pathlib import Path
from typing import Any

from ciimage.files import user_cache_file, write_atomically

MODULE_NAME = "ciimage.rules._lalr_standalone"
_MAGIC = b"ciimage-lalr-runtime 2\n"
# Imports the generated module makes for code it does not run here: the `regex` probe (~15 ms) is
# for the grammar compiler, which it does not contain; pickle (~4 ms) and base64 are for Lark's own
# cache files and compressed tables, neither used. Each is replaced by what the rest expects.
_REGEX_PROBE = "try:\n    import regex\n    _has_regex = True\nexcept ImportError:\n"
_UNUSED_IMPORTS = {
    _REGEX_PROBE + "    _has_regex = False\n": "_has_regex = False\n",
    "import pickle, zlib, base64\nDATA = (": "DATA = (",
}


def load_runtime(grammar: str, options: dict[str, Any]) -> types.ModuleType:
    """The standalone module for `grammar` built with `options` (Lark's keyword arguments)."""
    key = _cache_key(grammar, options)
    cache = user_cache_file(f"rules-parser-{key}.bin")
    code = _read_cache(Path(cache), key) if cache else None
    if code is None:
        code = compile(_generate(grammar, options), f"<lark standalone {key}>", "exec")
        if cache:
            # A cache that cannot be written: the next run generates the module again.
            with contextlib.suppress(OSError):
                write_atomically(Path(cache), _MAGIC + key.encode() + b"\n" + marshal.dumps(code))
    module = types.ModuleType(MODULE_NAME)
    sys.modules[MODULE_NAME] = module  # before running it: its dataclasses look themselves up
    try:
        exec(code, module.__dict__)
    except BaseException:
        del sys.modules[MODULE_NAME]
        raise
    return module


def _cache_key(grammar: str, options: dict[str, Any]) -> str:
    lark = importlib.util.find_spec("lark")
    origin = lark.origin if lark is not None and lark.origin else ""
    stamp = os.stat(origin).st_mtime_ns if origin else 0
    text = "\n".join((grammar, repr(sorted(options.items())), origin, str(stamp), sys.version))
    data = text.encode()
    return f"{zlib.crc32(data):08x}{zlib.adler32(data):08x}{len(data):x}"


def _read_cache(path: Path, key: str) -> types.CodeType | None:
    try:
        data = path.read_bytes()
    except OSError:
        return None
    header = _MAGIC + key.encode() + b"\n"
    if not data.startswith(header):
        return None
    try:
        code = marshal.loads(data[len(header) :])
    except (EOFError, ValueError, TypeError):
        return None
    return code if isinstance(code, types.CodeType) else None


def _generate(grammar: str, options: dict[str, Any]) -> str:
    import io

    from lark import Lark
    from lark.tools.standalone import gen_standalone

    out = io.StringIO()
    gen_standalone(Lark(grammar, parser="lalr", **options), out=out)
    text = out.getvalue()
    for unused, replacement in _UNUSED_IMPORTS.items():
        text = text.replace(unused, replacement)
    return text
