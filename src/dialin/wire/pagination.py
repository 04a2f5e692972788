"""The ``pagination`` object every SigOpt list answers with (§1.7)."""

from __future__ import annotations

from dialin.domain.paging import Page
from dialin.wire.query import encode_marker

__all__ = ["render_list", "render_page"]


def render_page(data: list[dict[str, object]], page: Page[object]) -> dict[str, object]:
    """``data`` are the rendered ``page.items``; ``count`` is the total across pages."""
    return {
        "object": "pagination",
        "count": page.count,
        "data": data,
        "paging": {
            "before": encode_marker(page.before) if page.before is not None else None,
            "after": encode_marker(page.after) if page.after is not None else None,
        },
    }


def render_list(data: list[dict[str, object]]) -> dict[str, object]:
    """A computed list that is never paged (best assignments, batches, importances)."""
    return {
        "object": "pagination",
        "count": len(data),
        "data": data,
        "paging": {"before": None, "after": None},
    }
