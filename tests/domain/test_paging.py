"""In-memory keyset paging walks every item once, in order, from either end."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from dialin.domain.paging import PageRequest, page_in_memory

items_strategy = st.lists(st.one_of(st.none(), st.integers(-5, 5)), max_size=30)


def _walk(values: list[int | None], limit: int, ascending: bool) -> list[int]:
    items = list(enumerate(values))

    def key(i: tuple[int, int | None]) -> tuple[int | None, int]:
        return (i[1], i[0])

    seen: list[int] = []
    page = page_in_memory(items, key, PageRequest(limit=limit, ascending=ascending))
    while True:
        assert page.count == len(items)
        seen += [i for i, _ in page.items]
        if page.before is None or not page.items:
            return seen
        page = page_in_memory(
            items, key, PageRequest(limit=limit, ascending=ascending, before=page.before)
        )


@given(items_strategy, st.integers(1, 7), st.booleans())
def test_before_markers_visit_every_item_once_in_sort_order(
    values: list[int | None], limit: int, ascending: bool
) -> None:
    seen = _walk(values, limit, ascending)
    expected = sorted(
        range(len(values)),
        key=lambda i: ((0, 0) if values[i] is None else (1, values[i]), i),
        reverse=not ascending,
    )
    assert seen == expected


@given(items_strategy, st.integers(1, 7))
def test_after_marker_returns_the_items_just_before_it(
    values: list[int | None], limit: int
) -> None:
    items = list(enumerate(values))
    full = page_in_memory(items, lambda i: (i[1], i[0]), PageRequest(limit=1000))
    ordered = [i for i, _ in full.items]
    for position, (index, value) in enumerate(full.items):
        newer = page_in_memory(
            items, lambda i: (i[1], i[0]), PageRequest(limit=limit, after=(value, index))
        )
        assert [i for i, _ in newer.items] == ordered[max(0, position - limit) : position]
