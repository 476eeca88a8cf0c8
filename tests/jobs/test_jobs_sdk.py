"""Every job call through the unmodified cos-python-sdk-v5, against `ciimage serve` (signed)."""

from __future__ import annotations

import gzip
import io
import json
import os
import xml.etree.ElementTree as ElementTree
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from PIL import Image
from qcloud_cos import CosS3Client
from qcloud_cos.cos_exception import CosServiceError

PAGES_BUCKET = "pages-1250000000"


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory, kit: Any) -> Iterator[Any]:
    root = tmp_path_factory.mktemp("jobs-root")
    (root / kit.bucket).mkdir()
    (root / PAGES_BUCKET).mkdir()
    log = root.parent / "serve.log"
    with kit.serve(root, "--executor", "threads", "--job-workers", "2", log=log) as process:
        yield SimpleNamespace(url=process.url, root=root, log=log)


@pytest.fixture(scope="module")
def client(served: Any, kit: Any) -> CosS3Client:
    sdk = kit.client(kit.port_of(served))
    for index in range(3):
        sdk.put_object(Bucket=kit.bucket, Body=kit.photo(96, 64, index), Key=f"input/p{index}.jpg")
    return sdk


def _create(client: CosS3Client, kit: Any, job: dict[str, Any]) -> dict[str, Any]:
    answer = client.ci_create_media_pic_jobs(
        Bucket=kit.bucket, Jobs=job, Lst={}, ContentType="application/xml"
    )
    (detail,) = answer["JobsDetail"]
    return detail


def _get(client: CosS3Client, bucket: str, job_id: str) -> dict[str, Any]:
    return client.ci_get_media_pic_jobs(Bucket=bucket, JobIDs=job_id)["JobsDetail"][0]


def _until(kit: Any, client: CosS3Client, job_id: str, *states: str) -> dict[str, Any]:
    def ended() -> dict[str, Any] | None:
        detail = _get(client, kit.bucket, job_id)
        return detail if detail["State"] in states else None

    return kit.wait_for(ended, what=f"job {job_id} in {states}")


def _queue_id(client: CosS3Client, bucket: str) -> str:
    return client.ci_get_media_pic_queue(Bucket=bucket)["QueueList"][0]["QueueId"]


def _set_queue(client: CosS3Client, bucket: str, state: str, notify: dict[str, str] | None = None):
    body = {
        "Name": "queue-pic-process-1",
        "State": state,
        "NotifyConfig": notify or {"State": "Off"},
    }
    return client.ci_update_media_pic_queue(
        Bucket=bucket,
        QueueId=_queue_id(client, bucket),
        Request=body,
        ContentType="application/xml",
    )


def test_pic_job_goes_submitted_running_success(client: CosS3Client, kit: Any, served: Any) -> None:
    job = kit.pic_job(
        "input/p0.jpg", "imageMogr2/rotate/90", "output/${InputName}.${ext}", UserData="mine"
    )
    created = _create(client, kit, job)
    assert created["State"] in ("Submitted", "Running")
    assert created["JobId"].startswith("c") and len(created["JobId"]) == 33
    assert created["Input"] == {
        "BucketId": kit.bucket,
        "Object": "input/p0.jpg",
        "Region": kit.region,
    }
    done = _until(kit, client, created["JobId"], "Success", "Failed")
    assert done["State"] == "Success", done
    result = done["Operation"]["PicProcessResult"]
    assert result["ObjectName"] == "output/p0.jpg"
    assert result["ProcessResult"]["Width"] == "64" and result["ProcessResult"]["Height"] == "96"
    assert result["OriginalInfo"]["ImageInfo"]["Width"] == "96"
    assert done["Operation"]["Output"]["Object"] == "output/${InputName}.${ext}"  # the template
    assert done["Operation"]["UserData"] == "mine"
    assert done["StartTime"] != "-" and done["EndTime"] != "-"
    stored = client.get_object(Bucket=kit.bucket, Key="output/p0.jpg")["Body"].get_raw_stream()
    assert Image.open(io.BytesIO(stored.read())).size == (64, 96)


