from __future__ import annotations

import pytest

from dialin.wire import parse_json_body, select_fields


@pytest.mark.parametrize(
    ("raw", "content_type", "expected"),
    [
        (b"", None, {}),
        (b"  ", "application/json", {}),
        (b'{"a": 1}', None, {"a": 1}),
        (b'{"a": 1}', "application/json; charset=utf-8", {"a": 1}),
        (
            b'{"a": [1, 2.5, "x", null, true]}',
            "application/x-www-form-urlencoded",
            {"a": [1, 2.5, "x", None, True]},
        ),
        (b'{"a": 1}', "text/plain", {}),
    ],
)
def test_bodies_that_parse(raw: bytes, content_type: str | None, expected: object) -> None:
    assert parse_json_body(raw, content_type) == expected


@pytest.mark.parametrize(
    "raw",
    [
        b"[1, 2]",
        b'"x"',
        b"3",
        b"null",
        b'{"a": 1, "a": 2}',
        b'{"a": {"b": 1, "b": 1}}',
        b'{"a": NaN}',
        b'{"a": Infinity}',
        b'{"a": -Infinity}',
        b'{"a": 1e999}',
        b'{"a": "x\\u0000y"}',
        b'{"a\\u0000": 1}',
        b'{"a": ',
        b"\xff\xfe",
        b"{" * 100000,
    ],
)
def test_malformed_bodies(raw: bytes, invalid) -> None:
    error = invalid(lambda: parse_json_body(raw, "application/json"), "body")
    assert error.message == "Malformed json in request body"


def test_select_fields_of_an_object_and_a_page(invalid) -> None:
    obj = {"object": "training_run", "id": "1", "name": "n"}
    assert select_fields(obj, "id") == {"id": "1"}
    assert select_fields(obj, None) is obj
    assert select_fields(obj, ["id", "name"]) == {"id": "1", "name": "n"}
    page = {"object": "pagination", "count": 1, "data": [obj], "paging": {}}
    assert select_fields(page, "id")["data"] == [{"id": "1"}]
    invalid(lambda: select_fields(obj, "id,nope"), "fields")
    invalid(lambda: select_fields(obj, [1]), "fields[0]")
