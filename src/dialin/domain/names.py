"""Names users give to experiments, parameters, metrics, conditionals and their values."""

from __future__ import annotations

import re

from dialin.errors import InvalidField

__all__ = ["NAME_MAX_LENGTH", "VALUE_NAME_MAX_LENGTH", "check_name", "invalid"]

NAME_MAX_LENGTH = 100
# categorical and conditional value names
VALUE_NAME_MAX_LENGTH = 50


def check_name(value: str, field: str, kind: str, max_length: int = NAME_MAX_LENGTH) -> str:
    """The stripped name, or InvalidField: empty, control characters (code < 32), too long."""
    if any(ord(c) < 32 for c in value):
        raise invalid(field, f"Invalid name for {field}: {value!r} contains control characters")
    name = value.strip()
    if not name:
        raise invalid(field, f"{kind} names cannot be empty ({field})")
    if len(name) > max_length:
        raise invalid(field, f"{kind} names must be less than {max_length} characters ({field})")
    return name


def invalid(field: str, message: str) -> InvalidField:
    """InvalidField whose message names ``field`` exactly, so users see which value is wrong.

    A trailing ``(<parent path>)`` in ``message`` is narrowed to ``field``.
    """
    if field in message:
        return InvalidField(field, message)
    match = re.search(r"\(([^()]*)\)$", message)
    if match and field.startswith(match.group(1)):
        return InvalidField(field, f"{message[: match.start()]}({field})")
    return InvalidField(field, f"{message} ({field})")
