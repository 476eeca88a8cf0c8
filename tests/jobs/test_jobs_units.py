"""The job pieces on their own: variables, the path recogniser, the store, executors, callbacks."""

from __future__ import annotations

import base64
import dataclasses
import io
import pickle
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

import ciimage
from ciimage.jobs.callbacks import post
from ciimage.jobs.dispatcher import JobDispatcher
from ciimage.jobs.errors import InvalidJobError
from ciimage.jobs.executors import (
    PREFETCH_PER_SLOT,
    SHIPMENT_BYTES,
    DaskExecutor,
    ThreadExecutor,
    shipments,
)
from ciimage.jobs.model import CallbackPolicy, parse_time
from ciimage.jobs.store import JobFilter, JobStore, NewJob
from ciimage.jobs.variables import OutputNames
from ciimage.jobs.worker import PicTask, prepare_task, run_pic_task
from ciimage.server.ci_paths import CIRouteKind, recognise

ID = "c" + "a" * 32


def test_output_variables() -> None:
    names = OutputNames(
        "dir/sub/cat.photo.JPG", job_id=ID, output_format="jpeg", inventory_job_id="b1"
    )
    template = (
        "${InputPath}/${InputName}-${InputNameAndExt}.${ext}/${Jobid}/${InventoryTriggerJobId}"
    )
    assert names.expand(template) == f"dir/sub/cat.photo-cat.photo.JPG.jpg/{ID}/b1"
    assert (
        OutputNames("top.png", ID, "webp").expand("/${InputPath}/${InputName}.${Ext}")
        == "/top.webp"
    )
    assert (
        OutputNames("top.png", ID, "png").expand("${RunId}/${Number}.${ext}")
        == "${RunId}/${Number}.png"
    )
    assert OutputNames(".hidden", ID, "png").expand("${InputName}") == ".hidden"


@pytest.mark.parametrize(
    ("method", "key", "params", "kind"),
    [
        ("POST", "pic_jobs", set(), CIRouteKind.CREATE_JOB),
        ("POST", "jobs", {"response-cache-control"}, CIRouteKind.CREATE_JOB),
        ("POST", "inventorytriggerjob", set(), CIRouteKind.CREATE_BATCH),
        ("GET", "pic_jobs", {"tag", "size"}, CIRouteKind.LIST_JOBS),
        ("GET", f"pic_jobs/{ID},{ID}", set(), CIRouteKind.GET_JOBS),
        ("PUT", "jobs/anything?", {"cancel"}, CIRouteKind.CANCEL_JOB),
        ("PUT", "inventorytriggerjob/b1", {"cancel"}, CIRouteKind.CANCEL_BATCH),
        ("PUT", "picqueue/p" + "0" * 32, set(), CIRouteKind.UPDATE_QUEUE),
        ("GET", "picqueue", {"state", "queueids"}, CIRouteKind.GET_QUEUES),
        ("GET", "inventorytriggerjob", {"type"}, CIRouteKind.LIST_BATCHES),
    ],
)
def test_job_shapes_on_the_cos_host(
    method: str, key: str, params: set[str], kind: CIRouteKind
) -> None:
    route = recognise(method, key, params, ci_host=False, object_exists=lambda _: False)
    assert route is not None and route.kind is kind


@pytest.mark.parametrize(
    ("method", "key", "params"),
    [
        ("POST", "pic_jobs", {"image_process"}),  # persistent processing of an object
        ("PUT", "pic_jobs", set()),  # an upload named pic_jobs
        ("GET", "pic_jobs/not-an-id", set()),  # ruling A1
        ("GET", "jobs", set()),  # no tag: the object named jobs
        ("PUT", "picqueue/queue-1", set()),
    ],
)
def test_object_requests_stay_object_requests(method: str, key: str, params: set[str]) -> None:
    assert recognise(method, key, params, ci_host=False, object_exists=lambda _: False) is None


def test_an_existing_object_wins_a_get_but_not_a_cancel() -> None:
    exists = lambda key: True  # noqa: E731
    assert recognise("GET", f"jobs/{ID}", set(), ci_host=False, object_exists=exists) is None
    cancel = recognise("PUT", f"jobs/{ID}", {"cancel"}, ci_host=False, object_exists=exists)
    assert cancel is not None and cancel.kind is CIRouteKind.CANCEL_JOB
    unknown = recognise("GET", "photos/a.jpg", set(), ci_host=True, object_exists=exists)
    assert unknown is not None and unknown.kind is CIRouteKind.UNKNOWN


