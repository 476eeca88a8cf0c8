"""PicProcess jobs as CI's documents define them: requests checked, answers rendered (XML/JSON).

Requests arrive as the nested dicts of `xmlmap.parse_request`; answers are the dicts the SDK
parses back (`JobsDetail`, `QueueList` ...), rendered by `xmlmap.render` or as JSON for callbacks.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import urlsplit

from ciimage.jobs.config import DEFAULT_CALLBACK_HOSTS
from ciimage.jobs.errors import InvalidJobError
from ciimage.jobs.store import BatchRow, Callback, JobRow, QueueRow
from ciimage.jobs.xmlmap import XmlValue, text

SERVED_TAG = "PicProcess"
TIME_FORMAT = "%Y-%m-%dT%H:%M:%S%z"
MAX_USER_DATA = 1024
MAX_NAME = 128
JOB_LEVELS = ("0", "1", "2")


def format_time(epoch: float | None) -> str:
    """CI's `2022-07-18T15:16:43+0800`, in the server's local zone (ruling A2); `-` when unset."""
    if epoch is None:
        return "-"
    return datetime.fromtimestamp(epoch).astimezone().strftime(TIME_FORMAT)


def parse_time(value: str, name: str) -> float:
    """`%Y-%m-%dT%H:%M:%S%z` (also `+08:00` and `Z`) -> epoch seconds; 400 otherwise."""
    try:
        return datetime.strptime(value, TIME_FORMAT).timestamp()
    except ValueError:
        pass
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise InvalidJobError(
            f"{name} {value!r} is not a time like 2022-07-18T15:16:43+0800"
        ) from None
    return (parsed if parsed.tzinfo else parsed.astimezone()).timestamp()


def check_tag(tag: str | None) -> str:
    if not tag:
        raise InvalidJobError(f"tag is required: {SERVED_TAG} is the one served")
    if tag != SERVED_TAG:
        raise InvalidJobError(
            f"Tag {tag!r} is not served by ciimage: it runs PicProcess jobs only "
            "(media, audio, document and AI jobs are not served)"
        )
    return tag


@dataclass(frozen=True)
class CallbackPolicy:
    """`--callback-allow HOST[:PORT]`: the only hosts a callback may go to (ruling A19)."""

    allowed: frozenset[str] = frozenset(DEFAULT_CALLBACK_HOSTS)

    def check(self, url: str, field: str) -> str:
        parts = urlsplit(url)
        host = (parts.hostname or "").lower()
        if parts.scheme not in ("http", "https") or not host:
            raise InvalidJobError(f"{field} {url!r} is not an http:// or https:// URL")
        port = parts.port or (443 if parts.scheme == "https" else 80)
        if host not in self.allowed and f"{host}:{port}" not in self.allowed:
            raise InvalidJobError(
                f"{field} {url!r}: host {host} is not allowed for callbacks; start the server "
                f"with --callback-allow {host} to allow it (allowed now: "
                f"{', '.join(sorted(self.allowed))})"
            )
        return url


def _user_data(value: str | None) -> str | None:
    if value is None:
        return None
    if len(value) > MAX_USER_DATA or not all(" " <= char <= "~" for char in value):
        raise InvalidJobError(
            f"UserData must be at most {MAX_USER_DATA} printable ASCII characters"
        )
    return value


def _job_level(value: str | None) -> int:
    if value in (None, ""):
        return 0
    if value not in JOB_LEVELS:
        raise InvalidJobError(f"JobLevel {value!r} must be 0, 1 or 2")
    return int(value)


def _output(operation: Mapping[str, XmlValue], buckets: frozenset[str]) -> dict[str, str]:
    output = {
        name: text(operation, "Output", name) or "" for name in ("Region", "Bucket", "Object")
    }
    missing = [name for name, value in output.items() if not value]
    if missing:
        raise InvalidJobError(f"Operation.Output needs {', '.join(missing)}")
    if output["Bucket"] not in buckets:
        raise InvalidJobError(
            f"Operation.Output.Bucket {output['Bucket']!r} is not a bucket of this server"
        )
    return output


def pic_operation(
    operation: Mapping[str, XmlValue],
    pic_process: Mapping[str, XmlValue],
    buckets: frozenset[str],
) -> tuple[dict[str, object], int]:
    """The echo of a job's Operation (Output, PicProcess, UserData, JobLevel) and its level."""
    if text(operation, "TemplateId") or text(operation, "JobParam", "TemplateId"):
        raise InvalidJobError("TemplateId is not served: give Operation.PicProcess.ProcessRule")
    rule = text(pic_process, "ProcessRule")
    if not rule:
        raise InvalidJobError(
            "PicProcess.ProcessRule is required (a CI rule, e.g. imageMogr2/rotate/90)"
        )
    is_pic_info = (text(pic_process, "IsPicInfo") or "false").lower()
    if is_pic_info not in ("true", "false"):
        raise InvalidJobError(f"PicProcess.IsPicInfo {is_pic_info!r} must be true or false")
    level = _job_level(text(operation, "JobLevel"))
    echo: dict[str, object] = {
        "Output": _output(operation, buckets),
        "PicProcess": {"IsPicInfo": is_pic_info, "ProcessRule": rule},
    }
    user_data = _user_data(text(operation, "UserData"))
    if user_data is not None:
        echo["UserData"] = user_data
    echo["JobLevel"] = str(level)
    return echo, level


