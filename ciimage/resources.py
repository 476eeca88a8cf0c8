"""Where the bundled grammar and fonts are, in a source checkout and in an installed wheel."""

from __future__ import annotations

from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent


def resource_dir(name: str) -> Path:
    """`grammar` or `fonts`: inside the package when installed, at the repository top otherwise."""
    for candidate in (_PACKAGE / name, _PACKAGE.parent / name):
        if candidate.is_dir():
            return candidate
    raise FileNotFoundError(f"ciimage resource folder {name!r} is missing from the installation")
