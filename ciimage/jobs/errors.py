"""Errors of the job APIs, typed like the rest of ciimage; codes from CI's error-code table."""

from __future__ import annotations

from ciimage.errors import CIError


class InvalidJobError(CIError):
    """A job, batch or queue request whose values are outside what CI documents (-60998)."""

    code = -60998
    cos_code = "InvalidArgument"
    http_status = 400


class NoSuchJobError(CIError):
    code = -60998
    cos_code = "NoSuchJob"
    http_status = 404


class NoSuchQueueError(CIError):
    code = -60998
    cos_code = "NoSuchQueue"
    http_status = 404
