"""The COS calls every SDK user makes, through the unmodified cos-python-sdk-v5 (issue 10):
buckets, listing, copy, batch delete, metadata, ranges and the cos-internal host."""

from __future__ import annotations

import base64
import hashlib
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from qcloud_cos import CosConfig, CosS3Client
from qcloud_cos.cos_exception import CosServiceError

from ciimage.server import ServerConfig

REGION = "ap-guangzhou"
SECRET_ID = "AKIDcosbasics"
SECRET_KEY = "cos-basics-secret-key"
BUCKET = "basics-1250000000"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory, server_starter: Any) -> Iterator[Any]:
    root = tmp_path_factory.mktemp("cos-root")
    running = server_starter(ServerConfig(root=root, secret_id=SECRET_ID, secret_key=SECRET_KEY))
    yield running
    running.stop()


def make_client(server: Any, **options: Any) -> CosS3Client:
    config = CosConfig(
        Region=REGION,
        SecretId=SECRET_ID,
        SecretKey=SECRET_KEY,
        Scheme="http",
        IP="127.0.0.1",
        Port=server.port,
        **options,
    )
    return CosS3Client(config, retry=0)


@pytest.fixture(scope="module")
def client(server: Any) -> CosS3Client:
    sdk = make_client(server)
    sdk.create_bucket(Bucket=BUCKET)
    return sdk


def service_error(call: Any, **kwargs: Any) -> CosServiceError:
    with pytest.raises(CosServiceError) as caught:
        call(**kwargs)
    return caught.value


def test_create_head_and_delete_bucket(client: CosS3Client, server: Any) -> None:
    name = "fresh-1250000000"
    client.create_bucket(Bucket=name)
    assert (server.root / name).is_dir()
    head = client.head_bucket(Bucket=name)
    assert head["x-cos-bucket-region"] == REGION
    again = service_error(client.create_bucket, Bucket=name)
    assert (again.get_status_code(), again.get_error_code()) == (409, "BucketAlreadyOwnedByYou")
    client.put_object(Bucket=name, Key="a/b.txt", Body=b"x")
    busy = service_error(client.delete_bucket, Bucket=name)
    assert (busy.get_status_code(), busy.get_error_code()) == (409, "BucketNotEmpty")
    client.delete_object(Bucket=name, Key="a/b.txt")
    client.delete_bucket(Bucket=name)
    assert not (server.root / name).exists()
    gone = service_error(client.head_bucket, Bucket=name)
    assert gone.get_status_code() == 404


def test_bucket_names_cos_refuses(server: Any) -> None:
    too_long = "b" * 50 + "-1250000000"  # 61 characters: a DNS label, over COS's 60
    error = service_error(make_client(server).create_bucket, Bucket=too_long)
    assert (error.get_status_code(), error.get_error_code()) == (400, "InvalidBucketName")
    assert not (server.root / too_long).exists()


def _keys(listing: dict[str, Any]) -> list[str]:
    return [item["Key"] for item in listing.get("Contents", [])]


def _prefixes(listing: dict[str, Any]) -> list[str]:
    return [item["Prefix"] for item in listing.get("CommonPrefixes", [])]


@pytest.fixture(scope="module")
def listed_bucket(client: CosS3Client) -> str:
    name = "listing-1250000000"
    client.create_bucket(Bucket=name)
    for key in ["a.txt", "b/1.txt", "b/2.txt", "b/c/3.txt", "b+c d.txt", "照片/猫.jpg", "z"]:
        client.put_object(Bucket=name, Key=key, Body=key.encode())
    return name


def test_list_objects_every_parameter(client: CosS3Client, listed_bucket: str) -> None:
    everything = client.list_objects(Bucket=listed_bucket)
    assert _keys(everything) == sorted(
        ["a.txt", "b/1.txt", "b/2.txt", "b/c/3.txt", "b+c d.txt", "照片/猫.jpg", "z"],
        key=lambda key: key.encode("utf-8"),
    )
    assert everything["IsTruncated"] == "false"
    first = everything["Contents"][0]
    assert first["Size"] == str(len(first["Key"].encode()))
    assert first["ETag"] == '"' + hashlib.md5(first["Key"].encode()).hexdigest() + '"'
    assert first["LastModified"].endswith(".000Z") or first["LastModified"][-5] == "."
    assert first["StorageClass"] == "STANDARD" and first["Owner"]["ID"] == "1250000000"

    rolled = client.list_objects(Bucket=listed_bucket, Delimiter="/")
    assert _keys(rolled) == ["a.txt", "b+c d.txt", "z"]
    assert _prefixes(rolled) == ["b/", "照片/"]
    inside = client.list_objects(Bucket=listed_bucket, Prefix="b/", Delimiter="/")
    assert (_keys(inside), _prefixes(inside)) == (["b/1.txt", "b/2.txt"], ["b/c/"])
    after = client.list_objects(Bucket=listed_bucket, Prefix="b/", Marker="b/1.txt")
    assert _keys(after) == ["b/2.txt", "b/c/3.txt"]

    pages, marker = [], ""
    while True:
        page = client.list_objects(Bucket=listed_bucket, Delimiter="/", Marker=marker, MaxKeys=2)
        pages.append(_keys(page) + _prefixes(page))
        if page["IsTruncated"] == "false":
            break
        marker = page["NextMarker"]
    # Keys and prefixes count together and in one order ('+' sorts before '/').
    assert pages == [["a.txt", "b+c d.txt"], ["z", "b/"], ["照片/"]]

    raw = client.list_objects(Bucket=listed_bucket, Prefix="照片/", EncodingType="url")
    assert raw["EncodingType"] == "url"
    assert _keys(raw) == ["%E7%85%A7%E7%89%87/%E7%8C%AB.jpg"]  # left encoded when asked
    assert client.list_objects(Bucket=listed_bucket, MaxKeys=0).get("Contents") is None
    bad = service_error(client.list_objects, Bucket=listed_bucket, MaxKeys=-1)
    assert (bad.get_status_code(), bad.get_error_code()) == (400, "InvalidArgument")


