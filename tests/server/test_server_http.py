"""The server over plain HTTP: routing, ruling 1's query forms, errors, limits and the queue."""

from __future__ import annotations

import json
import socket
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any
from xml.etree import ElementTree

import httpx
import pytest

from ciimage.server.engine import CIImageEngine, ProcessedImage

BUCKET = "examplebucket-1250000000"
COS_HOST = f"{BUCKET}.cos.ap-guangzhou.myqcloud.com"
PIC_HOST = f"{BUCKET}.pic.ap-guangzhou.myqcloud.com"


@pytest.fixture
def server(server_factory: Any, images: Any) -> Any:
    running = server_factory(style_separators="-_/!")
    (running.root / BUCKET / "photo.jpg").write_bytes(images.jpeg(320, 240))
    return running


def error_of(response: httpx.Response) -> tuple[str, str]:
    root = ElementTree.fromstring(response.content)
    assert [child.tag for child in root] == ["Code", "Message", "Resource", "RequestId", "TraceId"]
    return root.findtext("Code") or "", response.headers["X-ErrNo"]


@pytest.mark.parametrize(
    "query",
    [
        "imageMogr2/thumbnail/100x",
        "imageMogr2/thumbnail/100x/",
        "imageMogr2%2Fthumbnail%2F100x=",
        "q-sign-algorithm=sha1&q-ak=x&imageMogr2/thumbnail/100x",
        "imageMogr2%2Fthumbnail%2F100x%2F=&response-cache-control=no-cache",
    ],
)
def test_every_query_form_of_ruling_1(server: Any, images: Any, query: str) -> None:
    response = httpx.get(f"{server.url}/photo.jpg?{query}")
    assert response.status_code == 200, response.text
    assert images.decode(response.content).size == (100, 75)
    assert response.headers["Content-Type"] == "image/jpeg"


@pytest.mark.parametrize(
    ("query", "key"),
    [
        ("imageInfo", "width"),
        ("exif", "error"),
        ("imageAve", "RGB"),
        ("ci-process=ImageInspect", "picType"),
        ("imageInspect", "suspicious"),
    ],
)
def test_query_rules_answer_json(server: Any, query: str, key: str) -> None:
    response = httpx.get(f"{server.url}/photo.jpg?{query}", headers={"Host": COS_HOST})
    assert response.status_code == 200, response.text
    assert response.headers["Content-Type"].startswith("application/json")
    assert key in json.loads(response.content)


def test_plain_get_is_the_stored_bytes_with_range(server: Any) -> None:
    stored = (server.root / BUCKET / "photo.jpg").read_bytes()
    assert httpx.get(f"{server.url}/photo.jpg").content == stored
    partial = httpx.get(f"{server.url}/photo.jpg", headers={"Range": "bytes=0-9"})
    assert partial.status_code == 206 and partial.content == stored[:10]


def test_response_header_overrides(server: Any) -> None:
    query = (
        "response-content-disposition=attachment%3B%20filename%3Dx.jpg"
        "&response-cache-control=no-cache"
    )
    plain = httpx.get(f"{server.url}/photo.jpg?{query}&response-content-type=application/x-test")
    assert plain.headers["Content-Type"] == "application/x-test"
    assert plain.headers["Content-Disposition"] == "attachment; filename=x.jpg"
    processed = httpx.get(f"{server.url}/photo.jpg?imageMogr2/thumbnail/10x&{query}")
    assert processed.headers["Cache-Control"] == "no-cache"
    assert processed.headers["Content-Type"] == "image/jpeg"


def test_invalid_rule_is_400_with_cos_error_body(server: Any) -> None:
    response = httpx.get(f"{server.url}/photo.jpg?imageMogr2/thumbnail/abc")
    assert response.status_code == 400
    assert error_of(response) == ("InvalidArgument", "-60998")


def test_object_that_is_not_an_image(server: Any) -> None:
    (server.root / BUCKET / "notes.txt").write_bytes(b"just text")
    response = httpx.get(f"{server.url}/notes.txt?imageMogr2/thumbnail/10x")
    assert response.status_code == 400
    assert error_of(response) == ("InvalidImageFormat", "-443")


