"""`ciimage demo`: every image the page names exists, decodes and has the size its label says."""

from __future__ import annotations

from html.parser import HTMLParser
from pathlib import Path

import pytest
from PIL import Image

from ciimage.cli import main
from ciimage.cli.demo_examples import EXAMPLES, REFUSED, TRUNCATED, ZOOM_GIF


class _Page(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.images: list[dict[str, str]] = []
        self.links: list[str] = []
        self.sections: list[str] = []
        self.errors: list[str] = []
        self._in_error = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = {name: value or "" for name, value in attrs}
        if tag == "img":
            self.images.append(found)
        elif tag == "a":
            self.links.append(found.get("href", ""))
        elif tag == "section":
            self.sections.append(found["id"])
        self._in_error = tag == "div" and "error" in found.get("class", "")

    def handle_data(self, data: str) -> None:
        if self._in_error:
            self.errors.append(data)
            self._in_error = False


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, _Page]:
    out = tmp_path_factory.mktemp("demo")
    assert main(["demo", "--out", str(out)]) == 0
    parsed = _Page()
    parsed.feed((out / "index.html").read_text(encoding="utf-8"))
    return out, parsed


def test_every_image_exists_decodes_and_matches_its_label(demo) -> None:
    out, parsed = demo
    refused = sum(1 for example in EXAMPLES if example.refused)
    drawable_inputs = sum(1 for example in EXAMPLES if example.sample != TRUNCATED)
    assert len(parsed.images) == drawable_inputs + len(EXAMPLES) - refused
    for image in parsed.images:
        path = out / image["src"]
        assert path.is_file(), image["src"]
        assert path.stat().st_size == int(image["data-bytes"])
        with Image.open(path) as decoded:
            decoded.load()
            assert decoded.size == (int(image["data-width"]), int(image["data-height"])), path
            assert getattr(decoded, "n_frames", 1) == int(image["data-frames"]), path
            expected = {"JPEG": "jpg", "PNG": "png", "WEBP": "webp", "GIF": "gif"}[decoded.format]
            assert image["data-format"] == expected


def test_animated_examples_keep_their_frames(demo) -> None:
    out, parsed = demo
    pairs = {}
    for index, image in enumerate(parsed.images):
        if image["alt"] == "output":
            pairs[image["src"]] = (parsed.images[index - 1], image)
    rules = [example.rule for example in EXAMPLES if not example.refused]
    by_rule = dict(zip(rules, sorted(pairs.values(), key=lambda pair: pair[1]["src"]), strict=True))
    animated = {rule: pair for rule, pair in by_rule.items() if pair[0]["data-frames"] != "1"}
    assert len(animated) >= 5 and {pair[0]["src"] for pair in animated.values()} >= {
        f"inputs/{ZOOM_GIF}",
        "inputs/animated.gif",
    }
    source, cut = animated["imageMogr2/cgif/4"]
    assert int(source["data-frames"]) > 4 and cut["data-frames"] == "4"
    source, webp = animated["imageMogr2/format/webp"]
    assert webp["data-format"] == "webp" and webp["data-frames"] == source["data-frames"]
    assert animated["imageMogr2/format/png"][1]["data-frames"] == "1"  # the first frame
    thumbnail = animated["imageMogr2/thumbnail/200x"][1]
    assert (thumbnail["data-width"], thumbnail["data-frames"]) == ("200", source["data-frames"])
    with Image.open(out / thumbnail["src"]) as decoded:
        delays = []
        for frame in range(decoded.n_frames):
            decoded.seek(frame)
            delays.append(decoded.info["duration"])
    assert delays == [100] * int(source["data-frames"])  # every frame keeps its delay
    page = (out / "index.html").read_text(encoding="utf-8")
    assert f"{source['data-frames']} frames" in page  # the label says it


def test_input_and_output_are_drawn_at_one_scale(demo) -> None:
    _, parsed = demo
    outputs = [image for image in parsed.images if image["alt"] == "output"]
    for output in outputs:
        source = parsed.images[parsed.images.index(output) - 1]
        assert source["alt"] == "input"
        scales = [int(image["width"]) / int(image["data-width"]) for image in (source, output)]
        assert abs(scales[0] - scales[1]) < 0.01, (source, output)
    halved = next(o for o in outputs if o["src"].startswith("outputs/01."))
    source = parsed.images[parsed.images.index(halved) - 1]
    assert abs(int(halved["width"]) * 2 - int(source["width"])) <= 1  # !50p looks half as large


def test_real_photographs_families_docs_and_refusals(demo) -> None:
    out, parsed = demo
    sources = {image["src"] for image in parsed.images}
    assert {"inputs/astronaut.jpg", "inputs/coffee.jpg", "inputs/chelsea.jpg"} <= sources
    assert "inputs/rocket.jpg" in sources and "inputs/sideways.jpg" in sources
    families = list(dict.fromkeys(example.family.title for example in EXAMPLES))
    assert len(parsed.sections) == len(families)
    assert all(f"#{section}" in parsed.links for section in parsed.sections)  # the index
    docs = [link for link in parsed.links if link.startswith("docs/semantics.md#")]
    assert (out / "docs" / "semantics.md").is_file() and len(docs) == len(families)
    headings = (out / "docs" / "semantics.md").read_text(encoding="utf-8")
    for example in EXAMPLES:
        assert f"## {example.family.docs_section}\n" in headings
    assert len(parsed.errors) == sum(1 for example in EXAMPLES if example.family is REFUSED)
    assert all(error.startswith("error -") for error in parsed.errors)
    page = (out / "index.html").read_text(encoding="utf-8")
    assert "image-orientation:none" in page and "5rWL6K-V" in page


def test_the_readme_command_works_from_the_wheel(tmp_path: Path) -> None:
    """`pip install . && ciimage demo --out demo-out`: the wheel carries samples and docs."""
    import os
    import subprocess
    import sys
    import zipfile

    root = Path(__file__).resolve().parents[2]
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(tmp_path), str(root)],
        check=True,
        capture_output=True,
        timeout=300,
    )
    site = tmp_path / "site"
    zipfile.ZipFile(next(tmp_path.glob("ciimage-*.whl"))).extractall(site)
    done = subprocess.run(
        [sys.executable, "-m", "ciimage", "demo", "--out", "demo-out"],
        cwd=tmp_path,
        env={**os.environ, "PYTHONPATH": str(site)},
        capture_output=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stderr
    out = tmp_path / "demo-out"
    assert (out / "docs" / "semantics.md").is_file() and (out / "inputs" / "sideways.jpg").is_file()
    assert len(list((out / "outputs").iterdir())) == sum(1 for e in EXAMPLES if not e.refused)
