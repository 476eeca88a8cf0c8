"""The wheel carries the grammar, fonts and type hints, and works outside the source tree."""

from __future__ import annotations

import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("wheel")
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(out), str(ROOT)],
        check=True,
        capture_output=True,
    )
    return next(out.glob("ciimage-*.whl"))


def test_wheel_ships_grammar_fonts_and_type_marker(wheel: Path) -> None:
    names = set(zipfile.ZipFile(wheel).namelist())
    assert "ciimage/grammar/ci.lark" in names
    assert "ciimage/py.typed" in names
    assert any(
        n.startswith("ciimage/fonts/") and n.endswith((".ttf", ".ttc", ".otf")) for n in names
    )


def test_installed_layout_loads_the_grammar_outside_the_checkout(
    wheel: Path, tmp_path: Path
) -> None:
    site = tmp_path / "site"
    zipfile.ZipFile(wheel).extractall(site)
    code = "import ciimage; print(ciimage.validate('imageMogr2/gravity/center/crop/3x4').to_rule())"
    env = {**os.environ, "PYTHONPATH": str(site)}
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=tmp_path, env=env, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "imageMogr2/crop/3x4/gravity/center"
    probe = "import ciimage.resources as r; print(r.resource_dir('grammar'))"
    where = subprocess.run(
        [sys.executable, "-c", probe], cwd=tmp_path, env=env, capture_output=True, text=True
    )
    assert str(site) in where.stdout
