from __future__ import annotations

from collections.abc import Callable

import pytest

from dialin.errors import InvalidField


def raises_invalid(call: Callable[[], object], field: str) -> InvalidField:
    """Run ``call``; it must raise InvalidField on ``field`` with a message naming it."""
    with pytest.raises(InvalidField) as caught:
        call()
    error = caught.value
    assert error.field == field, f"{error.field!r} != {field!r}: {error.message}"
    assert field in error.message or field == "body", error.message
    return error


@pytest.fixture
def invalid() -> Callable[[Callable[[], object], str], InvalidField]:
    return raises_invalid
