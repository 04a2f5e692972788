"""Data the dashboard plots, as JSON any client may read: a downsampled history, failures."""

from __future__ import annotations

from fastapi import APIRouter, Response

from dialin.api.deps import Caller, Query, Svc, reply
from dialin.wire import parse_page_request, render_observation, render_page
from dialin.wire.analysis import parse_max_points, render_history

router = APIRouter(prefix="/api/v1/experiments/{experiment_id:id}", tags=["analysis"])


@router.get("/analysis")
def experiment_analysis(
    experiment_id: int, query: Query, caller: Caller, services: Svc
) -> Response:
    max_points = parse_max_points(query.get("max_points"))
    view = services.analysis.history(caller.client_id, experiment_id, max_points)
    return reply(render_history(view.experiment.definition, view.sample, view.reporters))


@router.get("/failed_observations")
def failed_observations(
    experiment_id: int, query: Query, caller: Caller, services: Svc
) -> Response:
    page = parse_page_request(query, sorts=("id",))
    experiment, found = services.analysis.failed_observations(caller.client_id, experiment_id, page)
    data = [render_observation(o, experiment.definition) for o in found.items]
    return reply(render_page(data, found))
