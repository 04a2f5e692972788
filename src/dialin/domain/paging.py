"""Keyset paging as SigOpt lists do it: markers are sort-key tuples of the boundary items."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Generic, TypeAlias, TypeVar

__all__ = ["MAX_PAGE_SIZE", "Page", "PageRequest", "SortKey"]

T = TypeVar("T")
# The values of the sort columns of one item, then its id as the tie-break.
SortKey: TypeAlias = tuple[float | int | str | None, ...]

MAX_PAGE_SIZE = 1000


@dataclass(frozen=True)
class PageRequest:
    limit: int = MAX_PAGE_SIZE
    # before=M: items strictly after M in the sort order (older, with the default order);
    # after=M: items strictly before M, still listed in the requested order.
    before: SortKey | None = None
    after: SortKey | None = None
    sort: str = "id"
    ascending: bool = False


@dataclass(frozen=True)
class Page(Generic[T]):
    items: Sequence[T]
    # every matching item across pages
    count: int
    # marker of the last item, only when more items follow
    before: SortKey | None = None
    # marker of the first item, None on an empty page
    after: SortKey | None = None
