"""`ciimage demo --out DIR`: the spec's example rules on real photographs, as an HTML page.

Each card draws the input and the output at one common scale, so a size change is visible, with
format, size, bytes, quality and the time the rule took (measured on a second run, after a
warm-up) under each. A refused rule shows CI's error line instead of an output.
"""

from __future__ import annotations

import argparse
import io
import shutil
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from ciimage.cli.demo_examples import EXAMPLES, PHOTOS, TRUNCATED, ZOOM_GIF, Example
from ciimage.errors import CIError


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "demo",
        help="process sample photographs with the spec's example rules into an HTML page",
        description="Write DIR/index.html: each example rule of CI's documentation with its "
        "input and output drawn at the same scale, grouped by family.",
    )
    parser.add_argument("--out", required=True, metavar="DIR", help="folder to write into")
    parser.add_argument("--backend", choices=("auto", "vips", "pillow"), default="auto")
    parser.set_defaults(func=run)


@dataclass(frozen=True)
class Picture:
    """An image file of the page and what its label says about it."""

    path: str  # relative to the page
    format: str
    width: int
    height: int
    size: int
    quality: int | None = None
    milliseconds: float | None = None
    frames: int = 1


@dataclass(frozen=True)
class Shown:
    example: Example
    input: Picture
    output: Picture | None
    error: str | None


def samples_dir() -> Path:
    from ciimage.resources import resource_dir

    return resource_dir("samples")


def run(args: argparse.Namespace) -> int:
    from ciimage.cli.demo_page import page

    out = Path(args.out)
    for folder in ("inputs", "outputs"):
        (out / folder).mkdir(parents=True, exist_ok=True)
    inputs = write_inputs(out / "inputs", {example.sample for example in EXAMPLES})
    shown = [show(example, index, inputs, out, args.backend) for index, example in
             enumerate(EXAMPLES, start=1) if example.sample in inputs]  # fmt: skip
    docs = copy_docs(out)
    (out / "index.html").write_text(page(shown, docs), encoding="utf-8")
    refused = sum(1 for item in shown if item.error)
    print(f"{out / 'index.html'}: {len(shown)} examples, {refused} refused", file=sys.stderr)
    return 0


def write_inputs(folder: Path, names: set[str]) -> dict[str, Picture]:
    """Every input the examples name, written into `folder`: photos, samples, a damaged file."""
    written: dict[str, Picture] = {}
    for name in sorted(names):
        data = input_bytes(name)
        if data is None:
            continue
        (folder / name).write_bytes(data)
        if name == TRUNCATED:  # its header is whole; the label says why it is not drawn
            written[name] = Picture(f"inputs/{name}", "jpg, cut short", 0, 0, len(data))
        else:
            written[name] = describe(f"inputs/{name}", data)
    return written


def input_bytes(name: str) -> bytes | None:
    if name in PHOTOS:
        return photograph(PHOTOS[name])
    if name == TRUNCATED:
        whole = photograph(PHOTOS["coffee.jpg"])
        return whole[: len(whole) // 2]
    if name == ZOOM_GIF:
        return zooming_gif(photograph(PHOTOS["chelsea.jpg"]))
    path = samples_dir() / name
    return path.read_bytes() if path.is_file() else None


def photograph(name: str, quality: int = 90) -> bytes:
    """One of scikit-image's bundled photographs, as a JPEG of the given quality."""
    import skimage
    from PIL import Image

    path = Path(skimage.__file__).parent / "data" / name
    with Image.open(path) as image:
        buffer = io.BytesIO()
        image.convert("RGB").save(buffer, "JPEG", quality=quality)
    return buffer.getvalue()


def zooming_gif(jpeg: bytes, frames: int = 12, size: tuple[int, int] = (300, 200)) -> bytes:
    """An animated GIF slowly zooming into the photograph's centre (to 60%), 100 ms a frame."""
    from PIL import Image

    with Image.open(io.BytesIO(jpeg)) as photo:
        photo = photo.convert("RGB")
    width, height = photo.size
    pictures = []
    for index in range(frames):
        keep = 1 - 0.4 * index / (frames - 1)
        box_w, box_h = width * keep, height * keep
        box = ((width - box_w) / 2, (height - box_h) / 2, (width + box_w) / 2, (height + box_h) / 2)
        frame = photo.resize(size, Image.Resampling.BILINEAR, box=box)
        pictures.append(frame.quantize(colors=64, method=Image.Quantize.FASTOCTREE))
    buffer = io.BytesIO()
    pictures[0].save(buffer, "GIF", save_all=True, append_images=pictures[1:], duration=100, loop=0)
    return buffer.getvalue()


def describe(path: str, data: bytes) -> Picture:
    from ciimage.header import read_checked_header
    from ciimage.imaging.jpeg_quality import estimate_jpeg_quality

    header = read_checked_header(data)
    quality = estimate_jpeg_quality(data) if header.format == "jpg" else None
    return Picture(path, header.format, header.width, header.height, len(data), quality,
                   frames=header.frames)  # fmt: skip


def show(
    example: Example, index: int, inputs: dict[str, Picture], out: Path, backend: str
) -> Shown:
    from ciimage.imaging.process import process

    source = inputs[example.sample]
    data = (out / source.path).read_bytes()
    try:
        process(data, example.rule, backend=backend)  # warm-up: fonts, codecs, caches
        started = time.perf_counter()
        result = process(data, example.rule, backend=backend)
        elapsed = (time.perf_counter() - started) * 1000
    except CIError as error:
        return Shown(example, source, None, f"error {error.code}: {error.message}")
    name = f"outputs/{index:02d}.{result.format}"
    (out / name).write_bytes(result.data)
    output = Picture(name, result.format, result.width, result.height, len(result.data),
                     result.quality, elapsed, result.frames)  # fmt: skip
    return Shown(example, source, output, None)


def copy_docs(out: Path) -> str | None:
    """docs/semantics.md beside the page (the family links point into it), when installed."""
    from ciimage.resources import resource_dir

    try:
        source = resource_dir("docs") / "semantics.md"
    except FileNotFoundError:
        return None
    if not source.is_file():
        return None
    (out / "docs").mkdir(exist_ok=True)
    shutil.copyfile(source, out / "docs" / "semantics.md")
    return "docs/semantics.md"