def test_describe_several_ids_names_the_missing_ones(client: CosS3Client, kit: Any) -> None:
    first = _create(client, kit, kit.pic_job("input/p1.jpg", "imageMogr2/rotate/180", "o/a.jpg"))
    missing = ["c" + "0" * 32, "c" + "1" * 32]
    answer = client.ci_get_media_pic_jobs(
        Bucket=kit.bucket, JobIDs=",".join([first["JobId"], *missing])
    )
    assert [detail["JobId"] for detail in answer["JobsDetail"]] == [first["JobId"]]
    assert answer["NonExistJobIds"] == missing
    one = client.ci_get_media_pic_jobs(Bucket=kit.bucket, JobIDs=missing[0])
    assert one["NonExistJobIds"] == missing[0] and "JobsDetail" not in one


def test_missing_input_fails_the_job(client: CosS3Client, kit: Any) -> None:
    created = _create(
        client, kit, kit.pic_job("input/absent.jpg", "imageMogr2/rotate/90", "o/x.jpg")
    )
    failed = _until(kit, client, created["JobId"], "Failed", "Success")
    assert failed["State"] == "Failed"
    assert failed["Code"] == "NoSuchKey"
    assert "input/absent.jpg" in failed["Message"]
    assert "PicProcessResult" not in failed["Operation"]


def test_bad_rule_fails_the_job_with_the_rule_error(client: CosS3Client, kit: Any) -> None:
    created = _create(client, kit, kit.pic_job("input/p0.jpg", "imageMogr2/rotate/9000", "o/y.jpg"))
    failed = _until(kit, client, created["JobId"], "Failed", "Success")
    assert failed["State"] == "Failed"
    assert failed["Code"] == "InvalidArgument"
    assert "rotate" in failed["Message"] and "X-ErrNo -60998" in failed["Message"]


def test_other_tags_are_refused_by_name(client: CosS3Client, kit: Any) -> None:
    job = kit.pic_job("input/p0.jpg", "imageMogr2/rotate/90", "o/z.jpg")
    job["Tag"] = "Transcode"
    with pytest.raises(CosServiceError) as caught:
        _create(client, kit, job)
    assert caught.value.get_status_code() == 400
    assert "Transcode" in caught.value.get_error_msg()


def test_pause_holds_jobs_cancel_and_resume(client: CosS3Client, kit: Any) -> None:
    paused = _set_queue(client, kit.bucket, "Paused")
    assert paused["Queue"][0]["State"] == "Paused"
    try:
        held = _create(
            client, kit, kit.pic_job("input/p1.jpg", "imageMogr2/rotate/90", "held/1.jpg")
        )
        doomed = _create(
            client, kit, kit.pic_job("input/p2.jpg", "imageMogr2/rotate/90", "held/2.jpg")
        )
        assert held["State"] == "Pause" and doomed["State"] == "Pause"
        assert client.ci_cancel_jobs(Bucket=kit.bucket, JobID=doomed["JobId"]) == ""
        assert _get(client, kit.bucket, doomed["JobId"])["State"] == "Cancel"
        with pytest.raises(CosServiceError) as again:
            client.ci_cancel_jobs(Bucket=kit.bucket, JobID=doomed["JobId"])
        assert again.value.get_status_code() == 400
        assert "only Submitted or Pause" in again.value.get_error_msg()
    finally:
        assert _set_queue(client, kit.bucket, "Active")["Queue"][0]["State"] == "Active"
    assert _until(kit, client, held["JobId"], "Success")["State"] == "Success"
    assert _get(client, kit.bucket, doomed["JobId"])["State"] == "Cancel"
    with pytest.raises(CosServiceError) as unknown:
        client.ci_cancel_jobs(Bucket=kit.bucket, JobID="c" + "2" * 32)
    assert unknown.value.get_status_code() == 404


