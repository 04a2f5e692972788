"""Request bodies (SigOpt §1.4): strict JSON objects, and the ``fields`` filter on responses."""

from __future__ import annotations

import json
import math
from collections.abc import Mapping

from dialin.domain.names import invalid
from dialin.wire.fields import expect_list, expect_string

__all__ = ["parse_fields", "parse_json_body", "select_fields"]

_MALFORMED = "Malformed json in request body"
_JSON_TYPES = ("application/json", "application/x-www-form-urlencoded")


class _Malformed(ValueError):
    pass


def _reject_constant(name: str) -> object:
    raise _Malformed(name)


def _finite_float(text: str) -> float:
    value = float(text)
    # 1e999 parses to inf; SigOpt bodies never carry non-finite numbers.
    if not math.isfinite(value):
        raise _Malformed(text)
    return value


def _unique_object(pairs: list[tuple[str, object]]) -> dict[str, object]:
    result: dict[str, object] = {}
    for key, value in pairs:
        if key in result:
            raise _Malformed(f"duplicate key {key}")
        result[key] = value
    return result


def _has_nul(value: object) -> bool:
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            if "\x00" in item:
                return True
        elif isinstance(item, dict):
            stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return False


def parse_json_body(raw: bytes, content_type: str | None) -> dict[str, object]:
    """The body as a JSON object; ``{}`` when empty or of a content type that is not JSON."""
    if content_type is not None:
        media_type = content_type.split(";", 1)[0].strip().lower()
        if media_type and media_type not in _JSON_TYPES:
            return {}
    if not raw.strip():
        return {}
    try:
        text = raw.decode("utf-8")
        value = json.loads(
            text,
            object_pairs_hook=_unique_object,
            parse_constant=_reject_constant,
            parse_float=_finite_float,
        )
    except (UnicodeDecodeError, ValueError, RecursionError) as error:
        raise invalid("body", _MALFORMED) from error
    if not isinstance(value, dict) or _has_nul(value):
        raise invalid("body", _MALFORMED)
    return value


def parse_fields(fields: object, name: str = "fields") -> list[str] | None:
    """``fields`` as given in a query (``"a,b"``) or a body (string or list of strings)."""
    if fields is None:
        return None
    if isinstance(fields, str):
        names = [f.strip() for f in fields.split(",") if f.strip()]
    else:
        names = [
            expect_string(item, f"{name}[{i}]") for i, item in enumerate(expect_list(fields, name))
        ]
    return names or None


def select_fields(
    obj_or_page: dict[str, object], fields: str | list[str] | None
) -> dict[str, object]:
    """Only the named fields of an object, or of each item of a pagination's ``data``."""
    names = parse_fields(fields)
    if names is None:
        return obj_or_page
    if obj_or_page.get("object") == "pagination" and isinstance(obj_or_page.get("data"), list):
        data = obj_or_page["data"]
        assert isinstance(data, list)
        return {**obj_or_page, "data": [_select(item, names) for item in data]}
    return _select(obj_or_page, names)


def _select(obj: object, names: list[str]) -> dict[str, object]:
    if not isinstance(obj, Mapping):
        return {}
    unknown = [n for n in names if n not in obj]
    if unknown:
        raise invalid(
            "fields",
            f"Invalid fields: {', '.join(unknown)} (fields must name fields of the"
            f" {obj.get('object', 'object')})",
        )
    return {n: obj[n] for n in names}
