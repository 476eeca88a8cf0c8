"""`ciimage serve` on the command line."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from ciimage.cli import build_parser
from ciimage.cli.serve import config_from_args
from ciimage.server.config import DEFAULT_STYLE_SEPARATORS
from ciimage.server.launch import serve_in_subprocess


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


def test_bucket_flag_creates_buckets_at_start(tmp_path: Path) -> None:
    root = tmp_path / "root"
    root.mkdir()
    (root / "kept-1250000000").mkdir()
    (root / "kept-1250000000" / "a.txt").write_bytes(b"kept")
    options = ["--bucket", "photos-1250000000", "--bucket", "kept-1250000000"]
    with serve_in_subprocess(root, *options, log=tmp_path / "serve.log") as served:
        head = httpx.head(
            f"{served.url}/", headers={"Host": "photos-1250000000.cos.ap-guangzhou.myqcloud.com"}
        )
        assert head.status_code == 200
    assert (root / "photos-1250000000").is_dir()
    assert (root / "kept-1250000000" / "a.txt").read_bytes() == b"kept"  # existing: untouched


def test_bucket_flag_refuses_names_cos_refuses(tmp_path: Path) -> None:
    command = [sys.executable, "-m", "ciimage.cli", "serve", "--root", str(tmp_path)]
    done = subprocess.run(
        [*command, "--port", "0", "--bucket", "Bad_Name"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 1
    assert "InvalidBucketName" not in done.stderr and "Bad_Name" in done.stderr
    assert not (tmp_path / "Bad_Name").exists()