def test_queue_describe_filters(client: CosS3Client, kit: Any) -> None:
    queue_id = _queue_id(client, kit.bucket)
    assert queue_id.startswith("p") and len(queue_id) == 33
    active = client.ci_get_media_pic_queue(Bucket=kit.bucket, State="Active")
    assert active["TotalCount"] == "1" and active["QueueList"][0]["Category"] == "PicProcessing"
    none = client.ci_get_media_pic_queue(Bucket=kit.bucket, State="Paused")
    assert none["TotalCount"] == "0" and "QueueList" not in none
    by_id = client.ci_get_media_pic_queue(Bucket=kit.bucket, QueueIds=f"{queue_id},p{'0' * 32}")
    assert by_id["QueueList"][0]["QueueId"] == queue_id
    assert by_id["NonExistPIDs"] == f"p{'0' * 32}"


def test_pagination_over_250_jobs_in_both_orders(client: CosS3Client, kit: Any) -> None:
    client.put_object(Bucket=PAGES_BUCKET, Body=kit.photo(4, 4), Key="in.jpg")
    _set_queue(client, PAGES_BUCKET, "Paused")  # they stay put while we page
    created = []
    for index in range(250):
        job = kit.pic_job("in.jpg", "imageMogr2/rotate/90", f"out/{index}.jpg")
        job["Operation"]["Output"]["Bucket"] = PAGES_BUCKET
        answer = client.ci_create_media_pic_jobs(Bucket=PAGES_BUCKET, Jobs=job, Lst={})
        created.append(answer["JobsDetail"][0]["JobId"])

    def pages(order: str, lister: Any) -> list[list[str]]:
        seen, token = [], ""
        while True:
            page = lister(
                Bucket=PAGES_BUCKET, Tag="PicProcess", OrderByTime=order, Size=100, NextToken=token
            )
            seen.append([detail["JobId"] for detail in page["JobsDetail"]])
            token = page["NextToken"]
            if token is None:
                return seen

    desc = pages("Desc", client.ci_list_media_pic_jobs)
    assert [len(page) for page in desc] == [100, 100, 50]
    assert [job for page in desc for job in page] == created[::-1]
    asc = pages("Asc", client.ci_list_media_jobs)  # DescribeJobs lists image jobs too
    assert [job for page in asc for job in page] == created
    paused = client.ci_list_media_pic_jobs(
        Bucket=PAGES_BUCKET, Tag="PicProcess", States="Pause", Size=5
    )
    assert len(paused["JobsDetail"]) == 5 and paused["NextToken"] is not None
    none = client.ci_list_media_pic_jobs(
        Bucket=PAGES_BUCKET, Tag="PicProcess", States="Success,Failed"
    )
    assert "JobsDetail" not in none and none["NextToken"] is None
    later = client.ci_list_media_pic_jobs(
        Bucket=PAGES_BUCKET, Tag="PicProcess", StartCreationTime="2099-01-01T00:00:00+0800"
    )
    assert "JobsDetail" not in later
    with pytest.raises(CosServiceError) as too_big:
        client.ci_list_media_pic_jobs(Bucket=PAGES_BUCKET, Tag="PicProcess", Size=101)
    assert too_big.value.get_status_code() == 400


