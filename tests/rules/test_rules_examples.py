"""Every rule of the spec's examples (image-processing.txt) and every form the addendum names.

The spec's example URLs are cut off in the text we have; each rule below is rebuilt from the
example's own description, with the spec line it comes from.
"""

from __future__ import annotations

import base64

import pytest

import ciimage
from ciimage.rules import ast

GK = ast.GeometryKind


def b64(text: str) -> str:
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


WM_URL = "http://examples-1251000004.cos.ap-shanghai.myqcloud.com/shuiyin_2.png"


def mogr(*ops: object, ignore_error: bool = False) -> ast.Pipeline:
    return ast.Pipeline((ast.MogrStage(tuple(ops), ignore_error=ignore_error),))


def thumb(kind: GK, **kw: int) -> ast.Thumbnail:
    return ast.Thumbnail(ast.ThumbnailGeometry(kind, **kw))


SPEC_EXAMPLES = [
    # Scaling (lines 1-177): the 11 forms, pad and colour, ignore-error.
    ("imageMogr2/thumbnail/!50p", mogr(thumb(GK.SCALE, percent=50))),
    ("imageMogr2/thumbnail/!50px", mogr(thumb(GK.SCALE_WIDTH, percent=50))),
    ("imageMogr2/thumbnail/!x50p", mogr(thumb(GK.SCALE_HEIGHT, percent=50))),
    ("imageMogr2/thumbnail/640x", mogr(thumb(GK.WIDTH, width=640))),
    ("imageMogr2/thumbnail/x355", mogr(thumb(GK.HEIGHT, height=355))),
    ("imageMogr2/thumbnail/640x355", mogr(thumb(GK.FIT, width=640, height=355))),
    ("imageMogr2/thumbnail/640x355>", mogr(thumb(GK.SHRINK, width=640, height=355))),
    ("imageMogr2/thumbnail/640x355<", mogr(thumb(GK.ENLARGE, width=640, height=355))),
    ("imageMogr2/thumbnail/!640x355r", mogr(thumb(GK.COVER, width=640, height=355))),
    ("imageMogr2/thumbnail/640x355!", mogr(thumb(GK.EXACT, width=640, height=355))),
    ("imageMogr2/thumbnail/40000@", mogr(thumb(GK.AREA, area=40000))),
    (
        f"imageMogr2/thumbnail/600x600/pad/1/color/{b64('#3D3D3D')}",
        mogr(ast.Thumbnail(ast.ThumbnailGeometry(GK.FIT, width=600, height=600), True, "#3D3D3D")),
    ),
    (
        "imageMogr2/thumbnail/!50p/ignore-error/1",
        mogr(thumb(GK.SCALE, percent=50), ignore_error=True),
    ),
    # Cropping (178-464): samples 1-5.
    ("imageMogr2/cut/600x600x100x10", mogr(ast.Cut(600, 600, 100, 10))),
    ("imageMogr2/crop/300x400/gravity/center", mogr(ast.Crop(300, 400, ast.Gravity.CENTER))),
    ("imageMogr2/crop/300x", mogr(ast.Crop(300, None))),
    ("imageMogr2/crop/x400", mogr(ast.Crop(None, 400))),
    ("imageMogr2/iradius/200", mogr(ast.IRadius(200))),
    ("imageMogr2/rradius/100", mogr(ast.RRadius(100))),
    ("imageMogr2/scrop/100x600", mogr(ast.SCrop(100, 600))),
    # Rotation (465-621).
    ("imageMogr2/rotate/90", mogr(ast.Rotate(90))),
    ("imageMogr2/auto-orient", mogr(ast.AutoOrient())),
    ("imageMogr2/flip/vertical", mogr(ast.Flip(ast.FlipDirection.VERTICAL))),
    ("imageMogr2/flip/horizontal", mogr(ast.Flip(ast.FlipDirection.HORIZONTAL))),
    # Format (622-766) and the compression chapters (3278-4070).
    ("imageMogr2/format/png", mogr(ast.Format("png"))),
    ("imageMogr2/format/yjpeg", mogr(ast.Format("yjpeg"))),
    ("imageMogr2/format/webp", mogr(ast.Format("webp"))),
    ("imageMogr2/format/heif", mogr(ast.Format("heif"))),
    ("imageMogr2/format/avif", mogr(ast.Format("avif"))),
    ("imageMogr2/format/tpg", mogr(ast.Format("tpg"))),
    ("imageMogr2/format/svgc", mogr(ast.Format("svgc"))),
    ("imageMogr2/format/gif/cgif/20", mogr(ast.Format("gif"), ast.CGif(20))),
    ("imageMogr2/format/jpg/interlace/1", mogr(ast.Format("jpg"), ast.Interlace(True))),
    # Quality (767-936).
    ("imageMogr2/quality/60", mogr(ast.Quality(60))),
    ("imageMogr2/quality/90!", mogr(ast.Quality(90, force=True))),
    ("imageMogr2/rquality/60", mogr(ast.RQuality(60))),
    ("imageMogr2/lquality/80", mogr(ast.LQuality(80))),
    # Blur, bright, contrast, sharpen, grayscale (937-1669).
    ("imageMogr2/blur/8x5", mogr(ast.Blur(8, 5.0))),
    ("imageMogr2/bright/70", mogr(ast.Bright(70))),
    ("imageMogr2/contrast/-50", mogr(ast.Contrast(-50))),
    ("imageMogr2/sharpen/70", mogr(ast.Sharpen(70))),
    ("imageMogr2/grayscale/1", mogr(ast.Grayscale(True))),
    # Image watermark (1670-1879): example 1, example 2 (tiled, 45 degrees, 40 % opacity), scatype.
    (
        f"watermark/1/image/{b64(WM_URL)}/gravity/southeast",
        ast.Pipeline((ast.ImageWatermark(WM_URL),)),
    ),
    (
        f"watermark/1/image/{b64(WM_URL)}/batch/1/degree/45/dissolve/40",
        ast.Pipeline((ast.ImageWatermark(WM_URL, batch=True, degree=45, dissolve=40),)),
    ),
    (
        f"watermark/1/image/{b64(WM_URL)}/scatype/3/spcent/250",
        ast.Pipeline((ast.ImageWatermark(WM_URL, scatype=3, spcent=250),)),
    ),
    (
        f"watermark/1/image/{b64(WM_URL)}/gravity/northwest/dx/10/dy/20/blogo/1",
        ast.Pipeline((ast.ImageWatermark(WM_URL, ast.Gravity.NORTHWEST, 10, 20, blogo=1),)),
    ),
    # Text watermark (1880-2084).
    (
        "watermark/2/text/5rWL6K-V5paH5a2X5rC05Y2w/fill/IzNEM0QzRA/fontsize/20/dissolve/50"
        "/gravity/northeast/dx/20/dy/20/batch/1/degree/45/shadow/50",
        ast.Pipeline(
            (
                ast.TextWatermark(
                    "测试文字水印",
                    fill="#3D3D3D",
                    fontsize=20,
                    dissolve=50,
                    gravity=ast.Gravity.NORTHEAST,
                    dx=20,
                    dy=20,
                    batch=True,
                    degree=45,
                    shadow=50,
                ),
            )
        ),
    ),
    (
        f"watermark/2/text/{b64('CI')}/font/{b64('SimHei.ttf')}/spacing/20",
        ast.Pipeline((ast.TextWatermark("CI", font="SimHei.ttf", spacing=20),)),
    ),
    # imageInfo, exif, imageAve, strip (2085-2452).
    ("imageInfo", ast.Pipeline((ast.ImageInfo(),))),
    ("exif", ast.Pipeline((ast.Exif(),))),
    ("imageAve", ast.Pipeline((ast.ImageAve(),))),
    ("imageMogr2/strip", mogr(ast.Strip())),
    # imageView2 (2453-2616): example 1 and the three 1000x500 worked examples.
    ("imageView2/1/w/400/h/600/q/85", ast.Pipeline((ast.ViewStage(1, 400, 600, quality=85),))),
    ("imageView2/1/w/500/h/400", ast.Pipeline((ast.ViewStage(1, 500, 400),))),
    ("imageView2/2/w/500/h/400", ast.Pipeline((ast.ViewStage(2, 500, 400),))),
    ("imageView2/3/w/500/h/400", ast.Pipeline((ast.ViewStage(3, 500, 400),))),
    ("imageView2/4/w/500", ast.Pipeline((ast.ViewStage(4, 500),))),
    (
        "imageView2/5/h/400/format/webp/rq/80/lq/60",
        ast.Pipeline((ast.ViewStage(5, None, 400, "webp", rquality=80, lquality=60),)),
    ),
    # Pipeline (2617-2688): scale to 50 %, then a text watermark at the bottom right.
    (
        "imageMogr2/thumbnail/!50p|watermark/2/text/5rWL6K-V/gravity/southeast",
        ast.Pipeline((ast.MogrStage((thumb(GK.SCALE, percent=50),)), ast.TextWatermark("测试"))),
    ),
    # size-limit (2689-2765).
    ("imageMogr2/size-limit/15k!", mogr(ast.SizeLimit(15 * 1024, True))),
    (
        "imageMogr2/strip/format/jpg/size-limit/15k!",
        mogr(ast.Strip(), ast.Format("jpg"), ast.SizeLimit(15 * 1024, True)),
    ),
    ("imageMogr2/size-limit/1m", mogr(ast.SizeLimit(1024 * 1024))),
    # Blind watermarks (4391-5038).
    (
        f"watermark/3/type/1/image/{b64(WM_URL)}",
        ast.Pipeline((ast.BlindWatermark(1, image=WM_URL),)),
    ),
    (
        f"watermark/3/type/3/text/{b64('blind')}",
        ast.Pipeline((ast.BlindWatermark(3, text="blind"),)),
    ),
    (
        f"watermark/3/type/2/image/{b64(WM_URL)}/level/3",
        ast.Pipeline((ast.BlindWatermark(2, image=WM_URL, level=3),)),
    ),
    (
        f"watermark/4/type/2/image/{b64(WM_URL)}",
        ast.Pipeline((ast.BlindWatermarkExtract(2, WM_URL),)),
    ),
    ("watermark/4/type/3", ast.Pipeline((ast.BlindWatermarkExtract(3),))),
    # Abnormal image detection (5039-).
    ("ci-process=ImageInspect", ast.Pipeline((ast.ImageInspect(),))),
    ("imageInspect", ast.Pipeline((ast.ImageInspect(),))),
    # Styles (2788-3065).
    ("style/thumb", ast.Pipeline((ast.StyleRef("thumb"),))),
]