def _job(level: int, key: str = "a.jpg") -> NewJob:
    return NewJob(
        bucket="b-1", region="r", input_object=key, operation={}, job_level=level, callback=None
    )


def test_store_claims_highest_level_first_and_recovers_running(tmp_path: Path) -> None:
    store = JobStore(tmp_path)
    low, high, middle = _job(0), _job(2), _job(1)
    store.insert_jobs([low, high, middle], paused=False)
    assert [job.job_id for job in store.claim_runnable(2)] == [high.job_id, middle.job_id]
    store.close()
    reopened = JobStore(tmp_path)  # as after a crash: Running jobs run again
    assert len(reopened.recover()) == 2
    assert [job.job_id for job in reopened.claim_runnable(5)] == [
        high.job_id,
        middle.job_id,
        low.job_id,
    ]
    reopened.close()


def test_one_root_one_dispatching_server(tmp_path: Path) -> None:
    store = JobStore(tmp_path)
    with pytest.raises(RuntimeError, match="another ciimage server"):
        JobStore(tmp_path)
    store.close()


def test_store_filters_and_tokens(tmp_path: Path) -> None:
    store = JobStore(tmp_path)
    jobs = [_job(0, f"k{index}") for index in range(7)]
    store.insert_jobs(jobs, paused=True)
    page, token = store.list_jobs("b-1", JobFilter(), ascending=True, size=3, token=None)
    assert [job.input_object for job in page] == ["k0", "k1", "k2"] and token is not None
    rest, end = store.list_jobs("b-1", JobFilter(), ascending=True, size=10, token=token)
    assert [job.input_object for job in rest] == [
        f"k{index}" for index in range(3, 7)
    ] and end is None
    exact = JobFilter(input_object="k4", states=frozenset({"Pause"}))
    assert [
        job.input_object
        for job in store.list_jobs("b-1", exact, ascending=False, size=5, token=None)[0]
    ] == ["k4"]
    store.close()


def test_callback_policy_and_times() -> None:
    policy = CallbackPolicy(frozenset({"127.0.0.1", "hooks.example:8443"}))
    assert policy.check("http://127.0.0.1:9/cb", "CallBack")
    assert policy.check("https://hooks.example:8443/x", "CallBack")
    with pytest.raises(InvalidJobError, match=r"--callback-allow hooks\.example"):
        policy.check("https://hooks.example/x", "CallBack")
    with pytest.raises(InvalidJobError):
        policy.check("ftp://127.0.0.1/x", "CallBack")
    assert parse_time("2022-07-18T15:16:43+0800", "t") == parse_time("2022-07-18T07:16:43Z", "t")
    with pytest.raises(InvalidJobError):
        parse_time("yesterday", "t")


def test_callback_redirects_are_not_followed(receiver: Any) -> None:
    import threading
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    target = receiver.url

    class Redirect(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            self.send_response(307)
            self.send_header("Location", target)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Redirect)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        status = post(f"http://127.0.0.1:{server.server_address[1]}/cb", "application/xml", b"<a/>")
    finally:
        server.shutdown()
        server.server_close()
    assert status == 307 and receiver.received == []


def _task(kit: Any, rule: str = "imageMogr2/rotate/90") -> PicTask:
    return prepare_task(ID, kit.photo(30, 20), ciimage.validate(rule), None)


def test_worker_task_is_a_picklable_plan_and_reports_errors_as_values(kit: Any) -> None:
    task = pickle.loads(pickle.dumps(_task(kit)))
    outcome = run_pic_task(task)
    assert (outcome.width, outcome.height, outcome.failure) == (20, 30, None)
    stale = dataclasses.replace(task, version="0.0.0")
    failure = run_pic_task(stale).failure
    assert failure is not None and "server 0.0.0" in failure.message


def test_task_input_travels_out_of_band_with_protocol_5(kit: Any) -> None:
    """As Dask pickles: the input is a buffer of its own, not copied into the stream."""
    task = prepare_task(ID, kit.photo(300, 200), ciimage.validate("imageMogr2/rotate/90"), None)
    buffers: list[pickle.PickleBuffer] = []
    stream = pickle.dumps(task, protocol=5, buffer_callback=buffers.append)
    assert [bytes(buffer.raw()) for buffer in buffers] == [task.data]
    assert task.data not in stream
    received = pickle.loads(stream, buffers=[memoryview(bytearray(task.data))])
    assert received == task and type(received.data) is bytes


