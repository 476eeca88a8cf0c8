"""A subcommand imports what it needs and nothing else (the timings are in bench_cli.py)."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

HEAVY = ("numpy", "pyvips", "PIL", "starlette", "uvicorn", "lark", "skimage", "ciimage.imaging")

PROBE = """
import contextlib, io, json, sys
from ciimage.cli import main
with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
    try:
        main(sys.argv[1:])
    except SystemExit:
        pass
heavy = {heavy!r}
print(json.dumps(sorted(name for name in sys.modules if name.split(".")[0] in heavy
                        or name.startswith(heavy))))
"""


def _imported(*args: str) -> set[str]:
    done = subprocess.run(
        [sys.executable, "-c", PROBE.format(heavy=HEAVY), *args],
        capture_output=True,
        timeout=120,
        check=True,
    )
    return {name.split(".")[0] if not name.startswith("ciimage") else name
            for name in json.loads(done.stdout)}  # fmt: skip


@pytest.mark.parametrize("args", [("--help",), ("--version",), ("process", "--help")])
def test_help_imports_no_image_or_server_library(args: tuple[str, ...]) -> None:
    assert _imported(*args) == set()


def test_validate_imports_the_rule_language_only() -> None:
    imported = _imported("validate", "imageMogr2/thumbnail/!50p")
    assert "lark" in imported
    assert imported.isdisjoint({"numpy", "pyvips", "PIL", "starlette", "uvicorn", "skimage"})
    assert not any(name.startswith("ciimage.imaging") for name in imported)