def test_callbacks_in_json_and_xml(client: CosS3Client, kit: Any, receiver: Any) -> None:
    as_json = kit.pic_job(
        "input/p0.jpg",
        "imageMogr2/thumbnail/32x",
        "cb/j.jpg",
        CallBack=receiver.url,
        CallBackFormat="JSON",
    )
    as_xml = kit.pic_job(
        "input/p1.jpg", "imageMogr2/thumbnail/32x", "cb/x.jpg", CallBack=receiver.url
    )
    json_id = _create(client, kit, as_json)["JobId"]
    xml_id = _create(client, kit, as_xml)["JobId"]
    (json_body,) = kit.wait_for(lambda: receiver.bodies_for(json_id), what="JSON callback")
    (xml_body,) = kit.wait_for(lambda: receiver.bodies_for(xml_id), what="XML callback")
    assert json_body.content_type.startswith("application/json")
    payload = json_body.json()
    assert payload["EventName"] == "TaskFinish"
    (detail,) = payload["JobsDetail"]
    assert detail["JobId"] == json_id and detail["State"] == "Success"
    assert detail["Operation"]["JobLevel"] == 0  # the one number, as the documented sample
    assert detail["Operation"]["PicProcessResult"]["ObjectName"] == "cb/j.jpg"
    assert xml_body.content_type == "application/xml"
    root = ElementTree.fromstring(xml_body.body)
    assert root.tag == "Response" and root[0].tag == "EventName"
    assert root.findtext("JobsDetail/JobId") == xml_id
    assert root.findtext("JobsDetail/Operation/PicProcessResult/ObjectName") == "cb/x.jpg"


def test_queue_notify_config_sends_callbacks(client: CosS3Client, kit: Any, receiver: Any) -> None:
    notify = {
        "State": "On",
        "Url": receiver.url,
        "Type": "Url",
        "Event": "TaskFinish",
        "ResultFormat": "JSON",
    }
    updated = _set_queue(client, kit.bucket, "Active", notify)
    assert updated["Queue"][0]["NotifyConfig"]["Url"] == receiver.url
    try:
        job_id = _create(
            client, kit, kit.pic_job("input/p2.jpg", "imageMogr2/rotate/90", "n/1.jpg")
        )["JobId"]
        (body,) = kit.wait_for(lambda: receiver.bodies_for(job_id), what="queue callback")
        assert body.json()["JobsDetail"][0]["JobId"] == job_id
        silent = kit.pic_job("input/p2.jpg", "imageMogr2/rotate/90", "n/2.jpg", CallBack="no")
        silent_id = _create(client, kit, silent)["JobId"]
        _until(kit, client, silent_id, "Success")
    finally:
        _set_queue(client, kit.bucket, "Active", {"State": "Off"})
    assert receiver.bodies_for(silent_id) == []


def test_callbacks_outside_the_allow_list_are_refused(client: CosS3Client, kit: Any) -> None:
    job = kit.pic_job(
        "input/p0.jpg", "imageMogr2/rotate/90", "o/r.jpg", CallBack="http://203.0.113.9/cb"
    )
    with pytest.raises(CosServiceError) as caught:
        _create(client, kit, job)
    assert caught.value.get_status_code() == 400
    assert "--callback-allow 203.0.113.9" in caught.value.get_error_msg()


def _batch(kit: Any, source: dict[str, Any], output: str, **operation: Any) -> dict[str, Any]:
    rule = "imageMogr2/thumbnail/16x16"
    return kit.batch_job("backfill", rule, source, output, pic_info="false", **operation)


def _run_batch(client: CosS3Client, kit: Any, body: dict[str, Any]) -> dict[str, Any]:
    created = client.ci_create_inventory_trigger_jobs(Bucket=kit.bucket, JobBody=body)
    (detail,) = created["JobsDetail"]
    assert detail["JobId"].startswith("b") and detail["Type"] == "Job"

    def finished() -> dict[str, Any] | None:
        got = client.ci_get_inventory_trigger_jobs(Bucket=kit.bucket, JobID=detail["JobId"])
        batch = got["JobsDetail"][0]
        return batch if batch["State"] != "Running" else None

    return kit.wait_for(finished, what="batch")


def _outputs(served: Any, kit: Any, folder: str) -> list[str]:
    base = served.root / kit.bucket / folder
    return sorted(str(path.relative_to(base)) for path in base.rglob("*") if path.is_file())


