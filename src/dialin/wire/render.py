"""Small rendering conventions shared by every SigOpt object (§1.5)."""

from __future__ import annotations

from collections.abc import Mapping

from dialin.domain.parameters import Parameter

__all__ = ["render_id", "render_number", "render_struct", "render_value"]


def render_id(value: int | None) -> str | None:
    """Stored ids travel as JSON strings."""
    return None if value is None else str(value)


def render_number(value: float | int) -> float | int:
    """Integral floats as ints (``2.0`` → ``2``), as SigOpt's protobuf Struct maps render."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def render_struct(values: Mapping[str, float | int | str] | None) -> dict[str, object] | None:
    if values is None:
        return None
    return {
        k: render_number(v) if isinstance(v, int | float) and not isinstance(v, bool) else v
        for k, v in values.items()
    }


def render_value(parameter: Parameter | None, value: float | int | str) -> float | int | str:
    """An assignment: JSON integers for int parameters, floats for doubles, names as is."""
    if isinstance(value, str | bool):
        return value
    if parameter is not None and parameter.type == "int":
        return int(value) if float(value).is_integer() else value
    if parameter is not None and parameter.type == "double":
        return float(value)
    return value
