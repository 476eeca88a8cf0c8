"""`style/NAME` from the shell: styles `ciimage serve` stored under a root, or `--style`."""

from __future__ import annotations

from pathlib import Path

from PIL import Image

from ciimage.cli import main
from ciimage.server.styles import StyleStore

BUCKET = "photos-1250000000"


def _store(root: Path, bucket: str = BUCKET) -> StyleStore:
    (root / bucket).mkdir(parents=True, exist_ok=True)
    return StyleStore(root, "-!")


def test_a_style_stored_by_the_server_is_used_with_the_same_bucket_root(tmp_path, photo, capsys):
    root = tmp_path / "root"
    _store(root).put(BUCKET, "thumb", "imageMogr2/thumbnail/60x/format/png")
    target = tmp_path / "out.png"
    rule = "style/thumb"
    assert main(["process", str(photo), rule, "--bucket-root", str(root), "-o", str(target)]) == 0
    assert Image.open(target).format == "PNG" and Image.open(target).size == (60, 40)


def test_styles_from_a_root_and_stages_after_the_style(tmp_path, photo):
    root = tmp_path / "root"
    _store(root).put(BUCKET, "small", "imageMogr2/thumbnail/120x")
    target = tmp_path / "out.jpg"
    rule = "style/small|imageMogr2/rotate/90"
    assert main(["process", str(photo), rule, "--styles-from", str(root), "-o", str(target)]) == 0
    assert Image.open(target).size == (80, 120)


def test_style_flag_needs_no_server(tmp_path, photo):
    target = tmp_path / "out.jpg"
    flag = "mini=imageView2/2/w/48"
    assert main(["process", str(photo), "style/mini", "--style", flag, "-o", str(target)]) == 0
    assert Image.open(target).size == (48, 32)


def test_a_style_flag_wins_over_a_stored_style(tmp_path, photo):
    root = tmp_path / "root"
    _store(root).put(BUCKET, "thumb", "imageMogr2/thumbnail/60x")
    target = tmp_path / "out.jpg"
    args = ["process", str(photo), "style/thumb", "--styles-from", str(root)]
    assert main([*args, "--style", "thumb=imageMogr2/thumbnail/30x", "-o", str(target)]) == 0
    assert Image.open(target).size == (30, 20)


def test_several_buckets_need_bucket(tmp_path, photo, capsys):
    root = tmp_path / "root"
    _store(root).put(BUCKET, "thumb", "imageMogr2/thumbnail/60x")
    _store(root, "other-1250000000").put("other-1250000000", "thumb", "imageMogr2/thumbnail/20x")
    target = tmp_path / "out.jpg"
    args = ["process", str(photo), "style/thumb", "--styles-from", str(root), "-o", str(target)]
    assert main(args) == 2
    assert "choose one with --bucket NAME" in capsys.readouterr().err
    assert main([*args, "--bucket", "other-1250000000"]) == 0
    assert Image.open(target).size == (20, 13)


def test_an_unknown_style_is_minus_105_and_says_where_styles_come_from(tmp_path, photo, capsys):
    root = tmp_path / "root"
    _store(root).put(BUCKET, "thumb", "imageMogr2/thumbnail/60x")
    target = tmp_path / "out.jpg"
    assert main(["process", str(photo), "style/nope", "-o", str(target)]) == 2
    assert "--style nope=RULE" in capsys.readouterr().err
    assert (
        main(["process", str(photo), "style/nope", "--bucket-root", str(root), "-o", str(target)])
        == 2
    )
    assert capsys.readouterr().err.startswith("error -105: style 'nope'")
    assert not target.exists()


def test_a_malformed_style_flag_is_a_rule_error(photo, tmp_path, capsys):
    assert main(["process", str(photo), "style/a", "--style", "a", "-o", str(tmp_path / "o")]) == 2
    assert "must be NAME=RULE" in capsys.readouterr().err
