"""Bundled fonts: every CI font name maps to a real file whose glyphs (not .notdef) are drawn."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from PIL import Image, ImageDraw, ImageFont

import ciimage
from ciimage.errors import RuleError
from ciimage.resources import resource_dir
from ciimage.watermark import fonts
from ciimage.watermark.cmap import FontFormatError, read_character_map
from ciimage.watermark.text import render_coverage, split_runs

CHINESE = "腾讯云数据万象水印测试"
ENGLISH = "Tencent Cloud Watermark 2024"
CHINESE_FONTS = {
    "SimFang.ttf",
    "SimHei.ttf",
    "SimKai.ttf",
    "SimSun.ttc",
    "STHeiti-Light.ttc",
    "STHeiti-Medium.ttc",
    "YouYuan.ttf",
}
# A plane-16 private-use codepoint: no bundled font maps it, so FreeType draws .notdef.
UNMAPPED = "\U0010fffd"
SIZE = 32


def glyph(face: fonts.BundledFace, character: str) -> np.ndarray:
    """`character` drawn alone in `face`, straight from Pillow, on a fixed canvas."""
    font = ImageFont.truetype(str(face.path), SIZE, index=face.index)
    canvas = Image.new("L", (SIZE * 2, SIZE * 2), 0)
    ImageDraw.Draw(canvas).text((SIZE // 2, SIZE // 2), character, fill=255, font=font)
    return np.asarray(canvas)


def test_every_supported_name_maps_to_a_bundled_file() -> None:
    assert len(fonts.SUPPORTED_FONT_NAMES) == 13
    for name in fonts.SUPPORTED_FONT_NAMES:
        face = fonts.face_for(name)
        assert face.path.is_file(), name
        assert face.path.parent == resource_dir("fonts")


def test_font_names_are_case_insensitive() -> None:
    assert fonts.face_for("simhei.TTF") == fonts.face_for("SimHei.ttf")
    assert fonts.face_for("TAHOMA.TTF") == fonts.face_for("tahoma.ttf")


def test_unknown_font_is_a_rule_error_listing_the_choices() -> None:
    with pytest.raises(RuleError) as caught:
        fonts.face_for("comic.ttf")
    assert caught.value.parameter == "font"
    assert "SimSun.ttc" in caught.value.message


def test_every_bundled_font_has_its_licence() -> None:
    folder = resource_dir("fonts")
    licences = " ".join(path.name for path in (folder / "licenses").iterdir())
    for stem in ("wqy-microhei", "arphic-gkai00mp", "arphic-gbsn00lp", "liberation2", "dejavu"):
        assert stem in licences
    assert (folder / "README.md").is_file()


@pytest.mark.parametrize("face", fonts.BUNDLED_FACES, ids=lambda face: face.file)
def test_character_map_agrees_with_notdef_rendering(face: fonts.BundledFace) -> None:
    """Where the cmap reader says "missing", FreeType draws .notdef, and only there."""
    cmap = read_character_map(face.path.read_bytes(), face.index)
    notdef = glyph(face, UNMAPPED)
    for character in CHINESE + ENGLISH.replace(" ", "") + "©€":
        drawn = glyph(face, character)
        assert (ord(character) in cmap) == (not np.array_equal(drawn, notdef)), (
            face.file,
            character,
        )


@pytest.mark.parametrize("name", fonts.SUPPORTED_FONT_NAMES)
@pytest.mark.parametrize("text", [CHINESE, ENGLISH], ids=["chinese", "english"])
def test_text_renders_real_glyphs_in_every_font(name: str, text: str) -> None:
    runs = split_runs(text, name)
    assert "".join(run.text for run in runs) == text
    for run in runs:
        for character in run.text.replace(" ", ""):
            assert not np.array_equal(glyph(run.face, character), glyph(run.face, UNMAPPED)), (
                name,
                run.face.file,
                character,
            )
    primary = fonts.face_for(name)
    if text == ENGLISH or name in CHINESE_FONTS:
        # The font's own face draws it: no fallback needed.
        assert {run.face for run in runs} == {primary}
    # And the whole line draws ink in the tile.
    assert render_coverage(text, name, SIZE).max() == 255


def test_chinese_in_a_latin_font_falls_back_to_a_cjk_face() -> None:
    runs = split_runs("Arial 水印", "Arial.ttf")
    assert [run.text for run in runs] == ["Arial ", "水印"]
    assert runs[0].face == fonts.face_for("Arial.ttf")
    assert runs[1].face == fonts.WQY_MICRO_HEI


def test_different_families_draw_differently() -> None:
    song = render_coverage(CHINESE, "SimSun.ttc", SIZE)
    hei = render_coverage(CHINESE, "SimHei.ttf", SIZE)
    kai = render_coverage(CHINESE, "SimKai.ttf", SIZE)
    assert song.shape != hei.shape or not np.array_equal(song, hei)
    assert kai.shape != hei.shape or not np.array_equal(kai, hei)


def test_fonts_load_from_an_installed_layout(tmp_path: Path) -> None:
    """In a wheel the fonts sit inside the package (`ciimage/fonts`), with no repository around."""
    package = Path(ciimage.__file__).parent
    site = tmp_path / "site"
    # An installed package may already hold fonts/ and grammar/: they are copied afresh below.
    ignored = shutil.ignore_patterns("__pycache__", "fonts", "grammar")
    shutil.copytree(package, site / "ciimage", ignore=ignored)
    shutil.copytree(resource_dir("fonts"), site / "ciimage" / "fonts")
    shutil.copytree(resource_dir("grammar"), site / "ciimage" / "grammar")
    script = (
        "from ciimage.rules.ast import TextWatermark\n"
        "from ciimage.watermark import build_overlay\n"
        "from ciimage.watermark.fonts import face_for\n"
        "node = TextWatermark(text='腾讯云 CI', font='SimSun.ttc', fontsize=30)\n"
        "overlay = build_overlay(node, 300, 100, None)\n"
        "print(face_for('SimSun.ttc').path)\n"
        "print(int(overlay.tile[..., 3].max()))\n"
    )
    environment = {**os.environ, "PYTHONPATH": str(site)}
    done = subprocess.run(
        [sys.executable, "-c", script],
        cwd=tmp_path,
        env=environment,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    font_path, alpha = done.stdout.split()
    assert Path(font_path) == site / "ciimage" / "fonts" / "gbsn00lp.ttf"
    assert int(alpha) > 200


def test_character_map_reads_both_subtable_formats() -> None:
    formats = {face.file: bool(fonts.coverage(face)._groups) for face in fonts.BUNDLED_FACES}
    assert True in formats.values() and False in formats.values()  # format 12 and format 4


@pytest.mark.parametrize("data", [b"", b"\x00\x01\x00\x00", b"ttcf\x00\x01\x00\x00" + bytes(8)])
def test_character_map_refuses_damaged_fonts(data: bytes) -> None:
    with pytest.raises(FontFormatError):
        read_character_map(data)


def test_character_map_checks_the_face_index() -> None:
    data = fonts.WQY_MICRO_HEI.path.read_bytes()
    assert ord("水") in read_character_map(data, 1)
    with pytest.raises(FontFormatError):
        read_character_map(data, 5)
    with pytest.raises(FontFormatError):
        read_character_map(fonts.DEJAVU_SANS.path.read_bytes(), 1)
