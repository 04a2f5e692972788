"""One router per resource. Path ids use the ``id`` convertor registered here."""

from __future__ import annotations

from starlette.convertors import Convertor, register_url_convertor


class IdConvertor(Convertor[int]):
    # Ids are 64-bit: a longer number names nothing that can exist, so it is an unknown route
    # rather than an overflow deep in the database driver.
    regex = "[0-9]{1,18}"

    def convert(self, value: str) -> int:
        return int(value)

    def to_string(self, value: int) -> str:
        return str(value)


register_url_convertor("id", IdConvertor())
