"""The official ``sigopt`` client bound to a dialin server, and ways to read its answers."""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import pytest
from sigopt import Connection
from sigopt.exception import ApiException
from sigopt.ratelimit import failed_status_rate_limit

__all__ = ["ApiError", "connect", "first_page", "raises_api_error"]


def connect(api_url: str, token: str) -> Connection:
    """``Connection(client_token=token)`` pointed at ``api_url``, exactly as users write it."""
    conn = Connection(client_token=token)
    conn.set_api_url(api_url)
    return conn


@dataclass
class ApiError:
    """Filled in when the block of ``raises_api_error`` ends: what the client raised."""

    status: int | None = None
    message: str = ""
    body: dict[str, Any] = field(default_factory=dict)


@contextmanager
def raises_api_error(status: int) -> Iterator[ApiError]:
    """Expect the client to raise ``ApiException`` with ``status``.

    The client sleeps after its fifth consecutive error in a process; tests expect errors on
    purpose, so the count restarts after each expected one.
    """
    error = ApiError()
    with pytest.raises(ApiException) as raised:
        yield error
    failed_status_rate_limit.clear()
    error.status = raised.value.status_code
    error.message = raised.value.message or ""
    error.body = raised.value.to_json() or {}
    assert error.status == status, f"expected {status}, got {error.status}: {error.message}"


def first_page(pagination: Any) -> list[Any]:
    """The items of one page, without the client's warning that a page may be partial."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        return list(pagination.data)
