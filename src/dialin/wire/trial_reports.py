"""JSON of the trial reads for people watching (``/api/v1``): their query parameters, state
tallies and metric curves."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from dialin.domain.metric_reports import validate_group
from dialin.domain.names import invalid
from dialin.domain.trial_curves import TrialCurve, TrialStates, shown_state
from dialin.wire.query import parse_id_list, parse_int
from dialin.wire.trials import render_report

__all__ = [
    "parse_line_id",
    "parse_optional_group",
    "parse_report_limit",
    "parse_trial_ids",
    "render_curves",
    "render_trial_states",
]

MAX_REPORT_PAGE = 10000


def parse_trial_ids(query: Mapping[str, str], name: str, *, most: int) -> list[int]:
    """A required, non-empty list of at most ``most`` trial ids: ``?name=1,2,3``."""
    ids = parse_id_list(name, query.get(name))
    if not ids:
        raise invalid(name, f"{name} must list trial ids, separated by commas")
    if len(ids) > most:
        raise invalid(name, f"{name} lists at most {most} ids, not {len(ids)}")
    return ids


def parse_optional_group(query: Mapping[str, str]) -> str | None:
    raw = query.get("group")
    return None if raw is None or raw == "" else validate_group(raw)


def parse_line_id(query: Mapping[str, str], name: str) -> int | None:
    """A paging marker that is a row id: 64-bit, as the ids of the database are."""
    value = parse_int(name, query.get(name))
    if value is not None and not 0 <= value < 2**63:
        raise invalid(name, f"{name} must be an id between 0 and 2^63 - 1, not {value}")
    return value


def parse_report_limit(query: Mapping[str, str], default: int = 1000) -> int:
    given = parse_int("limit", query.get("limit"))
    limit = default if given is None else given
    if not 1 <= limit <= MAX_REPORT_PAGE:
        raise invalid("limit", f"limit must be between 1 and {MAX_REPORT_PAGE}, not {limit}")
    return limit


def render_trial_states(states: TrialStates) -> dict[str, object]:
    return {
        "object": "trial_states",
        "counts": dict(states.counts),
        "total": sum(states.counts.values()),
        "restarts": states.restarts,
    }


def render_curves(curves: Sequence[TrialCurve]) -> dict[str, object]:
    return {
        "object": "list",
        "data": [
            {
                "object": "trial_curve",
                "trial_id": c.trial.id,
                "name": c.trial.name,
                "state": shown_state(c.trial),
                "report_count": c.report_count,
                "sampled": c.sampled,
                "reports": [render_report(r) for r in c.reports],
            }
            for c in curves
        ],
    }