def test_missing_object_and_bucket(server: Any) -> None:
    response = httpx.get(f"{server.url}/absent.jpg?imageInfo")
    assert response.status_code == 404
    assert error_of(response) == ("NoSuchKey", "-46628")
    other = httpx.get(
        f"{server.url}/photo.jpg", headers={"Host": "nobucket-1.cos.ap-guangzhou.myqcloud.com"}
    )
    assert other.status_code == 404 and error_of(other)[0] == "NoSuchBucket"
    head = httpx.head(f"{server.url}/absent.jpg")
    assert head.status_code == 404 and head.content == b"" and head.headers["X-ErrNo"] == "-46628"


def test_unknown_host_and_ambiguous_default_bucket(server: Any) -> None:
    response = httpx.get(f"{server.url}/photo.jpg", headers={"Host": "example.com"})
    assert response.status_code == 400 and error_of(response)[1] == "-107"
    (server.root / "second-1250000000").mkdir()
    response = httpx.get(f"{server.url}/photo.jpg")  # an IP host, now two buckets
    assert response.status_code == 400 and "--default-bucket" in response.text
    assert httpx.get(f"{server.url}/photo.jpg", headers={"Host": COS_HOST}).status_code == 200


def test_default_bucket_flag(server_factory: Any, images: Any) -> None:
    running = server_factory(default_bucket=BUCKET)
    (running.root / "other-1").mkdir()
    (running.root / BUCKET / "x.jpg").write_bytes(images.jpeg(10, 10))
    assert httpx.get(f"http://localhost:{running.port}/x.jpg").status_code == 200


@pytest.mark.parametrize("path", ["/a/%2e%2e/%2e%2e/escape.txt", "/..%2Fescape.txt", "/a//b.txt"])
def test_traversal_in_keys_is_refused(server: Any, path: str) -> None:
    response = httpx.put(f"{server.url}{path}", content=b"x")
    assert response.status_code == 400 and error_of(response)[0] == "InvalidURI"
    assert not (server.root / "escape.txt").exists()
    assert not (server.root / BUCKET / "escape.txt").exists()


def test_style_by_every_separator_and_unknown_style(server: Any, images: Any) -> None:
    body = (
        "<AddStyle><StyleName>s1</StyleName>"
        "<StyleBody>imageMogr2/thumbnail/40x</StyleBody></AddStyle>"
    )
    assert (
        httpx.put(f"{server.url}/?style", content=body, headers={"Host": PIC_HOST}).status_code
        == 200
    )
    for separator in "-_/!":
        response = httpx.get(f"{server.url}/photo.jpg{separator}s1")
        assert response.status_code == 200, (separator, response.text)
        assert images.decode(response.content).size == (40, 30)
    unknown = httpx.get(f"{server.url}/photo.jpg!nostyle")
    assert unknown.status_code == 404 and error_of(unknown)[1] == "-105"
    by_rule = httpx.get(f"{server.url}/photo.jpg?style/nostyle")
    assert error_of(by_rule)[1] == "-105"


def test_style_requests_that_are_refused(server: Any) -> None:
    def put(body: str) -> httpx.Response:
        return httpx.put(f"{server.url}/?style", content=body, headers={"Host": PIC_HOST})

    assert (
        error_of(
            put("<AddStyle><StyleName>a_b</StyleName><StyleBody>imageInfo</StyleBody></AddStyle>")
        )[0]
        == "InvalidArgument"
    )
    assert (
        error_of(
            put(
                "<AddStyle><StyleName>ok</StyleName><StyleBody>imageMogr2/nope</StyleBody></AddStyle>"
            )
        )[1]
        == "-60998"
    )
    assert error_of(put("<AddStyle><StyleName>ok</StyleName>"))[0] == "MalformedXML"
    assert error_of(put("<Other/>"))[0] == "MalformedXML"
    assert (
        put(
            "<AddStyle><StyleName>base</StyleName><StyleBody>imageAve</StyleBody></AddStyle>"
        ).status_code
        == 200
    )
    nested = put(
        "<AddStyle><StyleName>outer</StyleName><StyleBody>style/base</StyleBody></AddStyle>"
    )
    assert nested.status_code == 400 and "nest" in nested.text
    missing = httpx.request(
        "GET", f"{server.url}/?style", content="<GetStyle><StyleName>outer</StyleName></GetStyle>"
    )
    assert (
        missing.status_code == 200
        and ElementTree.fromstring(missing.content).findall("StyleRule") == []
    )
    deleted = httpx.request(
        "DELETE",
        f"{server.url}/?style",
        content="<DeleteStyle><StyleName>ok</StyleName></DeleteStyle>",
    )
    assert deleted.status_code == 404


