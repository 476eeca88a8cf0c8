"""`?ci-process=ImageInspect`: find an MPEG transport stream smuggled in or after an image.

A TS stream is a run of 188-byte packets, each opening with the sync byte 0x47. Every byte offset
is tested at once with a few contiguous numpy passes, so the search is linear in the file size. A
run counts when it has at least `MIN_PACKETS` packets whose headers are valid (no transport error,
adaptation_field_control never the reserved 0); that keeps flat image data (a BMP of colour
0x474747) and random bytes from passing for a stream.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ciimage.errors import ImageError
from ciimage.header import check_input_size, sniff_format

if TYPE_CHECKING:
    import numpy as np

TS_PACKET = 188
TS_SYNC = 0x47
MIN_PACKETS = 5

# Upper-case format names, as ImageInspect and the persistent-processing record spell them.
FORMAT_LABELS = {
    "jpg": "JPEG",
    "png": "PNG",
    "gif": "GIF",
    "webp": "WEBP",
    "bmp": "BMP",
    "heif": "HEIF",
    "avif": "AVIF",
    "svg": "SVG",
    "tpg": "TPG",
}
UNKNOWN_TYPE = "UNKNOWN"


@dataclass(frozen=True)
class HiddenStream:
    begin: int  # first byte, 0-based
    end: int  # last byte, inclusive (as CI reports it)
    kind: str = "MPEG-TS"

    @property
    def size(self) -> int:
        return self.end - self.begin + 1


def inspect(data: bytes) -> dict[str, Any]:
    """`picSize`, `picType`, `suspicious` and, when suspicious, where the stream is."""
    check_input_size(len(data))
    try:
        pic_type = FORMAT_LABELS[sniff_format(data)]
    except ImageError:
        pic_type = UNKNOWN_TYPE  # a TS file renamed as an image: exactly what this check is for
    report: dict[str, Any] = {"picSize": len(data), "picType": pic_type}
    stream = find_ts_stream(data)
    if stream is None:
        report["suspicious"] = False
        return report
    report.update(
        suspicious=True,
        suspiciousBeginByte=stream.begin,
        suspiciousEndByte=stream.end,
        suspiciousSize=stream.size,
        suspiciousType=stream.kind,
    )
    return report


def find_ts_stream(data: bytes) -> HiddenStream | None:
    """The longest run of valid TS packets (the earliest on a tie), or None."""
    import numpy as np

    raw = np.frombuffer(data, dtype=np.uint8)
    reach = MIN_PACKETS * TS_PACKET
    if len(raw) < reach:
        return None
    # A packet header is plausible at i when the sync byte is there, transport_error_indicator
    # is clear and adaptation_field_control is not the reserved value 0.
    plausible = np.zeros(len(raw), dtype=bool)
    plausible[:-3] = (raw[:-3] == TS_SYNC) & ((raw[1:-2] & 0x80) == 0) & ((raw[3:] & 0x30) != 0)
    # starts[i]: MIN_PACKETS plausible headers at i, i+188, ...; contiguous slices keep this a
    # handful of passes over memory whatever the phase.
    count = len(raw) - reach + 1
    starts = plausible[:count].copy()
    for packet in range(1, MIN_PACKETS):
        starts &= plausible[packet * TS_PACKET : packet * TS_PACKET + count]
    candidates = np.flatnonzero(starts)
    if candidates.size == 0:
        return None
    runs = sorted(_runs(candidates), key=lambda run: (-run[1], run[0]))
    begin, packets = _trim_strays(data, *runs[0])
    for run_begin, run_packets in runs[1:]:
        if (run_packets, -run_begin) < (packets, -begin):
            break  # trimming only shortens a run and moves it later: none of the rest can win
        trimmed_begin, trimmed_packets = _trim_strays(data, run_begin, run_packets)
        if (trimmed_packets, -trimmed_begin) > (packets, -begin):
            begin, packets = trimmed_begin, trimmed_packets
    return HiddenStream(begin=begin, end=begin + packets * TS_PACKET - 1)


def _runs(candidates: np.ndarray) -> list[tuple[int, int]]:
    """(begin, packets) of each maximal run, from the sorted offsets where a run of
    MIN_PACKETS starts: offsets 188 apart belong to one run."""
    import numpy as np

    by_phase = candidates[np.lexsort((candidates, candidates % TS_PACKET))]
    breaks = np.flatnonzero(np.diff(by_phase) != TS_PACKET) + 1
    firsts = np.concatenate(([0], breaks))
    lasts = np.concatenate((breaks - 1, [by_phase.size - 1]))
    return [
        (int(by_phase[f]), int((by_phase[t] - by_phase[f]) // TS_PACKET) + MIN_PACKETS)
        for f, t in zip(firsts, lasts, strict=True)
    ]


def _trim_strays(data: bytes, begin: int, packets: int) -> tuple[int, int]:
    """(begin, packets) without the packets at either end whose PID occurs nowhere else.

    Image bytes next to a real stream pass the per-packet checks about one time in a thousand;
    a real stream's PIDs repeat, and PAT (0) and null packets (0x1FFF) are always genuine.
    """
    headers = range(begin, begin + packets * TS_PACKET, TS_PACKET)
    pids = [((data[at + 1] & 0x1F) << 8) | data[at + 2] for at in headers]
    occurrences = Counter(pids)

    def stray(pid: int) -> bool:
        return pid not in (0, 0x1FFF) and occurrences[pid] == 1

    first, last = 0, packets - 1
    while last - first + 1 > MIN_PACKETS and stray(pids[first]):
        first += 1
    while last - first + 1 > MIN_PACKETS and stray(pids[last]):
        last -= 1
    return begin + first * TS_PACKET, last - first + 1