def job_callback(
    request: Mapping[str, XmlValue], queue: QueueRow, policy: CallbackPolicy
) -> Callback | None:
    """The job's CallBack, else the queue's NotifyConfig (design §3.10); `no` means none."""
    if (text(request, "CallBackType") or "Url") != "Url":
        raise InvalidJobError("CallBackType TDMQ is not served; callbacks go to a Url")
    fmt = (text(request, "CallBackFormat") or queue.notify.get("ResultFormat") or "XML").upper()
    if fmt not in ("XML", "JSON"):
        raise InvalidJobError(f"CallBackFormat {fmt!r} must be XML or JSON")
    url = text(request, "CallBack")
    if url == "no":
        return None
    if url:
        return Callback(policy.check(url, "CallBack"), fmt)
    notify = queue.notify
    if (
        notify.get("State") == "On"
        and notify.get("Type") == "Url"
        and "TaskFinish" in notify.get("Event", "")
    ):
        return Callback(notify["Url"], fmt)
    return None


def check_queue_id(request: Mapping[str, XmlValue], queue: QueueRow, *path: str) -> None:
    queue_id = text(request, *path) if path else text(request, "QueueId")
    if queue_id and queue_id != queue.queue_id:
        raise InvalidJobError(
            f"QueueId {queue_id!r} is not this bucket's PicProcessing queue ({queue.queue_id})"
        )


# ---- answers ----


def jobs_detail(job: JobRow) -> dict[str, object]:
    operation = dict(job.operation)
    ordered: dict[str, object] = {
        "Output": operation.get("Output"),
        "PicProcess": operation.get("PicProcess"),
    }
    if job.result is not None:
        ordered["PicProcessResult"] = job.result
    for name in ("UserData", "JobLevel"):
        if name in operation:
            ordered[name] = operation[name]
    return {
        "Code": job.code,
        "Message": job.message,
        "JobId": job.job_id,
        "State": job.state,
        "CreationTime": format_time(job.created),
        "StartTime": format_time(job.started),
        "EndTime": format_time(job.ended),
        "QueueId": job.queue_id,
        "Tag": job.tag,
        "Input": {"BucketId": job.bucket, "Object": job.input_object, "Region": job.region},
        "Operation": ordered,
    }


def batch_detail(batch: BatchRow) -> dict[str, object]:
    return {
        "Code": batch.code,
        "Message": batch.message,
        "Type": batch.type,
        "Name": batch.name,
        "JobId": batch.job_id,
        "State": batch.state,
        "CreationTime": format_time(batch.created),
        "StartTime": format_time(batch.started),
        "EndTime": format_time(batch.ended),
        "Input": batch.input,
        "Operation": batch.operation,
    }


def queue_detail(queue: QueueRow) -> dict[str, object]:
    notify = queue.notify
    return {
        "QueueId": queue.queue_id,
        "Name": queue.name,
        "State": queue.state,
        "NotifyConfig": {
            name: notify.get(name, "") for name in ("Url", "Event", "Type", "State", "ResultFormat")
        },
        "MaxSize": str(queue.max_size),
        "MaxConcurrent": str(queue.max_concurrent),
        "UpdateTime": format_time(queue.update_time),
        "CreateTime": format_time(queue.create_time),
        "Category": "PicProcessing",
    }


def callback_body(job: JobRow, fmt: str) -> tuple[str, bytes]:
    """(Content-Type, body) of the TaskFinish callback (spec: EventName first)."""
    from ciimage.jobs.xmlmap import render

    detail = jobs_detail(job)
    if fmt == "JSON":
        operation = dict(detail["Operation"])  # type: ignore[call-overload]
        operation["JobLevel"] = int(str(operation.get("JobLevel", "0")))
        detail["Operation"] = operation
        payload = {"EventName": "TaskFinish", "JobsDetail": [detail]}
        return "application/json; charset=utf-8", json.dumps(payload).encode("utf-8")
    return "application/xml", render("Response", {"EventName": "TaskFinish", "JobsDetail": detail})


STATES_FILTER = frozenset(("Submitted", "Running", "Success", "Failed", "Pause", "Cancel"))