def test_prefix_batch_spawns_one_job_per_object(client: CosS3Client, kit: Any, served: Any) -> None:
    for index in range(5):
        client.put_object(Bucket=kit.bucket, Body=kit.photo(40, 30, index), Key=f"bin/{index}.jpg")
    old = served.root / kit.bucket / "bin" / "0.jpg"
    os.utime(old, (1_000_000_000, 1_000_000_000))  # 2001: before the interval below
    body = _batch(
        kit,
        {"Prefix": "/bin/"},
        "bout/${InventoryTriggerJobId}/${InputName}.${ext}",
        TimeInterval={"Start": "2020-01-01T00:00:00+0800"},
    )
    batch = _run_batch(client, kit, body)
    assert batch["State"] == "Success"
    assert batch["Operation"]["QueueId"] == _queue_id(client, kit.bucket)
    assert _outputs(served, kit, f"bout/{batch['JobId']}") == ["1.jpg", "2.jpg", "3.jpg", "4.jpg"]
    listed = client.ci_list_inventory_trigger_jobs(Bucket=kit.bucket, Type="Job")
    assert batch["JobId"] in [item["JobId"] for item in listed["JobsDetail"]]
    default = client.ci_list_inventory_trigger_jobs(Bucket=kit.bucket)  # the SDK's Type=Workflow
    assert "JobsDetail" not in default
    children = client.ci_list_media_pic_jobs(Bucket=kit.bucket, Tag="PicProcess", Size=100)
    inputs = {d["Input"]["Object"] for d in children["JobsDetail"] if d["State"] == "Success"}
    assert {"bin/1.jpg", "bin/4.jpg"} <= inputs


def test_object_urlfile_and_manifest_batches(client: CosS3Client, kit: Any, served: Any) -> None:
    for index in range(3):
        client.put_object(Bucket=kit.bucket, Body=kit.photo(30, 20, index), Key=f"lst/{index}.jpg")
    objects = _run_batch(
        client, kit, _batch(kit, {"Object": ["lst/0.jpg", "lst/2.jpg"]}, "obj/${InputName}.png")
    )
    assert objects["State"] == "Success"
    assert _outputs(served, kit, "obj") == ["0.png", "2.png"]
    host = f"https://{kit.bucket}.cos.{kit.region}.myqcloud.com"
    lines = [
        f"{host}/lst/1.jpg",
        f"{host}/lst/2.jpg",
        "https://other-125.cos.x.myqcloud.com/lst/0.jpg",
    ]
    client.put_object(Bucket=kit.bucket, Body="\n".join(lines).encode(), Key="lists/urls.txt")
    by_urls = _run_batch(
        client, kit, _batch(kit, {"UrlFile": f"{host}/lists/urls.txt"}, "url/${InputNameAndExt}")
    )
    assert by_urls["State"] == "Success"
    assert _outputs(served, kit, "url") == ["1.jpg", "2.jpg"]
    csv_text = f'"{kit.bucket}","lst/0.jpg","100"\n"{kit.bucket}","lst%2F1.jpg","100"\n'
    client.put_object(
        Bucket=kit.bucket, Body=gzip.compress(csv_text.encode()), Key="inv/data/1.csv.gz"
    )
    manifest = {"fileSchema": "Bucket, Key, Size", "files": [{"key": "inv/data/1.csv.gz"}]}
    client.put_object(
        Bucket=kit.bucket, Body=json.dumps(manifest).encode(), Key="inv/manifest.json"
    )
    by_manifest = _run_batch(
        client,
        kit,
        _batch(kit, {"Manifest": "inv/manifest.json"}, "man/${InputPath}/${InputName}.${ext}"),
    )
    assert by_manifest["State"] == "Success"
    assert _outputs(served, kit, "man") == ["lst/0.jpg", "lst/1.jpg"]


