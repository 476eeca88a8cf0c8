"""`ciimage serve` writes one access-log line per request; --quiet none; --log-format json."""

from __future__ import annotations

import asyncio
import io
import json
import re
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

import httpx
import pytest

from ciimage.cli.serve import with_access_log
from ciimage.server import ServerConfig, create_app
from ciimage.server.launch import serve_in_subprocess

BUCKET = "photos-1250000000"
HOST = f"{BUCKET}.cos.ap-guangzhou.myqcloud.com"
LINE = re.compile(
    r"^(?P<time>\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z) (?P<method>[A-Z]+) (?P<bucket>\S+) "
    r"(?P<key>/\S*) (?P<rule>\"[^\"]*\"|-) (?P<status>\d{3}) (?P<errno>-?\d+|-) "
    r"(?P<bytes>\d+)B (?P<ms>\d+\.\d)ms (?P<id>[0-9a-f]{32})$"
)


Script = Callable[[httpx.AsyncClient], Awaitable[list[httpx.Response]]]


def _console(root: Path, json_lines: bool, script: Script) -> tuple[list[httpx.Response], str]:
    """Run `script` against the logged app in process; its responses and the console text."""
    (root / BUCKET).mkdir(parents=True, exist_ok=True)
    console = io.StringIO()
    logged = with_access_log(create_app(ServerConfig(root=root)), json_lines)
    logged.stream = console

    async def run() -> list[httpx.Response]:
        transport = httpx.ASGITransport(app=logged)
        async with httpx.AsyncClient(
            transport=transport, base_url=f"http://{HOST}", timeout=60
        ) as client:
            return await script(client)

    return asyncio.run(run()), console.getvalue()


def test_one_text_line_per_request_with_every_field(tmp_path, make_photo):
    async def script(client: httpx.AsyncClient) -> list[httpx.Response]:
        return [
            await client.put("/cat.jpg", content=make_photo(300, 200)),
            await client.get("/cat.jpg?imageMogr2/thumbnail/100x"),
            await client.get("/cat.jpg?imageMogr2/rotate/999"),
            await client.head("/nope.jpg"),
        ]

    (stored, ok, bad, missing), console = _console(tmp_path, False, script)
    assert stored.status_code == 200
    lines = console.splitlines()
    assert len(lines) == 4
    fields = [LINE.match(line) for line in lines]
    assert all(fields), lines
    put, get, refused, head = (match.groupdict() for match in fields if match)
    assert (put["method"], put["bucket"], put["key"], put["rule"]) == (
        "PUT",
        BUCKET,
        "/cat.jpg",
        "-",
    )
    assert get["rule"] == '"imageMogr2/thumbnail/100x"' and get["status"] == "200"
    assert int(get["bytes"]) == len(ok.content) and get["errno"] == "-"
    assert get["id"] == ok.headers["x-cos-request-id"]
    assert (refused["status"], refused["errno"]) == ("400", bad.headers["X-ErrNo"])
    assert (head["method"], head["status"], head["bytes"]) == ("HEAD", "404", "0")
    assert missing.status_code == 404


def test_json_lines_and_the_rule_cut_at_80_characters(tmp_path, make_photo):
    long_rule = "imageMogr2/thumbnail/40x" + "/strip" * 30
    operations = json.dumps({"rules": [{"fileid": "o.png", "rule": "imageMogr2/format/png"}]})

    async def script(client: httpx.AsyncClient) -> list[httpx.Response]:
        return [
            await client.put("/a b.jpg", content=make_photo(50, 40)),
            await client.get(f"/a%20b.jpg?{long_rule}"),
            await client.put(
                "/c.jpg", content=make_photo(50, 40), headers={"Pic-Operations": operations}
            ),
        ]

    _, console = _console(tmp_path, True, script)
    records = [json.loads(line) for line in console.splitlines()]
    assert [r["method"] for r in records] == ["PUT", "GET", "PUT"]
    assert set(records[0]) == {
        "time", "method", "bucket", "key", "rule", "status", "errno", "bytes", "ms", "request_id"
    }  # fmt: skip
    assert records[1]["key"] == "a b.jpg" and records[1]["rule"] == long_rule[:80]
    assert records[2]["rule"] == "imageMogr2/format/png" and records[2]["status"] == 200


def test_a_presigned_query_logs_the_rule_not_the_signature(tmp_path, make_photo):
    async def script(client: httpx.AsyncClient) -> list[httpx.Response]:
        await client.put("/a.jpg", content=make_photo(50, 40))
        query = "imageMogr2/rotate/90&q-sign-algorithm=sha1&q-ak=AKID&q-signature=abc"
        return [await client.get(f"/a.jpg?{query}")]

    _, console = _console(tmp_path, True, script)
    assert json.loads(console.splitlines()[-1])["rule"] == "imageMogr2/rotate/90"


@pytest.mark.parametrize(("options", "lines"), [((), 1), (("--quiet",), 0)])
def test_the_console_of_a_real_server(tmp_path, make_photo, options, lines):
    root = tmp_path / "root"
    (root / BUCKET).mkdir(parents=True)
    (root / BUCKET / "p.jpg").write_bytes(make_photo(80, 60))
    with serve_in_subprocess(root, *options, log=tmp_path / "serve.log") as served:
        response = httpx.get(f"{served.url}/p.jpg?imageMogr2/rotate/90", timeout=60)
        assert response.status_code == 200
        request_id = response.headers["x-cos-request-id"]
        logged = [line for line in served.log.read_text().splitlines() if LINE.match(line)]
        for _ in range(50):  # the line is written once the response has been sent
            if len(logged) >= lines:
                break
            time.sleep(0.1)
            logged = [line for line in served.log.read_text().splitlines() if LINE.match(line)]
    assert len(logged) == lines
    if lines:
        assert logged[0].endswith(request_id) and f" {BUCKET} /p.jpg " in logged[0]
