"""What CI answers about an image without changing it: imageInfo, exif, imageAve, ImageInspect.

Each function takes the image bytes and returns the JSON object CI sends (addendum rulings
21-24); `answer_query` gives the exact bytes for a parsed query stage, and `image_info_record`
the `ImageInfo` record of a persistent-processing response.
"""

from __future__ import annotations

from ciimage.info.answer import answer_query
from ciimage.info.average import image_ave
from ciimage.info.basic import image_info
from ciimage.info.exif_tags import exif
from ciimage.info.inspection import inspect
from ciimage.info.record import image_info_record

__all__ = ["answer_query", "exif", "image_ave", "image_info", "image_info_record", "inspect"]
