"""`ciimage demo --out DIR`: the spec's example rules on the bundled samples, as an HTML page.

Each card shows the input, the output and the rule under them. A rule that fails shows CI's
error code and message instead of an image, so one missing feature never hides the rest.
"""

from __future__ import annotations

import argparse
import base64
import html
import shutil
import sys
import time
from pathlib import Path

from ciimage.errors import CIError


def _b64(text: str) -> str:
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


# (sample, rule, what the spec says it shows)
EXAMPLES: tuple[tuple[str, str, str], ...] = (
    ("photo.jpg", "imageMogr2/thumbnail/!50p", "Scaling, example 1: both sides to 50%"),
    ("photo.jpg", "imageMogr2/thumbnail/!50px", "Scaling, example 2: width to 50%"),
    (
        "photo.jpg",
        f"imageMogr2/thumbnail/600x600/pad/1/color/{_b64('#FF0000')}",
        "Scaling, example 3: fit 600x600, padded",
    ),
    ("photo.jpg", "imageMogr2/thumbnail/x467", "Ruling 9: x467 keeps the aspect"),
    ("photo.jpg", "imageMogr2/cut/600x600x100x10", "Cropping, sample 1: cut 600x600 at (100, 10)"),
    ("photo.jpg", "imageMogr2/crop/300x400/gravity/center", "Cropping, sample 2: centre crop"),
    ("photo.jpg", "imageMogr2/iradius/200", "Cropping, sample 3: circle of radius 200"),
    ("photo.jpg", "imageMogr2/rradius/100", "Cropping, sample 4: rounded corners of radius 100"),
    ("portrait.jpg", "imageMogr2/scrop/100x600", "Cropping, sample 5: smart face crop 100x600"),
    ("photo.jpg", "imageMogr2/rotate/90", "Rotation: 90 degrees clockwise"),
    ("photo.jpg", "imageMogr2/rotate/30/format/png", "Rotation: 30 degrees, transparent corners"),
    ("sideways.jpg", "imageMogr2/auto-orient", "Rotation: auto-orient by EXIF (orientation 6)"),
    ("photo.jpg", "imageMogr2/flip/vertical", "Rotation: vertical flip"),
    ("logo.png", "imageMogr2/format/jpg", "Format: PNG with alpha to JPG (white fill)"),
    ("animated.gif", "imageMogr2/format/png", "Format: animated GIF to PNG (first frame)"),
    ("photo.jpg", "imageMogr2/format/webp/quality/60", "Format: WebP at quality 60"),
    ("photo.jpg", "imageMogr2/quality/30", "Quality: min(input quality, 30)"),
    ("photo.jpg", "imageMogr2/blur/8x5", "Blur: radius 8, sigma 5"),
    ("photo.jpg", "imageMogr2/bright/70", "Bright: 70"),
    ("photo.jpg", "imageMogr2/contrast/-50", "Contrast: -50"),
    ("photo.jpg", "imageMogr2/sharpen/70", "Sharpen: 70"),
    ("photo.jpg", "imageMogr2/grayscale/1", "Grayscale"),
    ("photo.jpg", "imageView2/1/w/400/h/600/q/85", "imageView2 example 1: mode 1, 400x600, q 85"),
    ("photo.jpg", "imageView2/2/w/500/h/400", "imageView2 mode 2: fit 500x400"),
    (
        "photo.jpg",
        "imageMogr2/thumbnail/!50p|imageMogr2/rotate/90|imageMogr2/grayscale/1",
        "Pipeline: three stages joined by |",
    ),
    (
        "photo.jpg",
        f"watermark/2/text/{_b64('ciimage demo')}/fill/{_b64('#FFFFFF')}"
        "/fontsize/36/dissolve/80/gravity/southeast/dx/20/dy/20",
        "Text watermark",
    ),
    ("photo.jpg", "imageMogr2/size-limit/30k", "size-limit: JPEG of at most 30 KB"),
)

_BROWSER_FORMATS = {
    "jpg": "jpg",
    "png": "png",
    "gif": "gif",
    "webp": "webp",
    "bmp": "bmp",
    "avif": "avif",
}


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "demo",
        help="process the bundled samples with the spec's example rules into an HTML page",
        description="Write DIR/index.html with each sample, each rule and its output side by side.",
    )
    parser.add_argument("--out", required=True, metavar="DIR", help="folder to write into")
    parser.add_argument("--backend", choices=("auto", "vips", "pillow"), default="auto")
    parser.set_defaults(func=run)


def samples_dir() -> Path:
    from ciimage.resources import resource_dir

    return resource_dir("samples")


def run(args: argparse.Namespace) -> int:
    from ciimage.imaging.process import process

    out = Path(args.out)
    (out / "inputs").mkdir(parents=True, exist_ok=True)
    (out / "outputs").mkdir(parents=True, exist_ok=True)
    source = samples_dir()
    cards: list[str] = []
    failures = 0
    for index, (sample, rule, title) in enumerate(EXAMPLES, start=1):
        path = source / sample
        if not path.is_file():
            continue
        shutil.copyfile(path, out / "inputs" / sample)
        data = path.read_bytes()
        started = time.perf_counter()
        try:
            result = process(data, rule, backend=args.backend)
        except CIError as error:
            failures += 1
            cards.append(_card(title, rule, sample, None, f"error {error.code}: {error.message}"))
            continue
        elapsed = (time.perf_counter() - started) * 1000
        extension = _BROWSER_FORMATS.get(result.format, result.format)
        name = f"{index:02d}.{extension}"
        (out / "outputs" / name).write_bytes(result.data)
        facts = (
            f"{result.format} {result.width}x{result.height}, {len(result.data):,} bytes"
            f"{f', q{result.quality}' if result.quality else ''}, {elapsed:.0f} ms"
        )
        cards.append(_card(title, rule, sample, name, facts))
    (out / "index.html").write_text(_page(cards), encoding="utf-8")
    print(f"{out / 'index.html'}: {len(cards)} examples, {failures} refused", file=sys.stderr)
    return 0


def _card(title: str, rule: str, sample: str, output: str | None, facts: str) -> str:
    shown = (
        f'<img src="outputs/{html.escape(output)}" alt="output">'
        if output
        else '<div class="error">no output</div>'
    )
    return (
        f'<figure><figcaption>{html.escape(title)}</figcaption><div class="pair">'
        f'<img src="inputs/{html.escape(sample)}" alt="input">{shown}</div>'
        f"<code>{html.escape(rule)}</code><p>{html.escape(facts)}</p></figure>"
    )


def _page(cards: list[str]) -> str:
    return (
        "<!doctype html><html><head><meta charset='utf-8'><title>ciimage demo</title><style>"
        "body{font-family:sans-serif;margin:2em;background:#f4f4f4}"
        "figure{background:#fff;padding:1em;margin:0 0 1.5em;border-radius:6px}"
        ".pair{display:flex;gap:1em;align-items:flex-start}"
        ".pair img{max-width:48%;max-height:420px;object-fit:contain;"
        "background:repeating-conic-gradient(#ddd 0 25%,#fff 0 50%) 0 0/16px 16px}"
        "code{display:block;margin-top:.5em;word-break:break-all}"
        ".error{color:#a00}</style></head><body><h1>ciimage: CI examples on the bundled samples"
        "</h1><p>Left: input. Right: output. The rule is under each pair.</p>"
        + "".join(cards)
        + "</body></html>"
    )
