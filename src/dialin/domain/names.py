"""Names users give to experiments, parameters, metrics, conditionals and their values."""

from __future__ import annotations

from dialin.errors import InvalidField

__all__ = ["NAME_MAX_LENGTH", "VALUE_NAME_MAX_LENGTH", "check_name"]

NAME_MAX_LENGTH = 100
# categorical and conditional value names
VALUE_NAME_MAX_LENGTH = 50


def check_name(value: str, field: str, kind: str, max_length: int = NAME_MAX_LENGTH) -> str:
    """The stripped name, or InvalidField: empty, control characters (code < 32), too long."""
    if any(ord(c) < 32 for c in value):
        raise InvalidField(
            field, f"Invalid name for {field}: {value!r} contains control characters"
        )
    name = value.strip()
    if not name:
        raise InvalidField(field, f"{kind} names cannot be empty ({field})")
    if len(name) > max_length:
        raise InvalidField(
            field, f"{kind} names must be less than {max_length} characters ({field})"
        )
    return name