@pytest.mark.parametrize(("rule", "expected"), SPEC_EXAMPLES, ids=[r for r, _ in SPEC_EXAMPLES])
def test_spec_example_parses_to_intended_nodes(rule: str, expected: ast.Pipeline) -> None:
    assert ciimage.validate(rule) == expected
    assert ciimage.parse(rule) == expected
    assert ciimage.validate(expected.to_rule()) == expected


THUMB_HALF = mogr(thumb(GK.SCALE, percent=50))
ADDENDUM_FORMS = [
    # Ruling 1: bare, full URL, SDK-encoded key, joined to signature parameters with &.
    ("imageMogr2/thumbnail/!50p", THUMB_HALF),
    ("http://b-1250000000.cos.ap-x.myqcloud.com/a.jpg?imageMogr2/thumbnail/!50p", THUMB_HALF),
    ("imageMogr2%2Fthumbnail%2F%2150p=", THUMB_HALF),
    ("?imageMogr2%2Fthumbnail%2F%2150p%2F=", THUMB_HALF),
    (
        "http://b-1250000000.cos.ap-x.myqcloud.com/a.jpg?q-sign-algorithm=sha1&q-ak=AKID"
        "&q-sign-time=1;2&q-key-time=1;2&q-header-list=host&q-url-param-list=&q-signature=ab"
        "&imageMogr2/thumbnail/!50p",
        THUMB_HALF,
    ),
    ("imageMogr2/thumbnail/!50p&q-sign-algorithm=sha1&q-signature=ab", THUMB_HALF),
    # Ruling 2: a trailing slash.
    ("imageMogr2/thumbnail/!50p/", THUMB_HALF),
    # Ruling 3: gravity before or after crop.
    ("imageMogr2/gravity/center/crop/300x400", mogr(ast.Crop(300, 400, ast.Gravity.CENTER))),
    # Ruling 4: gravity is case-insensitive.
    ("imageMogr2/crop/300x400/gravity/SouthEast", mogr(ast.Crop(300, 400, ast.Gravity.SOUTHEAST))),
    (
        f"watermark/2/text/{b64('a')}/gravity/NorthWest",
        ast.Pipeline((ast.TextWatermark("a", gravity=ast.Gravity.NORTHWEST),)),
    ),
    # Ruling 5: base64 with or without padding.
    ("watermark/2/text/YWI=", ast.Pipeline((ast.TextWatermark("ab"),))),
    ("watermark/2/text/YWI", ast.Pipeline((ast.TextWatermark("ab"),))),
    (
        f"watermark/2/text/YQ/font/{b64('simhei.TTF')}",
        ast.Pipeline((ast.TextWatermark("a", font="SimHei.ttf"),)),
    ),
    # Ruling 8: advanced crop with and without offsets, and WxHr.
    ("imageMogr2/crop/!300x400a10a10", mogr(ast.Crop(300, 400, dx=10, dy=10, advanced=True))),
    ("imageMogr2/crop/!300x400-10a20", mogr(ast.Crop(300, 400, dx=-10, dy=20, advanced=True))),
    ("imageMogr2/crop/!300x400", mogr(ast.Crop(300, 400, advanced=True))),
    ("imageMogr2/thumbnail/300x400r", mogr(thumb(GK.COVER, width=300, height=400))),
    # Ruling 8b: keys in any order inside imageView2 and watermark stages.
    (
        f"watermark/2/gravity/north/text/{b64('a')}",
        ast.Pipeline((ast.TextWatermark("a", gravity=ast.Gravity.NORTH),)),
    ),
    ("imageView2/2/h/400/w/500", ast.Pipeline((ast.ViewStage(2, 500, 400),))),
    # Ruling 8c: ignore-error/0.
    ("imageMogr2/rotate/90/ignore-error/0", mogr(ast.Rotate(90))),
    # Ruling 11b: imageView2 without a mode.
    ("imageView2/format/png", ast.Pipeline((ast.ViewStage(format="png"),))),
    ("imageView2/q/90!", ast.Pipeline((ast.ViewStage(quality=90, quality_force=True),))),
    # Ruling 20: tencentcos.cn and pic hosts.
    (
        f"watermark/1/image/{b64('http://b-1250000000.pic.ap-x.tencentcos.cn/w.png')}",
        ast.Pipeline((ast.ImageWatermark("http://b-1250000000.pic.ap-x.tencentcos.cn/w.png"),)),
    ),
]


@pytest.mark.parametrize(
    ("rule", "expected"), ADDENDUM_FORMS, ids=[r[:60] for r, _ in ADDENDUM_FORMS]
)
def test_addendum_form_parses_to_intended_nodes(rule: str, expected: ast.Pipeline) -> None:
    assert ciimage.validate(rule) == expected


def test_text_watermark_node_carries_every_default() -> None:
    node = ciimage.validate(f"watermark/2/text/{b64('hi')}").stages[0]
    assert (node.font, node.fontsize, node.fill, node.dissolve) == ("tahoma.ttf", 13, "#3D3D3D", 90)
    assert (node.gravity, node.dx, node.dy, node.spacing) == (ast.Gravity.SOUTHEAST, 0, 0, 10)


def test_ten_stages_pass_and_eleven_fail() -> None:
    assert len(ciimage.validate("|".join(["imageMogr2/rotate/90"] * 10)).stages) == 10
    with pytest.raises(ciimage.RuleError, match="at most 10 stages"):
        ciimage.validate("|".join(["imageMogr2/rotate/90"] * 11))
