"""A subcommand imports what it needs and nothing else (the timings are in bench_cli.py)."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

HEAVY = (
    "numpy",
    "pyvips",
    "PIL",
    "starlette",
    "uvicorn",
    "lark",
    "regex",
    "skimage",
    "ciimage.imaging",
)

PROBE = """
import contextlib, io, json, sys
from ciimage.cli import main
with contextlib.redirect_stdout(io.TextIOWrapper(io.BytesIO())), \
        contextlib.redirect_stderr(io.StringIO()):
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


def test_image_info_and_explain_need_no_numpy(tmp_path) -> None:
    from PIL import Image

    source = tmp_path / "small.jpg"
    Image.new("RGB", (64, 48), (90, 140, 200)).save(source)
    assert _imported("info", str(source)).isdisjoint({"numpy", "pyvips", "lark", "regex"})
    explained = _imported("explain", "imageMogr2/thumbnail/!50p", "--size", "640x480")
    assert explained.isdisjoint({"numpy", "pyvips", "PIL", "lark", "regex"})


def test_validate_imports_the_rule_language_only() -> None:
    _imported("validate", "imageMogr2/thumbnail/!50p")  # the first run may build the parser
    imported = _imported("validate", "imageMogr2/thumbnail/!50p")
    # The cached standalone runtime parses: neither lark nor the `regex` it probes for.
    assert imported.isdisjoint({"lark", "regex"})
    assert imported.isdisjoint({"numpy", "pyvips", "PIL", "starlette", "uvicorn", "skimage"})
    assert not any(name.startswith("ciimage.imaging") for name in imported)


def test_the_grammar_cache_is_private_and_a_damaged_one_is_rebuilt(tmp_path) -> None:
    import os

    env = {**os.environ, "XDG_CACHE_HOME": str(tmp_path)}
    command = [sys.executable, "-m", "ciimage", "validate", "imageMogr2/rotate/90"]
    first = subprocess.run(command, env=env, capture_output=True, timeout=120)
    assert first.returncode == 0 and first.stdout == b"imageMogr2/rotate/90\n"
    folder = tmp_path / "ciimage"
    assert folder.stat().st_mode & 0o777 == 0o700
    (cache,) = folder.iterdir()
    cache.write_bytes(b"not a parser")
    again = subprocess.run(command, env=env, capture_output=True, timeout=120)
    assert (again.returncode, again.stdout, again.stderr) == (0, b"imageMogr2/rotate/90\n", b"")
    assert cache.stat().st_size > 1000  # rewritten


def test_without_a_writable_cache_folder_rules_still_parse(tmp_path) -> None:
    import os

    blocker = tmp_path / "file"
    blocker.write_text("x")
    env = {**os.environ, "XDG_CACHE_HOME": str(blocker)}
    done = subprocess.run(
        [sys.executable, "-m", "ciimage", "validate", "imageMogr2/rotate/90"],
        env=env,
        capture_output=True,
        timeout=120,
    )
    assert (done.returncode, done.stderr) == (0, b"")


def test_processing_a_small_jpeg_with_pillow_imports_neither_numpy_nor_pyvips(tmp_path) -> None:
    from PIL import Image

    source, output = tmp_path / "small.jpg", tmp_path / "out.jpg"
    Image.new("RGB", (640, 480), (90, 140, 200)).save(source, quality=85)
    rule = "imageMogr2/thumbnail/320x"
    imported = _imported("process", str(source), rule, "-o", str(output))
    assert "PIL" in imported and imported.isdisjoint({"numpy", "pyvips", "skimage", "starlette"})
    with Image.open(output) as done:
        assert done.size == (320, 240)  # the run did the work
