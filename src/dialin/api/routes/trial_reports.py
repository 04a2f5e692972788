"""Reads for watching trials (``/api/v1``): a trial's metric reports by group and step, the
metric curves of some trials of an experiment, the tally of its trial states, trials by id,
and the newest lines of a trial's log.

Another client's trial or experiment does not exist for the caller (404).
"""

from __future__ import annotations

from fastapi import APIRouter, Response

from dialin.api.deps import Caller, Query, Svc, reply
from dialin.wire.trial_reports import (
    parse_line_id,
    parse_optional_group,
    parse_report_limit,
    parse_trial_ids,
    render_curves,
    render_trial_states,
)
from dialin.wire.trials import render_log_line, render_report, render_trial

router = APIRouter(prefix="/api/v1", tags=["trials"])

# Curves are drawn for a bounded number of trials; listed trials are those of a page of runs.
MAX_CURVE_TRIALS = 50
MAX_LISTED_TRIALS = 1000


@router.get("/trials/{trial_id:id}/metrics")
def list_reports(trial_id: int, query: Query, caller: Caller, services: Svc) -> Response:
    """``?group=&after=<report id>&limit=``: reports in arrival order, archived ones flagged."""
    reports = services.trial_reports.reports(
        caller.client_id,
        trial_id,
        group=parse_optional_group(query),
        after=parse_line_id(query, "after") or 0,
        limit=parse_report_limit(query),
    )
    return reply({"object": "list", "data": [render_report(r) for r in reports]})


@router.get("/trials/{trial_id:id}/logs/tail")
def log_tail(trial_id: int, query: Query, caller: Caller, services: Svc) -> Response:
    """``?before=<line id>&limit=``: the newest lines (before a line), oldest first; newer ones
    come from ``/logs?after=``."""
    lines = services.trial_reports.log_tail(
        caller.client_id,
        trial_id,
        before=parse_line_id(query, "before"),
        limit=parse_report_limit(query),
    )
    return reply({"object": "list", "data": [render_log_line(line) for line in lines]})


@router.get("/experiments/{experiment_id:id}/metric_curves")
def metric_curves(experiment_id: int, query: Query, caller: Caller, services: Svc) -> Response:
    """``?trials=1,2,3&group=``: each trial's non-archived reports in step order, thinned to a
    bounded number of points per group (``sampled``)."""
    curves = services.trial_reports.curves(
        caller.client_id,
        experiment_id,
        parse_trial_ids(query, "trials", most=MAX_CURVE_TRIALS),
        group=parse_optional_group(query),
    )
    return reply(render_curves(curves))


@router.get("/experiments/{experiment_id:id}/trial_states")
def trial_states(experiment_id: int, caller: Caller, services: Svc) -> Response:
    """The count of every shown state (QUEUED, RUNNING, PAUSED, ...) and the restarts in all."""
    return reply(
        render_trial_states(services.trial_reports.states(caller.client_id, experiment_id))
    )


@router.get("/trials")
def trials_by_ids(query: Query, caller: Caller, services: Svc) -> Response:
    """``?ids=1,2,3``: the caller's trials among them (a page of runs), others skipped."""
    ids = parse_trial_ids(query, "ids", most=MAX_LISTED_TRIALS)
    trials = services.trial_reports.by_ids(caller.client_id, ids)
    return reply({"object": "list", "data": [render_trial(t) for t in trials]})
