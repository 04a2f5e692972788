from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from dialin.domain.paging import Page, PageRequest
from dialin.wire import (
    decode_marker,
    encode_marker,
    parse_bool,
    parse_id_list,
    parse_page_request,
    render_list,
    render_page,
)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("True", True),
        ("true", True),
        ("TRUE", True),
        ("1", True),
        ("False", False),
        ("0", False),
        (None, None),
    ],
)
def test_parse_bool(raw: str | None, expected: bool | None) -> None:
    assert parse_bool("deleted", raw) is expected


@pytest.mark.parametrize("raw", ["yes", "", "2", "t"])
def test_parse_bool_rejects(raw: str, invalid) -> None:
    error = invalid(lambda: parse_bool("deleted", raw), "deleted")
    assert "Invalid boolean value" in error.message


def test_parse_id_list(invalid) -> None:
    assert parse_id_list("id", "1,2, 3") == [1, 2, 3]
    assert parse_id_list("id", None) is None
    invalid(lambda: parse_id_list("id", "1,x"), "id")


def test_page_request_defaults() -> None:
    assert parse_page_request({}, sorts={"id"}) == PageRequest()


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ({"limit": "-1"}, "limit"),
        ({"limit": "1001"}, "limit"),
        ({"limit": "x"}, "limit"),
        ({"before": ""}, "before"),
        ({"after": ""}, "after"),
        ({"before": "!!!"}, "before"),
        ({"before": "e30"}, "before"),
        ({"sort": "nope"}, "sort"),
        ({"ascending": "maybe"}, "ascending"),
    ],
)
def test_bad_page_requests(query: dict[str, str], field: str, invalid) -> None:
    error = invalid(lambda: parse_page_request(query, sorts={"id", "recent"}), field)
    if field in ("before", "after") and query[field]:
        assert error.message.startswith("Invalid paging marker")


def test_page_request_with_marker() -> None:
    marker = encode_marker((5, 7))
    request = parse_page_request(
        {"before": marker, "limit": "0", "sort": "recent", "ascending": "True"},
        sorts={"id", "recent"},
    )
    assert request == PageRequest(limit=0, before=(5, 7), sort="recent", ascending=True)


@given(
    st.lists(
        st.one_of(
            st.none(),
            st.integers(-(2**53), 2**53),
            st.floats(allow_nan=False, allow_infinity=False),
            st.text(),
        ),
        min_size=1,
        max_size=4,
    )
)
def test_markers_round_trip(key: list[object]) -> None:
    marker = encode_marker(tuple(key))  # type: ignore[arg-type]
    assert "=" not in marker and "+" not in marker and "/" not in marker
    assert decode_marker("before", marker) == tuple(key)


def test_render_page_and_list() -> None:
    page: Page[object] = Page(items=[1], count=3, before=(1,), after=(2,))
    rendered = render_page([{"object": "x"}], page)
    assert rendered["object"] == "pagination" and rendered["count"] == 3
    assert decode_marker("before", rendered["paging"]["before"]) == (1,)  # type: ignore[index]
    empty = render_page([], Page(items=[], count=0))
    assert empty["paging"] == {"before": None, "after": None}
    assert render_list([{"a": 1}]) == {
        "object": "pagination",
        "count": 1,
        "data": [{"a": 1}],
        "paging": {"before": None, "after": None},
    }
