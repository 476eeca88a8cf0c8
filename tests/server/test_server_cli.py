"""`ciimage serve` on the command line."""

from __future__ import annotations

from pathlib import Path

import pytest

from ciimage.cli import build_parser
from ciimage.cli.serve import config_from_args
from ciimage.server.config import DEFAULT_STYLE_SEPARATORS


def test_serve_flags_become_the_server_config(tmp_path: Path) -> None:
    args = build_parser().parse_args(
        [
            "serve",
            "--root",
            str(tmp_path),
            "--secret-id",
            "AKID",
            "--secret-key",
            "KEY",
            "--default-bucket",
            "photos-1",
            "--style-separators",
            "!",
            "--max-concurrency",
            "3",
            "--max-queue",
            "5",
        ]
    )
    config = config_from_args(args)
    assert (config.root, config.secret_id, config.secret_key) == (tmp_path, "AKID", "KEY")
    assert (config.default_bucket, config.style_separators) == ("photos-1", "!")
    assert (config.max_concurrency, config.max_queue) == (3, 5)
    assert config.signatures_required


def test_defaults_are_anonymous_on_loopback(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("CIIMAGE_SECRET_ID", raising=False)
    monkeypatch.delenv("CIIMAGE_SECRET_KEY", raising=False)
    args = build_parser().parse_args(["serve", "--root", str(tmp_path)])
    assert (args.host, args.port) == ("127.0.0.1", 8080)
    config = config_from_args(args)
    assert not config.signatures_required
    assert config.style_separators == DEFAULT_STYLE_SEPARATORS


@pytest.mark.parametrize(
    "extra",
    [["--secret-id", "AKID"], ["--style-separators", "#"], ["--max-concurrency", "0"]],
)
def test_inconsistent_flags_are_refused(tmp_path: Path, extra: list[str]) -> None:
    args = build_parser().parse_args(["serve", "--root", str(tmp_path), *extra])
    with pytest.raises(SystemExit):
        config_from_args(args)