def test_declared_body_over_the_limit_is_refused_before_it_is_sent(server_factory: Any) -> None:
    running = server_factory(max_body_bytes=1024)
    with socket.create_connection(("127.0.0.1", running.port), timeout=5) as connection:
        connection.sendall(
            b"PUT /big.bin HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 33554433\r\n\r\n"
        )
        reply = b""
        while b"</Error>" not in reply:  # answered without a single body byte sent
            chunk = connection.recv(65536)
            if not chunk:
                break
            reply += chunk
    assert reply.startswith(b"HTTP/1.1 400")
    assert b"EntityTooLarge" in reply
    assert not (running.root / BUCKET / "big.bin").exists()


def test_streamed_body_over_the_limit_is_refused_and_leaves_nothing(server_factory: Any) -> None:
    running = server_factory(max_body_bytes=64 * 1024)

    def chunks():
        for _ in range(64):
            yield b"x" * 4096

    response = httpx.put(f"{running.url}/big.bin", content=chunks())  # chunked, no length
    assert response.status_code == 400 and error_of(response)[0] == "EntityTooLarge"
    assert list((running.root / BUCKET).iterdir()) == []


def test_content_md5_mismatch_stores_nothing(server: Any) -> None:
    response = httpx.put(
        f"{server.url}/x.txt", content=b"hello", headers={"Content-MD5": "AAAAAAAAAAAAAAAAAAAAAA=="}
    )
    assert response.status_code == 400 and error_of(response)[0] == "BadDigest"
    assert not (server.root / BUCKET / "x.txt").exists()


def test_pic_operations_refusals(server: Any, images: Any) -> None:
    def upload(operations: str) -> httpx.Response:
        return httpx.put(
            f"{server.url}/up/in.jpg",
            content=images.jpeg(50, 50),
            headers={"Pic-Operations": operations},
        )

    six = json.dumps(
        {"rules": [{"fileid": f"{i}.jpg", "rule": "imageMogr2/thumbnail/9x"} for i in range(6)]}
    )
    assert error_of(upload(six))[1] == "-60997"
    assert error_of(upload("{not json"))[1] == "-60998"
    query = json.dumps({"rules": [{"fileid": "i.json", "rule": "imageInfo"}]})
    assert error_of(upload(query))[1] == "-60998"
    escape = json.dumps({"rules": [{"fileid": "/../../x.jpg", "rule": "imageMogr2/thumbnail/9x"}]})
    assert error_of(upload(escape))[1] == "-60998"
    assert not (server.root / BUCKET / "up").exists()


def test_fileid_overwriting_the_input_reports_the_output_etag(server: Any, images: Any) -> None:
    operations = json.dumps(
        {"is_pic_info": 1, "rules": [{"fileid": "in.jpg", "rule": "imageMogr2/thumbnail/20x"}]}
    )
    response = httpx.put(
        f"{server.url}/dir/in.jpg",
        content=images.jpeg(80, 80),
        headers={"Pic-Operations": operations, "Host": COS_HOST},
    )
    assert response.status_code == 200, response.text
    root = ElementTree.fromstring(response.content)
    assert root.findtext("OriginalInfo/ETag") == root.findtext("ProcessResults/Object/ETag")
    assert root.findtext("OriginalInfo/Location") == f"{COS_HOST}/dir/in.jpg"
    assert root.findtext("ProcessResults/Object/FrameCount") == "1"
    assert images.decode((server.root / BUCKET / "dir" / "in.jpg").read_bytes()).size == (20, 20)


