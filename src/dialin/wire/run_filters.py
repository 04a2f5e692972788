"""The ``filters`` query of the training-run list: a JSON array of ``{field, operator, value}``."""

from __future__ import annotations

import json
from collections.abc import Collection, Iterator, Mapping
from typing import cast

from dialin.domain.metadata import show
from dialin.domain.names import invalid
from dialin.domain.paging import PageRequest, SortKey
from dialin.domain.run_filters import OPERATORS, RunFilter, is_run_field
from dialin.wire.fields import (
    child,
    expect_choice,
    expect_list,
    expect_object,
    expect_string,
    reject_unknown_keys,
    require,
)
from dialin.wire.query import parse_page_request

__all__ = ["RUN_SORTS", "parse_checkpoint_page", "parse_run_filters", "parse_run_page"]


def _reject_constant(name: str) -> object:
    raise ValueError(name)


def parse_run_filters(raw: str | None) -> list[RunFilter]:
    if raw is None:
        return []
    try:
        decoded = json.loads(raw, parse_constant=_reject_constant)
    except (ValueError, RecursionError) as error:
        raise invalid("filters", f"Invalid filters: {show(raw)} is not JSON") from error
    filters: list[RunFilter] = []
    for i, item in enumerate(expect_list(decoded, "filters")):
        path = f"filters[{i}]"
        obj = expect_object(item, path)
        reject_unknown_keys(obj, ("field", "operator", "value"), path)
        field = expect_string(require(obj, "field", path), child(path, "field"))
        if not is_run_field(field):
            raise invalid(child(path, "field"), f"Unknown training run field: {show(field)}")
        operator = expect_choice(require(obj, "operator", path), child(path, "operator"), OPERATORS)
        value = obj.get("value")
        if operator != "isnull":
            if value is None or not isinstance(value, bool | int | float | str):
                raise invalid(child(path, "value"), f"{path}.value must be a number or string")
            if field == "state" and operator != "==":
                raise invalid(child(path, "operator"), "state filters only support ==")
        filters.append(RunFilter(field, operator, value if operator != "isnull" else None))
    return filters


class _RunSorts:
    """The ``sort`` values of run lists: any field a filter may name."""

    def __contains__(self, sort: object) -> bool:
        return isinstance(sort, str) and is_run_field(sort)

    def __iter__(self) -> Iterator[str]:
        return iter(("created", "id", "name", "state", "updated", "values.<metric>.value"))


RUN_SORTS: Collection[str] = cast(Collection[str], _RunSorts())


# Run list keys are (number or None, text or None, id); checkpoint keys are (id,).
_RUN_KEY = ((float, int, type(None)), (str, type(None)), (int,))
_CHECKPOINT_KEY = ((int,),)


def _check_marker(field: str, marker: SortKey | None, shape: tuple[tuple[type, ...], ...]) -> None:
    # Lists are sorted in memory: a marker of another shape would not compare with the keys.
    if marker is None:
        return
    fits = len(marker) == len(shape) and all(
        isinstance(k, kinds) and not isinstance(k, bool)
        for k, kinds in zip(marker, shape, strict=True)
    )
    if not fits:
        raise invalid(field, f"Invalid paging marker for this list ({field})")


def _checked(page: PageRequest, shape: tuple[tuple[type, ...], ...]) -> PageRequest:
    _check_marker("before", page.before, shape)
    _check_marker("after", page.after, shape)
    return page


def parse_run_page(
    query: Mapping[str, str], *, sorts: Collection[str] = RUN_SORTS, default_sort: str = "id"
) -> PageRequest:
    page = parse_page_request(query, sorts=sorts, default_sort=default_sort)
    return _checked(page, _RUN_KEY)


def parse_checkpoint_page(query: Mapping[str, str]) -> PageRequest:
    return _checked(parse_page_request(query, sorts=("id",)), _CHECKPOINT_KEY)