def test_shipments_group_by_count_and_input_bytes(kit: Any) -> None:
    small = _task(kit)
    large = dataclasses.replace(small, data=b"x" * (SHIPMENT_BYTES // 2 + 1))
    assert [len(group) for group in shipments([small] * 9, 4)] == [4, 4, 1]
    # two large inputs would be over SHIPMENT_BYTES together: each goes alone
    sizes = [len(group) for group in shipments([small, large, large, small], 4)]
    assert sizes == [2, 2]
    assert shipments([], 4) == []


class _SixteenPerShipment:
    """What `_shipment_size` asks of an executor: 2 worker threads, shipments of 16."""

    name = "fake"
    shipment = 16

    def slots(self) -> int:
        return 2 * PREFETCH_PER_SLOT * self.shipment


def test_a_claim_made_while_nothing_runs_is_spread_over_every_worker_thread() -> None:
    dispatcher = JobDispatcher(None, _SixteenPerShipment(), None)  # type: ignore[arg-type]
    assert dispatcher._shipment_size(20) == 10  # 10 + 10 on 2 threads, not 16 + 4
    assert dispatcher._shipment_size(64) == 16
    assert dispatcher._shipment_size(1) == 1
    dispatcher._in_flight["running"] = None  # type: ignore[assignment]
    assert dispatcher._shipment_size(16) == 16  # while others run: whole shipments


def test_thread_executor_abandon_frees_the_thread(kit: Any) -> None:
    """A task given up on keeps computing, but the next task runs beside it."""
    import threading

    from ciimage.jobs import thread_executor

    release = threading.Event()
    original = thread_executor.run_pic_task

    def blocking(task: PicTask) -> Any:
        if task.job_id == "stuck":
            release.wait(30)
        return original(task)

    executor = ThreadExecutor(1)
    thread_executor.run_pic_task = blocking
    try:
        executor.start()
        stuck, waiting = executor.submit(
            [dataclasses.replace(_task(kit), job_id="stuck"), _task(kit)]
        )
        kit.wait_for(stuck.running, timeout=10, what="the stuck task to start")
        executor.abandon([stuck])
        assert waiting.result(timeout=30).failure is None
        assert not stuck.done()
        release.set()
        assert stuck.result(timeout=30).failure is None
    finally:
        release.set()
        thread_executor.run_pic_task = original
        executor.close()


def _logo() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGBA", (8, 8), (255, 0, 0, 255)).save(buffer, "PNG")
    return buffer.getvalue()


def test_watermarks_are_read_when_the_task_is_prepared(kit: Any, tmp_path: Path) -> None:
    """Server side, from the input's bucket: the worker gets tiles in the plan, not a URL."""
    from ciimage.errors import CIError
    from ciimage.watermark.resolver import BucketRootResolver

    url = "http://b-1.cos.ap-guangzhou.myqcloud.com/logo.png"
    rule = "watermark/1/image/" + base64.urlsafe_b64encode(url.encode()).decode()
    resolver = BucketRootResolver(tmp_path, bucket="b-1")
    with pytest.raises(CIError, match="logo"):
        prepare_task(ID, kit.photo(60, 40), ciimage.validate(rule), resolver)
    (tmp_path / "b-1").mkdir()
    (tmp_path / "b-1" / "logo.png").write_bytes(_logo())
    task = prepare_task(ID, kit.photo(60, 40), ciimage.validate(rule), resolver)
    (tmp_path / "b-1" / "logo.png").unlink()  # the worker never reads it
    shipped = pickle.loads(pickle.dumps(task))
    expected = ciimage.process(kit.photo(60, 40), rule, resolver=lambda _: _logo())
    assert run_pic_task(shipped).data == expected.data


@pytest.mark.parametrize(
    "make", [lambda: ThreadExecutor(2), lambda: DaskExecutor(None, 2, processes=False)]
)
def test_executors_run_the_same_task(make: Any, kit: Any) -> None:
    executor = make()
    executor.start()
    try:
        assert executor.slots() >= 2 * executor.shipment
        tasks = [_task(kit), _task(kit, "imageMogr2/rotate/180")]
        outcomes = [future.result(timeout=60) for future in executor.submit(tasks)]
    finally:
        executor.close()
    photo = kit.photo(30, 20)
    assert [outcome.data for outcome in outcomes] == [
        ciimage.process(photo, "imageMogr2/rotate/90").data,
        ciimage.process(photo, "imageMogr2/rotate/180").data,
    ]
