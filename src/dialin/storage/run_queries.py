"""Training-run list filters and sort keys as SQL, on SQLite and PostgreSQL, with the same
answers as ``dialin.domain.run_filters`` gives in memory.

Each field reads as two nullable expressions: its number (numbers, and booleans as 1/0) and
its text (strings); a value of another type (object, list) is neither. A filter on a number
compares the number, on a string the text, so a number never equals a string, and ``!=`` also
holds where the field is missing or of the other type. Sort keys are (number, text, id) with
missing values first, as ``page_in_memory`` orders them; text compares by code point (``C``
collation on PostgreSQL, SQLite's default).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Float, String, and_, case, cast, false, func, literal, not_, null, or_, true
from sqlalchemy.sql import ColumnElement

from dialin.domain.paging import SortKey
from dialin.domain.run_filters import RunFilter, comparable_filter_value
from dialin.storage.tables import TrainingRunRow

__all__ = ["SortColumns", "expand_marker", "filter_clause", "sort_columns"]

_R = TrainingRunRow
_NUMBER_COLUMNS: dict[str, Any] = {
    "id": _R.id,
    "client": _R.client_id,
    "experiment": _R.experiment_id,
    "observation": _R.observation_id,
    "suggestion": _R.suggestion_id,
    "user": _R.user_id,
    "created": _R.created,
    "updated": _R.updated,
    "completed": _R.completed,
    "finished": _R.completed,
}
_BOOL_COLUMNS: dict[str, Any] = {"deleted": _R.deleted, "favorite": _R.favorite}
_TEXT_COLUMNS: dict[str, Any] = {"state": _R.state, "name": _R.name}
# Documents whose keys a field names: field head -> (column, path after the key).
_DOCUMENT_PATHS: dict[str, tuple[Any, tuple[str, ...]]] = {
    "model.type": (_R.model, ("type",)),
    "source_code.content": (_R.source_code, ("content",)),
    "source_code.hash": (_R.source_code, ("hash",)),
}

Pair = tuple[ColumnElement[Any] | None, ColumnElement[Any] | None]


def _json_path(field: str) -> tuple[Any, tuple[str, ...]] | None:
    if field in _DOCUMENT_PATHS:
        return _DOCUMENT_PATHS[field]
    head, _, rest = field.partition(".")
    if head in ("assignments", "metadata") and rest:
        return (_R.assignments if head == "assignments" else _R.metadata_), (rest,)
    if head == "logs" and rest.endswith(".content"):
        return _R.logs, (rest.removesuffix(".content"), "content")
    for suffix in (".value_stddev", ".value"):
        if head == "values" and rest.endswith(suffix):
            return _R.values, (rest.removesuffix(suffix), suffix[1:])
    return None


def _sqlite_json(column: Any, path: Sequence[str]) -> Pair:
    quoted = "".join('."' + key.replace('"', '\\"') + '"' for key in path)
    where = literal("$" + quoted)
    kind = func.json_type(column, where)
    value = func.json_extract(column, where)
    number = case(
        (kind.in_(("integer", "real")), cast(value, Float)),
        (kind == "true", literal(1.0)),
        (kind == "false", literal(0.0)),
    )
    text = case((kind == "text", cast(value, String)))
    return number, text


def _postgres_json(column: Any, path: Sequence[str]) -> Pair:
    node = column
    for key in path[:-1]:
        node = node.op("->")(literal(key))
    leaf = node.op("->")(literal(path[-1]))
    raw = node.op("->>", return_type=String)(literal(path[-1]))
    kind = func.json_typeof(leaf)
    number = case(
        (kind == "number", cast(raw, Float)),
        (and_(kind == "boolean", raw == "true"), literal(1.0)),
        (kind == "boolean", literal(0.0)),
    )
    text = case((kind == "string", raw))
    return number, text


def _pair(field: str, dialect: str) -> Pair:
    if field in _NUMBER_COLUMNS:
        return _NUMBER_COLUMNS[field], None
    if field in _BOOL_COLUMNS:
        return case((_BOOL_COLUMNS[field], literal(1.0)), else_=literal(0.0)), None
    if field in _TEXT_COLUMNS:
        return None, _TEXT_COLUMNS[field]
    located = _json_path(field)
    if located is None:
        raise ValueError(f"{field} has no SQL form")
    column, path = located
    return (_postgres_json if dialect == "postgresql" else _sqlite_json)(column, path)


def _binary(text: ColumnElement[Any], dialect: str) -> ColumnElement[Any]:
    return text.collate("C") if dialect == "postgresql" else text


def filter_clause(run_filter: RunFilter, dialect: str) -> ColumnElement[bool]:
    number, text = _pair(run_filter.field, dialect)
    if run_filter.operator == "isnull":
        if run_filter.field in _BOOL_COLUMNS:
            return false()
        if run_filter.field in _NUMBER_COLUMNS or run_filter.field in _TEXT_COLUMNS:
            present = [e.is_not(None) for e in (number, text) if e is not None]
            return not_(or_(*present))
        # A JSON value that is an object or a list is not null either.
        located = _json_path(run_filter.field)
        assert located is not None
        return _json_missing(located, dialect)
    right = comparable_filter_value(run_filter)
    text_side = None if text is None else _binary(text, dialect)
    side = text_side if isinstance(right, str) else number
    if run_filter.operator == "!=":
        if side is None:
            return true()
        return func.coalesce(side != right, true()).is_(true())
    if side is None:
        return false()
    compared: ColumnElement[bool] = {
        "==": side == right,
        ">=": side >= right,
        ">": side > right,
        "<=": side <= right,
        "<": side < right,
    }[run_filter.operator]
    return compared


def _json_missing(located: tuple[Any, tuple[str, ...]], dialect: str) -> ColumnElement[bool]:
    column, path = located
    if dialect == "postgresql":
        node = column
        for key in path:
            node = node.op("->")(literal(key))
        return or_(node.is_(None), func.json_typeof(node) == "null")
    quoted = "".join('."' + key.replace('"', '\\"') + '"' for key in path)
    kind = func.json_type(column, literal("$" + quoted))
    return or_(kind.is_(None), kind == "null")


SortColumns = tuple[Any, ...]


def sort_columns(field: str, dialect: str) -> SortColumns:
    """(number present, number, text present, text, id): no column is ever null, so keyset
    paging compares them directly; missing values sort first."""
    number, text = _pair(field, dialect)
    number = cast(null(), Float) if number is None else cast(number, Float)
    text = cast(null(), String) if text is None else text
    return (
        case((number.is_(None), 0), else_=1),
        func.coalesce(number, 0.0),
        case((text.is_(None), 0), else_=1),
        _binary(func.coalesce(text, ""), dialect),
        _R.id,
    )


def expand_marker(marker: SortKey | None) -> SortKey | None:
    """A run list marker (number, text, id) as values of ``sort_columns``."""
    if marker is None:
        return None
    number, text, run_id = marker
    return (
        0 if number is None else 1,
        0.0 if number is None else number,
        0 if text is None else 1,
        "" if text is None else text,
        run_id,
    )
