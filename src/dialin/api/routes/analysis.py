"""Data the dashboard plots, as JSON any client may read: a downsampled history, failures."""

from __future__ import annotations

from fastapi import APIRouter, Response
from fastapi.responses import JSONResponse

from dialin.api.deps import Caller, Query, Svc, reply
from dialin.services.analysis import HistoryView
from dialin.wire import parse_page_request, render_observation, render_page
from dialin.wire.analysis import parse_max_points, render_history

router = APIRouter(prefix="/api/v1/experiments/{experiment_id:id}", tags=["analysis"])

# The service hands back the same view until the history changes, and a dashboard polls: encode
# each view once (a megabyte of JSON at 2,000 points). The view is kept with its bytes, so its
# id cannot name another view meanwhile.
_ENCODED: dict[int, tuple[HistoryView, bytes]] = {}
_ENCODED_SIZE = 8


def _encoded(view: HistoryView) -> bytes:
    found = _ENCODED.get(id(view))
    if found is not None and found[0] is view:
        return found[1]
    body = JSONResponse(render_history(view.experiment.definition, view.sample, view.reporters))
    if len(_ENCODED) >= _ENCODED_SIZE:
        _ENCODED.clear()
    _ENCODED[id(view)] = (view, bytes(body.body))
    return bytes(body.body)


@router.get("/analysis")
def experiment_analysis(
    experiment_id: int, query: Query, caller: Caller, services: Svc
) -> Response:
    max_points = parse_max_points(query.get("max_points"))
    view = services.analysis.history(caller.client_id, experiment_id, max_points)
    return Response(_encoded(view), media_type="application/json")


@router.get("/failed_observations")
def failed_observations(
    experiment_id: int, query: Query, caller: Caller, services: Svc
) -> Response:
    page = parse_page_request(query, sorts=("id",))
    experiment, found = services.analysis.failed_observations(caller.client_id, experiment_id, page)
    data = [render_observation(o, experiment.definition) for o in found.items]
    return reply(render_page(data, found))