def test_image_process_without_pic_operations_or_object(server: Any) -> None:
    assert httpx.post(f"{server.url}/photo.jpg?image_process").status_code == 400
    missing = httpx.post(
        f"{server.url}/absent.jpg?image_process",
        headers={
            "Pic-Operations": '{"rules":[{"fileid":"a.jpg","rule":"imageMogr2/thumbnail/9x"}]}'
        },
    )
    assert missing.status_code == 404


def test_bucket_level_and_unserved_routes(server: Any) -> None:
    assert httpx.head(f"{server.url}/").status_code == 200
    listing = httpx.get(f"{server.url}/")
    assert listing.status_code == 200 and "<Key>photo.jpg</Key>" in listing.text
    jobs = httpx.get(
        f"{server.url}/jobs", headers={"Host": f"{BUCKET}.ci.ap-guangzhou.myqcloud.com"}
    )
    assert jobs.status_code == 501
    assert httpx.post(f"{server.url}/photo.jpg").status_code == 405
    part = httpx.put(f"{server.url}/photo.jpg?partNumber=1&uploadId=abc", content=b"part")
    assert part.status_code == 404 and error_of(part)[0] == "NoSuchUpload"
    copy = httpx.put(f"{server.url}/copy.jpg", headers={"x-cos-copy-source": "b.cos/x.jpg"})
    assert copy.status_code == 400 and error_of(copy)[0] == "InvalidArgument"  # not a COS host
    acl = httpx.put(f"{server.url}/photo.jpg?acl", content=b"<x/>")
    assert acl.status_code == 501 and error_of(acl)[0] == "NotImplemented"
    assert not (server.root / BUCKET / "copy.jpg").exists()
    assert (server.root / BUCKET / "photo.jpg").stat().st_size > 4  # the part did not replace it
    patched = httpx.request("PATCH", f"{server.url}/photo.jpg")
    assert patched.status_code == 405 and error_of(patched)[0] == "MethodNotAllowed"


def test_cos_header_spelling(server: Any) -> None:
    response = httpx.get(f"{server.url}/photo.jpg")
    raw_names = {name for name, _ in response.headers.raw}
    assert {b"ETag", b"Content-Type", b"Content-Length", b"x-cos-request-id"} <= raw_names


class BlockingEngine(CIImageEngine):
    """The real engine, except that processing waits until the test releases it."""

    def __init__(self) -> None:
        self.release = threading.Event()

    def process(self, data: bytes, pipeline: Any, **kwargs: Any) -> ProcessedImage:
        self.release.wait(timeout=30)
        return super().process(data, pipeline, **kwargs)


def test_queue_overflow_answers_503_slowdown(server_factory: Any, images: Any) -> None:
    engine = BlockingEngine()
    running = server_factory(engine=engine, max_concurrency=1, max_queue=1)
    (running.root / BUCKET / "p.jpg").write_bytes(images.jpeg(64, 64))
    url = f"{running.url}/p.jpg?imageMogr2/thumbnail/10x"
    with ThreadPoolExecutor(max_workers=4) as pool:
        admitted = [pool.submit(httpx.get, url, timeout=30) for _ in range(2)]
        deadline = time.monotonic() + 10
        while running.state.gate.admitted < 2 and time.monotonic() < deadline:
            time.sleep(0.01)
        overflow = [httpx.get(url, timeout=30) for _ in range(2)]
        engine.release.set()
        results = [future.result() for future in admitted]
    assert [r.status_code for r in overflow] == [503, 503]
    assert error_of(overflow[0]) == ("SlowDown", "-164")
    assert [r.status_code for r in results] == [200, 200]
    assert httpx.get(url).status_code == 200  # healthy once the queue drains


