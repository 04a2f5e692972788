"""Typed reads of JSON values that name the offending field when the shape is wrong.

Field paths are dotted and indexed (``parameters[1].bounds.min``); top-level keys have no
prefix. Optional keys that are absent or ``null`` read as ``None``: SigOpt clients send
``None`` arguments as ``null``.
"""

from __future__ import annotations

import json
import math
from collections.abc import Collection, Mapping
from typing import TypeVar

from dialin.domain.metadata import show
from dialin.domain.names import invalid
from dialin.errors import InvalidField

__all__ = [
    "JsonObject",
    "child",
    "expect_bool",
    "expect_choice",
    "expect_integer",
    "expect_list",
    "expect_number",
    "expect_object",
    "expect_positive_integer",
    "expect_string",
    "reject_unknown_keys",
    "require",
]

JsonObject = Mapping[str, object]
T = TypeVar("T", bound=str)
# Beyond this an integer cannot be stored in a 64-bit column.
_INT_LIMIT = 2**63 - 1


def child(parent: str, key: str | int) -> str:
    if isinstance(key, int):
        return f"{parent}[{key}]"
    return f"{parent}.{key}" if parent else key


def _wrong_type(field: str, value: object, expected: str) -> InvalidField:
    return InvalidField(
        field, f"Invalid type for {field}: {show(value)} - expected type {expected}"
    )


def require(obj: JsonObject, key: str, parent: str = "") -> object:
    """``obj[key]``, or InvalidField when it is absent or null."""
    value = obj.get(key)
    if value is None:
        field = child(parent, key)
        where = f" in {parent}" if parent else ""
        raise invalid(field, f"Missing required json key {key!r}{where} ({field})")
    return value


def expect_object(value: object, field: str) -> JsonObject:
    if not isinstance(value, Mapping) or not all(isinstance(k, str) for k in value):
        raise _wrong_type(field, value, "object")
    return value


def expect_list(value: object, field: str) -> list[object]:
    if not isinstance(value, list | tuple):
        raise _wrong_type(field, value, "array")
    return list(value)


def expect_string(value: object, field: str) -> str:
    if not isinstance(value, str):
        raise _wrong_type(field, value, "string")
    return value


def expect_bool(value: object, field: str) -> bool:
    if not isinstance(value, bool):
        raise _wrong_type(field, value, "boolean")
    return value


def expect_number(value: object, field: str) -> float | int:
    """A finite JSON number (ints stay ints); booleans are not numbers."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise _wrong_type(field, value, "number")
    if isinstance(value, float) and not math.isfinite(value):
        raise invalid(field, f"Invalid value for {field}: numbers must be finite")
    if isinstance(value, int) and abs(value) > _INT_LIMIT:
        raise invalid(field, f"Invalid value for {field}: number out of range")
    return value


def expect_integer(value: object, field: str) -> int:
    """An integral number; ``3.0`` counts as 3."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise _wrong_type(field, value, "integer")
    if isinstance(value, float) and not (math.isfinite(value) and value.is_integer()):
        raise _wrong_type(field, value, "integer")
    if abs(value) > _INT_LIMIT:
        raise invalid(field, f"Invalid value for {field}: number out of range")
    return int(value)


def expect_positive_integer(value: object, field: str) -> int:
    number = expect_integer(value, field)
    if number <= 0:
        raise invalid(field, f"Invalid value for {field}: {number} - expected a positive integer")
    return number


def expect_choice(value: object, field: str, choices: Collection[T]) -> T:
    text = expect_string(value, field)
    for choice in choices:
        if text == choice:
            return choice
    raise invalid(
        field, f"Invalid value for {field}: {show(text)} - must be one of {sorted(choices)}"
    )


def reject_unknown_keys(obj: JsonObject, allowed: Collection[str], parent: str = "") -> None:
    unknown = sorted(k for k in obj if k not in allowed)
    if unknown:
        where = parent or "request body"
        shown = json.dumps({k: obj[k] for k in obj}, default=str)
        if len(shown) > 200:
            shown = shown[:197] + "..."
        keys = ", ".join(f"`{k}`" for k in unknown)
        raise invalid(child(parent, unknown[0]), f"Unknown json keys {keys} in {where}: {shown}")
