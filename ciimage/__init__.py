"""ciimage: Tencent Cloud Infinite (CI) image processing, reproduced offline.

Public API (imported lazily so that `import ciimage` stays cheap):

- `parse(text) -> Pipeline`, `validate(text) -> Pipeline`: the rule language.
- `process(data, rule, ...) -> Result`, `plan(rule, width, height) -> Plan`: the executor.
- `prepare(data, rule, *, resolver, limits, ...) -> ExecutionPlan` and
  `execute(plan, data, backend=None) -> Result`: the same in two halves; the plan is frozen and
  picklable, so it can be run elsewhere (jobs) from (plan, input bytes).
- `image_info`, `exif`, `image_ave`, `inspect` (each takes bytes): what CI answers about an image.
- `extract_watermark(data, rule, ...) -> WatermarkExtraction`: read a blind watermark/4.
- `CIError`, `RuleError` and the other typed errors of `ciimage.errors`.
"""

from __future__ import annotations

import importlib
from typing import Any

from ciimage.errors import CIError, RuleError

__version__ = "0.1.0"

_LAZY = {
    "parse": "ciimage.rules",
    "validate": "ciimage.rules",
    "Pipeline": "ciimage.rules.ast",
    "process": "ciimage.imaging.process",
    "Result": "ciimage.imaging.execute",
    "prepare": "ciimage.imaging.prepare",
    "execute": "ciimage.imaging.execute",
    "ExecutionPlan": "ciimage.imaging.prepare",
    "Limits": "ciimage.imaging.context",
    "plan": "ciimage.imaging.plan",
    "Plan": "ciimage.imaging.plan",
    "image_info": "ciimage.info",
    "exif": "ciimage.info",
    "image_ave": "ciimage.info",
    "inspect": "ciimage.info",
    "extract_watermark": "ciimage.watermark.blind",
    "WatermarkExtraction": "ciimage.watermark.blind",
}

__all__ = ["CIError", "RuleError", "__version__", *_LAZY]


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'ciimage' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value
