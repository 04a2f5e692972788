"""Query-string parameters of GET and DELETE requests (SigOpt §1.4, §1.7)."""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Collection, Mapping

from dialin.domain.metadata import show
from dialin.domain.names import invalid
from dialin.domain.paging import MAX_PAGE_SIZE, PageRequest, SortKey

__all__ = [
    "decode_marker",
    "encode_marker",
    "parse_bool",
    "parse_id_list",
    "parse_int",
    "parse_page_request",
]

_TRUE = {"true", "1"}
_FALSE = {"false", "0"}


def parse_bool(name: str, raw: str | None, default: bool | None = None) -> bool | None:
    """``true``/``false`` in any case (the client sends ``True``/``False``) and ``1``/``0``."""
    if raw is None:
        return default
    text = raw.strip().lower()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise invalid(name, f"Invalid boolean value for {name}: {show(raw)}")


def parse_int(name: str, raw: str | None, default: int | None = None) -> int | None:
    if raw is None:
        return default
    try:
        return int(raw.strip())
    except ValueError as error:
        raise invalid(
            name, f"Invalid type for {name}: {show(raw)} - expected type integer"
        ) from error


def parse_id_list(name: str, raw: str | None) -> list[int] | None:
    """``"1,2,3"`` as ids; empty items are skipped."""
    if raw is None:
        return None
    ids: list[int] = []
    for part in raw.split(","):
        part = part.strip()
        if not part:
            continue
        if not part.isascii() or not part.isdigit():
            raise invalid(name, f"Invalid id in {name}: {show(part)} - expected an integer")
        ids.append(int(part))
    return ids


def _reject_constant(name: str) -> object:
    raise ValueError(name)


def encode_marker(key: SortKey) -> str:
    """URL-safe base64, without padding, of the JSON of the sort-key tuple."""
    text = json.dumps(list(key), separators=(",", ":"), allow_nan=False)
    return base64.urlsafe_b64encode(text.encode("utf-8")).decode("ascii").rstrip("=")


def decode_marker(field: str, marker: str) -> SortKey:
    if not marker:
        raise invalid(field, f"Invalid paging marker: {field} cannot be empty")
    try:
        padded = marker + "=" * (-len(marker) % 4)
        decoded = base64.urlsafe_b64decode(padded.encode("ascii"))
        value = json.loads(decoded.decode("utf-8"), parse_constant=_reject_constant)
    except (ValueError, UnicodeError, binascii.Error, RecursionError) as error:
        raise invalid(field, f"Invalid paging marker: {show(marker)} ({field})") from error
    if not isinstance(value, list) or not value:
        raise invalid(field, f"Invalid paging marker: {show(marker)} ({field})")
    for item in value:
        if item is not None and (isinstance(item, bool) or not isinstance(item, int | float | str)):
            raise invalid(field, f"Invalid paging marker: {show(marker)} ({field})")
    return tuple(value)


def parse_page_request(
    query: Mapping[str, str], *, sorts: Collection[str], default_sort: str = "id"
) -> PageRequest:
    limit = parse_int("limit", query.get("limit"), MAX_PAGE_SIZE)
    assert limit is not None
    if limit < 0:
        raise invalid("limit", f"Invalid value for limit: {limit} - must not be negative")
    if limit > MAX_PAGE_SIZE:
        raise invalid("limit", f"Invalid value for limit: {limit} - at most {MAX_PAGE_SIZE}")
    before = query.get("before")
    after = query.get("after")
    if before is not None and after is not None:
        raise invalid("before", "Provide at most one of before, after")
    sort = query.get("sort", default_sort) or default_sort
    if sort not in sorts:
        raise invalid("sort", f"Invalid sort: {show(sort)} - must be one of {sorted(sorts)}")
    return PageRequest(
        limit=limit,
        before=decode_marker("before", before) if before is not None else None,
        after=decode_marker("after", after) if after is not None else None,
        sort=sort,
        ascending=bool(parse_bool("ascending", query.get("ascending"), False)),
    )
