"""A small JSON-over-HTTP client (``urllib.request``) that raises dialin's typed errors.

HTTP status      raised
400              InvalidField (the field the server named)
401              Unauthenticated
403              Forbidden
404              NotFound
409              Conflict
other / no reply DialinError
"""

from __future__ import annotations

import base64
import json
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Mapping
from typing import Any

from dialin.errors import (
    Conflict,
    DialinError,
    Forbidden,
    InvalidField,
    NotFound,
    Unauthenticated,
)

__all__ = ["ApiClient"]

_TIMEOUT_S = 60.0


def _error(status: int, body: Mapping[str, Any]) -> DialinError:
    message = str(body.get("message") or f"HTTP {status}")
    if status == 400:
        return InvalidField(str(body.get("field") or "body"), message)
    if status == 401:
        return Unauthenticated(message)
    if status == 403:
        return Forbidden(message)
    if status == 404:
        return NotFound(message)
    if status == 409:
        return Conflict(message)
    return DialinError(f"{message} (HTTP {status})")


class ApiClient:
    """Calls ``api_url`` with the token as HTTP basic user name, as SigOpt clients do."""

    def __init__(self, api_url: str, token: str | None) -> None:
        self.api_url = api_url.rstrip("/")
        self._auth = "Basic " + base64.b64encode(f"{token}:".encode()).decode() if token else None

    def request(
        self,
        method: str,
        path: str,
        body: Mapping[str, Any] | None = None,
        query: Mapping[str, str | int] | None = None,
    ) -> Any:
        url = self.api_url + path
        if query:
            url += "?" + urllib.parse.urlencode(query)
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(url, data=data, method=method)
        request.add_header("Accept", "application/json")
        if data is not None:
            request.add_header("Content-Type", "application/json")
        if self._auth:
            request.add_header("Authorization", self._auth)
        try:
            with urllib.request.urlopen(request, timeout=_TIMEOUT_S) as response:
                payload = response.read()
        except urllib.error.HTTPError as error:
            raw = error.read()
            try:
                parsed = json.loads(raw) if raw else {}
            except ValueError:
                parsed = {"message": raw.decode(errors="replace")[:200]}
            raise _error(error.code, parsed if isinstance(parsed, dict) else {}) from error
        except (urllib.error.URLError, OSError) as error:
            reason = getattr(error, "reason", error)
            raise DialinError(f"cannot reach the dialin API at {self.api_url}: {reason}") from error
        return json.loads(payload) if payload else None

    def get(self, path: str, query: Mapping[str, str | int] | None = None) -> Any:
        return self.request("GET", path, query=query)

    def post(self, path: str, body: Mapping[str, Any] | None = None) -> Any:
        return self.request("POST", path, body={} if body is None else body)