def test_listing_hides_temporary_and_private_files(
    client: CosS3Client, listed_bucket: str, server: Any
) -> None:
    (server.root / listed_bucket / ".ciimage-tmp-half").write_bytes(b"partial")
    (server.root / listed_bucket / "empty-folder").mkdir()
    keys = _keys(client.list_objects(Bucket=listed_bucket))
    assert ".ciimage-tmp-half" not in keys and not any(k.startswith("empty") for k in keys)
    assert "empty-folder/" not in _prefixes(
        client.list_objects(Bucket=listed_bucket, Delimiter="/")
    )


def test_head_object_metadata_round_trip(client: CosS3Client) -> None:
    client.put_object(
        Bucket=BUCKET,
        Key="meta/report.bin",
        Body=b"report",
        ContentType="text/csv",
        ContentDisposition='attachment; filename="r.csv"',
        CacheControl="max-age=60",
        ContentEncoding="identity",
        Expires="Wed, 21 Oct 2037 07:28:00 GMT",
        Metadata={"x-cos-meta-owner": "team-a", "x-cos-meta-run": "42"},
    )
    head = client.head_object(Bucket=BUCKET, Key="meta/report.bin")
    assert head["Content-Type"] == "text/csv"
    assert head["Content-Disposition"] == 'attachment; filename="r.csv"'
    assert head["Cache-Control"] == "max-age=60"
    assert head["Content-Encoding"] == "identity"
    assert head["Expires"] == "Wed, 21 Oct 2037 07:28:00 GMT"
    assert (head["x-cos-meta-owner"], head["x-cos-meta-run"]) == ("team-a", "42")
    got = client.get_object(Bucket=BUCKET, Key="meta/report.bin")
    assert got["Content-Type"] == "text/csv" and got["x-cos-meta-owner"] == "team-a"
    client.put_object(Bucket=BUCKET, Key="meta/report.bin", Body=b"plain again")
    plain = client.head_object(Bucket=BUCKET, Key="meta/report.bin")
    assert "x-cos-meta-owner" not in plain  # a new version carries only its own headers
    assert plain["Content-Type"] == "application/octet-stream"


def test_copy_object_with_copy_and_replaced(client: CosS3Client, server: Any) -> None:
    client.create_bucket(Bucket="other-1250000000")
    key = "src/a b+c 照片.txt"
    client.put_object(
        Bucket="other-1250000000",
        Key=key,
        Body=b"copy me",
        ContentType="text/plain",
        Metadata={"x-cos-meta-origin": "other"},
    )
    source = {"Bucket": "other-1250000000", "Key": key, "Region": REGION}
    copied = client.copy_object(Bucket=BUCKET, Key="copies/kept.txt", CopySource=source)
    assert copied["ETag"] == '"' + hashlib.md5(b"copy me").hexdigest() + '"'
    kept = client.head_object(Bucket=BUCKET, Key="copies/kept.txt")
    assert (kept["Content-Type"], kept["x-cos-meta-origin"]) == ("text/plain", "other")
    client.copy_object(
        Bucket=BUCKET,
        Key="copies/replaced.txt",
        CopySource=source,
        CopyStatus="Replaced",
        ContentType="application/json",
        Metadata={"x-cos-meta-fresh": "yes"},
    )
    replaced = client.head_object(Bucket=BUCKET, Key="copies/replaced.txt")
    assert replaced["Content-Type"] == "application/json" and replaced["x-cos-meta-fresh"] == "yes"
    assert "x-cos-meta-origin" not in replaced
    assert (server.root / BUCKET / "copies" / "replaced.txt").read_bytes() == b"copy me"

    onto_itself = {"Bucket": BUCKET, "Key": "copies/kept.txt", "Region": REGION}
    refused = service_error(
        client.copy_object, Bucket=BUCKET, Key="copies/kept.txt", CopySource=onto_itself
    )
    assert (refused.get_status_code(), refused.get_error_code()) == (400, "InvalidRequest")
    client.copy_object(
        Bucket=BUCKET,
        Key="copies/kept.txt",
        CopySource=onto_itself,
        CopyStatus="Replaced",
        ContentType="text/markdown",
    )
    assert client.head_object(Bucket=BUCKET, Key="copies/kept.txt")["Content-Type"] == (
        "text/markdown"
    )
    missing = {"Bucket": BUCKET, "Key": "nope.txt", "Region": REGION}
    absent = service_error(client.copy_object, Bucket=BUCKET, Key="x.txt", CopySource=missing)
    assert (absent.get_status_code(), absent.get_error_code()) == (404, "NoSuchKey")


