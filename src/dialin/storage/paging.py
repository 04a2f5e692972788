"""Keyset pagination over a SELECT, with SigOpt's before/after marker semantics."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from sqlalchemy import Select, and_, func, or_, select
from sqlalchemy.orm import Session

from dialin.domain.paging import Page, PageRequest, SortKey

__all__ = ["paginate"]

T = TypeVar("T")


def _beyond(columns: Sequence[Any], key: SortKey, descending: bool) -> Any:
    """Rows strictly past ``key`` in the order (descending or not) over ``columns``."""
    clauses = []
    for i, column in enumerate(columns):
        equal_prefix = [columns[j] == key[j] for j in range(i)]
        step = column < key[i] if descending else column > key[i]
        clauses.append(and_(*equal_prefix, step))
    return or_(*clauses)


def paginate(
    session: Session,
    statement: Select[Any],
    columns: Sequence[Any],
    page: PageRequest,
    convert: Callable[[Any], T],
    key_of: Callable[[Any], SortKey],
) -> Page[T]:
    """``columns`` end with the id so keys are unique; ``statement`` selects the filtered rows."""
    count = session.scalar(select(func.count()).select_from(statement.order_by(None).subquery()))
    descending = not page.ascending
    if page.limit == 0:
        return Page(items=[], count=count or 0)
    if page.after is not None:
        # Walk backwards from the marker, then restore the requested order.
        ordered = statement.where(_beyond(columns, page.after, not descending)).order_by(
            *[c.asc() if descending else c.desc() for c in columns]
        )
        rows = list(session.scalars(ordered.limit(page.limit + 1)))
        more = len(rows) > page.limit
        rows = rows[: page.limit][::-1]
        items = [convert(r) for r in rows]
        # An `after` walk always has older items: the marker itself lies beyond the page.
        before = key_of(rows[-1]) if rows else None
        after = key_of(rows[0]) if rows and more else None
        return Page(items=items, count=count or 0, before=before, after=after)
    if page.before is not None:
        statement = statement.where(_beyond(columns, page.before, descending))
    ordered = statement.order_by(*[c.desc() if descending else c.asc() for c in columns])
    rows = list(session.scalars(ordered.limit(page.limit + 1)))
    more = len(rows) > page.limit
    rows = rows[: page.limit]
    return Page(
        items=[convert(r) for r in rows],
        count=count or 0,
        before=key_of(rows[-1]) if more else None,
        after=key_of(rows[0]) if rows else None,
    )
