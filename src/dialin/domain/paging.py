"""Keyset paging as SigOpt lists do it: markers are sort-key tuples of the boundary items."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Generic, TypeAlias, TypeVar

__all__ = ["MAX_PAGE_SIZE", "Page", "PageRequest", "SortKey", "page_in_memory"]

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


def page_in_memory(
    items: Sequence[T], key_of: Callable[[T], SortKey], request: PageRequest
) -> Page[T]:
    """The same paging over a list sorted in Python, for sort keys no column holds.

    Keys must be totally ordered and end with the id; None sorts before any value."""

    def comparable(key: SortKey) -> tuple[tuple[int, float | int | str], ...]:
        return tuple((0, 0) if k is None else (1, k) for k in key)

    keyed = sorted(((comparable(key_of(i)), i) for i in items), key=lambda p: p[0])
    if not request.ascending:
        keyed.reverse()
    ordered = [i for _, i in keyed]
    keys = [k for k, _ in keyed]
    start, stop = 0, len(ordered)

    def position(marker: SortKey) -> int:
        target = comparable(marker)
        before_target = [(k < target) if request.ascending else (k > target) for k in keys]
        return sum(before_target)

    if request.before is not None:
        at = position(request.before)
        start = at + 1 if at < len(keys) and keys[at] == comparable(request.before) else at
    if request.after is not None:
        stop = position(request.after)
        start = max(0, stop - request.limit)
        window = ordered[start:stop]
        return Page(
            items=window,
            count=len(items),
            before=key_of(window[-1]) if window else None,
            after=key_of(window[0]) if window and start > 0 else None,
        )
    window = ordered[start : start + request.limit]
    more = start + request.limit < len(ordered)
    if request.limit == 0:
        return Page(items=[], count=len(items))
    return Page(
        items=window,
        count=len(items),
        before=key_of(window[-1]) if window and more else None,
        after=key_of(window[0]) if window else None,
    )