def test_delete_objects(client: CosS3Client, server: Any) -> None:
    for key in ["del/1", "del/2", "del/3"]:
        client.put_object(Bucket=BUCKET, Key=key, Body=b"x")
    result = client.delete_objects(
        Bucket=BUCKET,
        Delete={
            "Quiet": "false",
            "Object": [{"Key": "del/1"}, {"Key": "del/2"}, {"Key": "absent"}],
        },
    )
    assert sorted(item["Key"] for item in result["Deleted"]) == ["absent", "del/1", "del/2"]
    assert sorted(p.name for p in (server.root / BUCKET / "del").iterdir()) == ["3"]
    quiet = client.delete_objects(
        Bucket=BUCKET, Delete={"Quiet": "true", "Object": [{"Key": "del/3"}, {"Key": "../x"}]}
    )
    assert "Deleted" not in quiet
    assert [(e["Key"], e["Code"]) for e in quiet["Error"]] == [("../x", "InvalidURI")]
    assert not (server.root / BUCKET / "del").exists()


def test_delete_objects_checks_content_md5(server_factory: Any) -> None:
    anonymous = server_factory()
    (anonymous.root / "examplebucket-1250000000" / "keep").write_bytes(b"x")
    body = b"<Delete><Object><Key>keep</Key></Object></Delete>"
    wrong = httpx.post(
        f"{anonymous.url}/?delete", content=body, headers={"Content-MD5": "A" * 22 + "=="}
    )
    assert wrong.status_code == 400 and "<Code>BadDigest</Code>" in wrong.text
    none = httpx.post(f"{anonymous.url}/?delete", content=body)
    assert none.status_code == 400 and "<Code>InvalidRequest</Code>" in none.text
    assert (anonymous.root / "examplebucket-1250000000" / "keep").exists()
    digest = base64.b64encode(hashlib.md5(body).digest()).decode()
    right = httpx.post(f"{anonymous.url}/?delete", content=body, headers={"Content-MD5": digest})
    assert right.status_code == 200 and "<Deleted><Key>keep</Key></Deleted>" in right.text
    assert not (anonymous.root / "examplebucket-1250000000" / "keep").exists()


def test_download_file_with_ranges(client: CosS3Client, tmp_path: Path) -> None:
    data = os.urandom(20 * 1024 * 1024)
    source = tmp_path / "big.bin"
    source.write_bytes(data)
    client.put_object(Bucket=BUCKET, Key="big/20mb.bin", Body=source.open("rb"))
    target = tmp_path / "down.bin"
    client.download_file(
        Bucket=BUCKET,
        Key="big/20mb.bin",
        DestFilePath=str(target),
        PartSize=2,
        MAXThread=3,
        DumpRecordDir=str(tmp_path / "records"),
    )
    assert hashlib.md5(target.read_bytes()).digest() == hashlib.md5(data).digest()
    ranged = client.get_object(Bucket=BUCKET, Key="big/20mb.bin", Range="bytes=100-199")
    assert ranged["Content-Range"] == f"bytes 100-199/{len(data)}"
    assert ranged["Body"].get_raw_stream().read() == data[100:200]
    tail = client.get_object(Bucket=BUCKET, Key="big/20mb.bin", Range="bytes=-10")
    assert tail["Body"].get_raw_stream().read() == data[-10:]
    beyond = service_error(
        client.get_object, Bucket=BUCKET, Key="big/20mb.bin", Range=f"bytes={len(data)}-"
    )
    assert (beyond.get_status_code(), beyond.get_error_code()) == (416, "InvalidRange")


def test_cos_internal_host(server: Any, client: CosS3Client) -> None:
    internal = make_client(server, EnableOldDomain=False)
    internal.put_object(Bucket=BUCKET, Key="internal.txt", Body=b"via cos-internal")
    assert client.get_object(Bucket=BUCKET, Key="internal.txt")["Body"].get_raw_stream().read() == (
        b"via cos-internal"
    )
    assert _keys(internal.list_objects(Bucket=BUCKET, Prefix="internal")) == ["internal.txt"]
