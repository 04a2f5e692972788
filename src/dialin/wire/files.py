"""Files logged on training runs: create bodies in (§4.10), ``file`` objects out (§3.16)."""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Mapping

from dialin.domain.names import invalid
from dialin.domain.runs import File
from dialin.wire.fields import expect_positive_integer, expect_string, reject_unknown_keys, require
from dialin.wire.render import render_id

__all__ = ["parse_file_create", "render_file"]

FILE_NAME_MAX_LENGTH = 100
_BASE_TYPES = ("application", "audio", "font", "image", "message", "multipart", "text", "video")
_MEDIA_TYPE = re.compile(r"^([a-z]+)/[a-z0-9][a-z0-9!#$&^_.+-]*$")


def _optional_name(body: Mapping[str, object], key: str) -> str | None:
    value = body.get(key)
    if value is None:
        return None
    text = expect_string(value, key)
    if not text or len(text) > FILE_NAME_MAX_LENGTH:
        raise invalid(key, f"{key} must have 1 to {FILE_NAME_MAX_LENGTH} characters")
    return text


def parse_file_create(body: Mapping[str, object]) -> File:
    """The file to expect (id, client and created are the service's to fill in)."""
    reject_unknown_keys(body, ("content_length", "content_md5", "content_type", "filename", "name"))
    length = expect_positive_integer(require(body, "content_length"), "content_length")
    content_type = expect_string(require(body, "content_type"), "content_type").strip().lower()
    match = _MEDIA_TYPE.match(content_type)
    if match is None or match.group(1) not in _BASE_TYPES:
        raise invalid("content_type", f"Invalid content_type: {content_type[:100]!r}")
    md5 = expect_string(require(body, "content_md5"), "content_md5")
    try:
        digest = base64.b64decode(md5, validate=True)
    except (binascii.Error, ValueError) as error:
        raise invalid("content_md5", "content_md5 must be base64") from error
    if len(digest) != 16:
        raise invalid("content_md5", "content_md5 must be the base64 of a 16-byte MD5 digest")
    name, filename = _optional_name(body, "name"), _optional_name(body, "filename")
    if name is None and filename is None:
        raise invalid("name", "Provide at least one of name, filename")
    return File(
        id=0,
        client_id=0,
        created=0,
        content_length=length,
        content_type=content_type,
        content_md5=md5,
        name=name,
        filename=filename,
    )


def render_file(
    file: File, *, upload_url: str | None = None, download_url: str | None = None
) -> dict[str, object]:
    """With ``upload_url`` on create (and the headers the upload must carry), else the download."""
    rendered: dict[str, object] = {
        "object": "file",
        "id": render_id(file.id),
        "name": file.name,
        "filename": file.filename,
        "client": render_id(file.client_id),
        "user": None,
        "created": int(file.created),
        "content_length": file.content_length,
        "content_type": file.content_type,
        "content_md5": file.content_md5,
    }
    if upload_url is not None:
        rendered["upload"] = {
            "object": "s3_upload",
            "url": upload_url,
            "method": "PUT",
            "headers": {"Content-Type": file.content_type, "Content-MD5": file.content_md5},
        }
    else:
        rendered["download"] = {"object": "s3_download", "url": download_url}
    return rendered
