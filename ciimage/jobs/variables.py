"""Output-key variables of CI jobs: `${InputName}.${ext}` and the rest (design §3.8, ruling A15).

Names not listed here (`${RunId}`, `${Number}`, `${Time}` ...) stay literal: they belong to
workflows and media jobs, which this server does not run.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_VARIABLE = re.compile(r"\$\{([A-Za-z]+)\}")

# The output format's usual file extension (CI format names as ciimage.process reports them).
_EXTENSIONS = {"jpeg": "jpg", "yjpeg": "jpg", "heic": "heif", "svgc": "svg"}


def extension_for_format(image_format: str) -> str:
    name = image_format.lower()
    return _EXTENSIONS.get(name, name)


@dataclass(frozen=True)
class OutputNames:
    """What the variables of one job expand to."""

    input_key: str
    job_id: str
    output_format: str
    inventory_job_id: str = ""

    def values(self) -> dict[str, str]:
        folder, _, name_and_ext = self.input_key.rpartition("/")
        name = name_and_ext.rsplit(".", 1)[0] if "." in name_and_ext[1:] else name_and_ext
        ext = extension_for_format(self.output_format)
        return {
            "InputPath": folder,
            "InputName": name,
            "InputNameAndExt": name_and_ext,
            "ext": ext,
            "Ext": ext,
            "Jobid": self.job_id,
            "InventoryTriggerJobId": self.inventory_job_id,
        }

    def expand(self, template: str) -> str:
        """The output key: variables replaced, one leading `/` dropped (ruling A9)."""
        values = self.values()
        expanded = _VARIABLE.sub(lambda match: values.get(match[1], match[0]), template)
        return expanded[1:] if expanded.startswith("/") else expanded
