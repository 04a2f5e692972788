"""Training runs of an AI experiment: the broker that hands each new run its assignments, the
experiment's runs and its best runs (also under ``/experiments``, as the client declares them)."""

from __future__ import annotations

from fastapi import APIRouter, Response

from dialin.api.deps import Body, Caller, Query, Svc, reply
from dialin.wire.run_filters import parse_run_page
from dialin.wire.runs import parse_run_body, render_run_page, render_training_run

router = APIRouter(prefix="/v1", tags=["aiexperiments"])


@router.post("/aiexperiments/{experiment_id:id}/training_runs")
def create_experiment_run(
    experiment_id: int, body: Body, caller: Caller, services: Svc
) -> Response:
    patch = parse_run_body(body, "create")
    run = services.runs.create_in_experiment(caller.client_id, experiment_id, patch)
    return reply(render_training_run(run))


@router.get("/aiexperiments/{experiment_id:id}/training_runs")
@router.get("/experiments/{experiment_id:id}/training_runs")
def list_experiment_runs(
    experiment_id: int, query: Query, caller: Caller, services: Svc
) -> Response:
    page = parse_run_page(query)
    return reply(
        render_run_page(services.runs.of_experiment(caller.client_id, experiment_id, page))
    )


@router.get("/aiexperiments/{experiment_id:id}/best_training_runs")
@router.get("/experiments/{experiment_id:id}/best_training_runs")
def best_training_runs(experiment_id: int, query: Query, caller: Caller, services: Svc) -> Response:
    page = parse_run_page(query, sorts=("updated", "created"), default_sort="updated")
    return reply(render_run_page(services.runs.best(caller.client_id, experiment_id, page)))