def test_client_that_disconnects_mid_upload_leaves_nothing(server: Any) -> None:
    with socket.create_connection(("127.0.0.1", server.port), timeout=5) as connection:
        connection.sendall(
            b"PUT /partial.bin HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 100000\r\n\r\n"
            + b"x" * 5000
        )
    deadline = time.monotonic() + 5
    folder = server.root / BUCKET
    while time.monotonic() < deadline:
        leftovers = [p.name for p in folder.iterdir() if p.name != "photo.jpg"]
        if not leftovers:
            break
        time.sleep(0.05)
    assert leftovers == []
    assert httpx.get(f"{server.url}/partial.bin").status_code == 404


def test_pic_operations_upload_refused_early_when_the_queue_is_full(
    server_factory: Any, images: Any
) -> None:
    engine = BlockingEngine()
    running = server_factory(engine=engine, max_concurrency=1, max_queue=0)
    (running.root / BUCKET / "p.jpg").write_bytes(images.jpeg(32, 32))
    operations = {
        "Pic-Operations": '{"rules":[{"fileid":"o.jpg","rule":"imageMogr2/thumbnail/8x"}]}'
    }
    with ThreadPoolExecutor(max_workers=1) as pool:
        busy = pool.submit(httpx.get, f"{running.url}/p.jpg?imageMogr2/thumbnail/9x", timeout=30)
        deadline = time.monotonic() + 10
        while running.state.gate.admitted < 1 and time.monotonic() < deadline:
            time.sleep(0.01)
        refused = httpx.put(
            f"{running.url}/up.jpg", content=images.jpeg(32, 32), headers=operations
        )
        engine.release.set()
        assert busy.result().status_code == 200
    assert refused.status_code == 503 and error_of(refused)[0] == "SlowDown"
    assert not (running.root / BUCKET / "up.jpg").exists()
    accepted = httpx.put(f"{running.url}/up.jpg", content=images.jpeg(32, 32), headers=operations)
    assert accepted.status_code == 200  # the queue drained
    assert accepted.headers["ETag"] == httpx.head(f"{running.url}/up.jpg").headers["ETag"]
    assert images.decode((running.root / BUCKET / "o.jpg").read_bytes()).size == (8, 8)


def test_listener_enables_tcp_nodelay() -> None:
    from ciimage.server.listen import bind_listener

    listener = bind_listener("127.0.0.1", 0)
    try:
        assert listener.proto == socket.IPPROTO_TCP  # what asyncio checks before TCP_NODELAY
    finally:
        listener.close()


class BrokenEngine(CIImageEngine):
    """An executor bug: an exception that is not a CIError."""

    def process(self, data: bytes, pipeline: Any, **kwargs: Any) -> ProcessedImage:
        raise RuntimeError("executor bug")


def test_unexpected_exception_is_a_cos_500_not_a_traceback(
    server_factory: Any, images: Any
) -> None:
    running = server_factory(engine=BrokenEngine())
    (running.root / BUCKET / "p.jpg").write_bytes(images.jpeg(16, 16))
    response = httpx.get(f"{running.url}/p.jpg?imageMogr2/thumbnail/8x")
    assert response.status_code == 500
    assert error_of(response)[0] == "InternalError"
    assert "Traceback" not in response.text and "executor bug" not in response.text
    assert httpx.get(f"{running.url}/p.jpg").status_code == 200


def test_pic_operations_report_the_output_frame_count(server: Any) -> None:
    import io

    from PIL import Image

    frames = [Image.new("RGB", (40, 30), (40 * i, 120, 200)) for i in range(5)]
    buffer = io.BytesIO()
    frames[0].save(buffer, "GIF", save_all=True, append_images=frames[1:], duration=50, loop=0)
    rules = [
        {"fileid": "half.gif", "rule": "imageMogr2/thumbnail/20x"},
        {"fileid": "two.gif", "rule": "imageMogr2/cgif/2"},
        {"fileid": "still.png", "rule": "imageMogr2/format/png"},
    ]
    response = httpx.put(
        f"{server.url}/anim.gif",
        content=buffer.getvalue(),
        headers={"Pic-Operations": json.dumps({"rules": rules}), "Host": COS_HOST},
    )
    assert response.status_code == 200, response.text
    found = ElementTree.fromstring(response.content).findall("ProcessResults/Object")
    assert [obj.findtext("FrameCount") for obj in found] == ["5", "2", "1"]