def test_batch_refusals_and_cancel(client: CosS3Client, kit: Any) -> None:
    bad_rule = _batch(kit, {"Prefix": "bin/"}, "x/${InputName}.jpg")
    bad_rule["Operation"]["JobParam"]["PicProcess"]["ProcessRule"] = "imageMogr2/nope"
    with pytest.raises(CosServiceError) as caught:
        client.ci_create_inventory_trigger_jobs(Bucket=kit.bucket, JobBody=bad_rule)
    assert caught.value.get_status_code() == 400 and "nope" in caught.value.get_error_msg()
    both = _batch(kit, {"Prefix": "bin/", "Object": "bin/1.jpg"}, "x/a.jpg")
    with pytest.raises(CosServiceError):
        client.ci_create_inventory_trigger_jobs(Bucket=kit.bucket, JobBody=both)
    _set_queue(client, kit.bucket, "Paused")
    try:
        created = client.ci_create_inventory_trigger_jobs(
            Bucket=kit.bucket, JobBody=_batch(kit, {"Prefix": "bin/"}, "never/${InputName}.jpg")
        )
        batch_id = created["JobsDetail"][0]["JobId"]
        response = client.ci_delete_inventory_trigger_jobs(Bucket=kit.bucket, JobId=batch_id)
        assert response.status_code == 200
        got = client.ci_get_inventory_trigger_jobs(Bucket=kit.bucket, JobID=batch_id)
        assert got["JobsDetail"][0]["State"] == "Cancel"
    finally:
        _set_queue(client, kit.bucket, "Active")
    missing = client.ci_get_inventory_trigger_jobs(Bucket=kit.bucket, JobID="b" + "0" * 32)
    assert missing["NonExistJobIds"] == "b" + "0" * 32


def test_job_shaped_paths_never_become_objects(client: CosS3Client, kit: Any, served: Any) -> None:
    with pytest.raises(CosServiceError):
        client.ci_cancel_jobs(Bucket=kit.bucket, JobID="c" + "3" * 32)
    with pytest.raises(CosServiceError):
        client.ci_delete_inventory_trigger_jobs(Bucket=kit.bucket, JobId="b" + "3" * 32)
    bucket_dir: Path = served.root / kit.bucket
    assert not (bucket_dir / "jobs").exists() and not (bucket_dir / "inventorytriggerjob").exists()
    stored_id = "c" + "4" * 32
    client.put_object(Bucket=kit.bucket, Body=b"an object", Key=f"pic_jobs/{stored_id}")
    got = client.get_object(Bucket=kit.bucket, Key=f"pic_jobs/{stored_id}")  # the object wins
    assert got["Body"].get_raw_stream().read() == b"an object"


def _signed_get(client: CosS3Client, kit: Any, path: str, params: dict[str, str]) -> Any:
    """A GET the SDK cannot send (its list call has no inputObject/inventoryTriggerJobId),
    signed the SDK's way."""
    import requests
    from qcloud_cos.cos_auth import CosS3Auth

    conf = client._conf
    path = "/" + path
    url = conf.uri(bucket=kit.bucket, path=path)
    host = conf.get_host(kit.bucket)
    return requests.get(
        url,
        params=params,
        headers={"Host": host},
        auth=CosS3Auth(conf, path, params=params),
        timeout=30,
    )


def test_filters_the_sdk_cannot_send(client: CosS3Client, kit: Any) -> None:
    job = kit.pic_job("input/p2.jpg", "imageMogr2/rotate/90", "flt/a.jpg")
    job_id = _create(client, kit, job)["JobId"]
    _until(kit, client, job_id, "Success")
    base = {"tag": "PicProcess", "size": "100"}
    exact = _signed_get(client, kit, "pic_jobs", {**base, "inputObject": "input/p2.jpg"})
    assert exact.status_code == 200, exact.text
    root = ElementTree.fromstring(exact.content)
    inputs = {
        node.text for node in root.iter("Object") if node.text and node.text.startswith("input/")
    }
    assert inputs == {"input/p2.jpg"} and job_id in exact.text
    none = _signed_get(client, kit, "jobs", {**base, "inventoryTriggerJobId": "b" + "9" * 32})
    assert none.status_code == 200 and "<JobsDetail>" not in none.text
    token = _signed_get(client, kit, "pic_jobs", {**base, "nextToken": "not-a-token"})
    assert token.status_code == 400
