"""`ciimage process`, `ciimage explain` and `ciimage demo`."""

from __future__ import annotations

import io
import subprocess
import sys
from pathlib import Path

from PIL import Image

from ciimage.cli import main


def test_process_writes_the_rule_format_whatever_the_file_name(images, tmp_path, capsys):
    source = tmp_path / "in.jpg"
    source.write_bytes(images.encode(images.smooth(400, 300), "JPEG"))
    target = tmp_path / "out.jpg"
    assert (
        main(["process", str(source), "imageMogr2/thumbnail/200x/format/png", "-o", str(target)])
        == 0
    )
    written = Image.open(target)
    assert written.format == "PNG" and written.size == (200, 150)
    assert not list(tmp_path.glob("*.part"))


def test_process_reads_stdin_and_writes_stdout(images):
    data = images.encode(images.smooth(400, 300))
    done = subprocess.run(
        [sys.executable, "-m", "ciimage.cli", "process", "-", "imageMogr2/rotate/90"],
        input=data,
        capture_output=True,
        timeout=60,
        check=True,
    )
    assert Image.open(io.BytesIO(done.stdout)).size == (300, 400)


def test_process_errors_are_one_line_and_exit_2(images, tmp_path, capsys):
    source = tmp_path / "in.png"
    source.write_bytes(images.encode(images.smooth(100, 150)))
    target = tmp_path / "out.png"
    assert main(["process", str(source), "imageMogr2/thumbnail/9000x", "-o", str(target)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error -442:") and err.count("\n") == 1
    assert not target.exists()


def test_explain_prints_each_operation_and_size(capsys):
    rule = "imageMogr2/thumbnail/600x600/pad/1/crop/300x400/gravity/center|imageView2/2/w/150"
    assert main(["explain", rule, "--size", "1200x800"]) == 0
    out = capsys.readouterr().out
    assert "scale to 600x400" in out and "pad to 600x600" in out
    assert "crop 300x400 at (150, 100)" in out
    last = out.strip().splitlines()[-1].split()
    assert last[-1] == "150x200" and last[-3:-1] == ["jpg", "q100"]
    assert "Resize" not in out and "Extract" not in out  # CI's words, not class names


def test_explain_shows_each_stages_format_and_quality(capsys):
    rule = "imageMogr2/format/webp/quality/60|imageView2/2/w/100/format/png"
    assert main(["explain", rule, "--size", "400x300"]) == 0
    rows = capsys.readouterr().out.strip().splitlines()[2:]
    assert "webp q60" in rows[1] and rows[-2].split()[-2] == "png"


def test_explain_input_file_prints_the_execution_plan(capsys, tmp_path):
    from PIL import Image

    frames = [Image.new("RGB", (40, 30), (60 * i, 90, 200)) for i in range(3)]
    path = tmp_path / "a.gif"
    frames[0].save(path, save_all=True, append_images=frames[1:], duration=[40, 60, 80], loop=0)
    assert main(["explain", "imageMogr2/thumbnail/20x/format/webp", "--input", str(path)]) == 0
    out = capsys.readouterr().out
    assert "scale to 20x15" in out and "webp q100" in out
    assert "3 frames of 3" in out and "40, 60, 80; forever" in out


def test_explain_refuses_a_bad_size(capsys):
    assert main(["explain", "imageMogr2/flip/vertical", "--size", "12x"]) == 2


def test_demo_writes_a_page_with_every_example(tmp_path):
    from ciimage.cli.demo import EXAMPLES

    out = tmp_path / "demo"
    assert main(["demo", "--out", str(out)]) == 0
    page = (out / "index.html").read_text()
    assert page.count("<figure>") == len(EXAMPLES)
    outputs = sorted(p.name for p in (out / "outputs").iterdir())
    assert len(outputs) == sum(1 for example in EXAMPLES if not example.refused)
    for sample in {example.sample for example in EXAMPLES}:
        assert (out / "inputs" / sample).is_file()
    assert Path(out / "outputs" / outputs[0]).stat().st_size > 0
