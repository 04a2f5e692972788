"""User metadata: small flat maps of numbers and strings stored next to SigOpt objects."""

from __future__ import annotations

import math
from collections.abc import Mapping

from dialin.domain.names import invalid

__all__ = [
    "METADATA_KEY_MAX_LENGTH",
    "METADATA_MAX_KEYS",
    "METADATA_VALUE_MAX_LENGTH",
    "check_metadata",
    "show",
]

METADATA_MAX_KEYS = 100
METADATA_KEY_MAX_LENGTH = 100
METADATA_VALUE_MAX_LENGTH = 500


def show(value: object, limit: int = 60) -> str:
    """A short printable form of a user value for error messages (values may be huge)."""
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def check_metadata(
    value: object, field: str = "metadata", max_keys: int = METADATA_MAX_KEYS
) -> dict[str, float | int | str] | None:
    """Validated metadata with null values dropped; ``None`` stays ``None`` (clear vs absent is
    the caller's call)."""
    if value is None:
        return None
    if not isinstance(value, Mapping):
        raise invalid(field, f"Invalid type for {field}: {show(value)} - expected type object")
    if len(value) > max_keys:
        raise invalid(field, f"Expected at most {max_keys} keys in {field}")
    result: dict[str, float | int | str] = {}
    for key, item in value.items():
        if not isinstance(key, str):
            raise invalid(field, f"Invalid key in {field}: {show(key)} - expected a string")
        path = f"{field}.{key}"
        if len(key) > METADATA_KEY_MAX_LENGTH:
            shown = f"{key[:10]}...{key[-10:]}"
            raise invalid(
                path,
                f"The length of the {field} key '{shown}' must be less than "
                f"{METADATA_KEY_MAX_LENGTH}",
            )
        if item is None:
            continue
        if isinstance(item, bool) or not isinstance(item, int | float | str):
            raise invalid(
                path, f"Invalid type for {path}: {show(item)} - expected type string or number"
            )
        if isinstance(item, float) and not math.isfinite(item):
            raise invalid(path, f"Invalid value for {path}: numbers must be finite")
        if isinstance(item, int) and abs(item) > 2**63 - 1:
            # SigOpt keeps metadata numbers as doubles: a 64-bit unsigned default such as
            # xgboost's max_row_perbatch is kept, rounded, rather than refused.
            try:
                item = float(item)
            except OverflowError:
                raise invalid(path, f"Invalid value for {path}: number out of range") from None
        if isinstance(item, str) and len(item) > METADATA_VALUE_MAX_LENGTH:
            raise invalid(
                path,
                f"The value of {path} must be at most {METADATA_VALUE_MAX_LENGTH} characters",
            )
        result[key] = item
    return result
