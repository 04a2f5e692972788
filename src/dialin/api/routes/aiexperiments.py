"""AI experiments (runs-only experiments): their definition, progress and archive state."""

from __future__ import annotations

from dataclasses import replace

from fastapi import APIRouter, Request, Response

from dialin.api.deps import Body, Caller, Query, Svc, reply
from dialin.api.routes.experiments import list_experiments_of
from dialin.errors import NotFound
from dialin.services.experiments import ExperimentView
from dialin.wire import (
    parse_bool,
    parse_experiment_create,
    parse_experiment_update,
    render_experiment,
)

router = APIRouter(prefix="/v1", tags=["aiexperiments"])

_SIGOPT_CLIENT = "sigopt-python/"


def _render(view: ExperimentView) -> dict[str, object]:
    return render_experiment(view.experiment, view.progress)


@router.post("/clients/{client_id:id}/projects/{project_id}/aiexperiments")
def create_aiexperiment(
    client_id: int, project_id: str, body: Body, caller: Caller, services: Svc
) -> Response:
    if client_id != caller.client_id:
        raise NotFound()
    draft = replace(parse_experiment_create(body, ai=True), project=project_id)
    return reply(_render(services.experiments.create(caller.client_id, draft)))


@router.get("/clients/{client_id:id}/projects/{project_id}/aiexperiments")
def list_project_aiexperiments(
    client_id: int, project_id: str, query: Query, caller: Caller, services: Svc
) -> Response:
    if client_id != caller.client_id:
        raise NotFound()
    services.projects.require(client_id, project_id)
    return list_experiments_of(caller, services, query, project=project_id, runs_only=True)


@router.get("/aiexperiments")
def list_aiexperiments(query: Query, caller: Caller, services: Svc) -> Response:
    return list_experiments_of(caller, services, query, runs_only=True)


@router.get("/aiexperiments/{experiment_id:id}")
def fetch_aiexperiment(
    experiment_id: int, request: Request, caller: Caller, services: Svc
) -> Response:
    # The sigopt client reads the experiment, then creates a run if budget remains: its reads
    # hold a budget slot for that run, so parallel workers never race for the last one.
    if request.headers.get("user-agent", "").startswith(_SIGOPT_CLIENT):
        return reply(_render(services.runs.fetch_for_worker(caller.client_id, experiment_id)))
    return reply(_render(services.experiments.get(caller.client_id, experiment_id, runs_only=True)))


@router.put("/aiexperiments/{experiment_id:id}")
def update_aiexperiment(experiment_id: int, body: Body, caller: Caller, services: Svc) -> Response:
    services.experiments.get(caller.client_id, experiment_id, runs_only=True)
    patch = parse_experiment_update(body, ai=True)
    return reply(_render(services.experiments.update(caller.client_id, experiment_id, patch)))


@router.delete("/aiexperiments/{experiment_id:id}")
def delete_aiexperiment(
    experiment_id: int, query: Query, caller: Caller, services: Svc
) -> Response:
    services.experiments.get(caller.client_id, experiment_id, runs_only=True)
    include_runs = bool(parse_bool("include_runs", query.get("include_runs"), default=False))
    services.experiments.delete(caller.client_id, experiment_id, include_runs=include_runs)
    # A deleted experiment keeps no checkpoint (trials §4.7: GC with E=T=L=0).
    services.trials.collect_garbage(caller.client_id, experiment_id, keep_nothing=True)
    return reply({})
