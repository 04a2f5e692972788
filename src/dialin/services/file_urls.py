"""Short-lived signed URLs for file bytes: uploads need no API token (the client sends none),
so the URL itself carries the permission."""

from __future__ import annotations

import hashlib
import hmac
from typing import Literal, TypeAlias

from dialin.errors import Forbidden

__all__ = ["DOWNLOAD_SECONDS", "UPLOAD_SECONDS", "Action", "signed_path", "verify_signature"]

Action: TypeAlias = Literal["upload", "download"]
UPLOAD_SECONDS = 15 * 60
DOWNLOAD_SECONDS = 60 * 60


def _signature(secret: str, action: Action, file_id: int, expires: int) -> str:
    message = f"{action}:{file_id}:{expires}".encode()
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def signed_path(secret: str, action: Action, file_id: int, expires: int) -> str:
    """The path and query, under the API root, that grants ``action`` on the file until
    ``expires``."""
    signature = _signature(secret, action, file_id, expires)
    return f"/v1/files/{file_id}/content?expires={expires}&signature={signature}"


def verify_signature(
    secret: str, action: Action, file_id: int, expires: int, signature: str, now: int
) -> None:
    expected = _signature(secret, action, file_id, expires)
    if not hmac.compare_digest(expected, signature):
        raise Forbidden("Invalid file URL signature")
    if now > expires:
        raise Forbidden("This file URL has expired; request a new one")
