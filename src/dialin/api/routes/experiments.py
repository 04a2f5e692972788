"""Core experiments: create, list, fetch, update, archive, and what is computed from them."""

from __future__ import annotations

from typing import Literal, cast

from fastapi import APIRouter, Response
from fastapi.responses import RedirectResponse

from dialin.api.deps import Body, Caller, Query, Svc, reply
from dialin.errors import InvalidField, NotFound
from dialin.services.accounts import Principal
from dialin.services.container import Services
from dialin.services.experiments import ExperimentView
from dialin.wire import (
    parse_bool,
    parse_experiment_create,
    parse_experiment_update,
    parse_page_request,
    render_best_assignments,
    render_experiment,
    render_list,
    render_metric_importances,
    render_page,
    render_stopping_criteria,
    select_fields,
)

router = APIRouter(prefix="/v1", tags=["experiments"])

_STATES = ("active", "deleted", "all")


def _render(view: ExperimentView) -> dict[str, object]:
    return render_experiment(view.experiment, view.progress)


def _create(caller: Principal, services: Services, body: dict[str, object]) -> Response:
    draft = parse_experiment_create(body, ai=False)
    return reply(_render(services.experiments.create(caller.client_id, draft)))


def list_experiments_of(
    caller: Principal,
    services: Services,
    query: dict[str, str],
    *,
    project: str | None = None,
    runs_only: bool | None = None,
) -> Response:
    page = parse_page_request(query, sorts=("id", "recent"), default_sort="id")
    state = query.get("state", "active")
    if state not in _STATES:
        raise InvalidField("state", f"Invalid state {state!r}: expected one of {list(_STATES)}")
    include_ai = parse_bool("include_ai", query.get("include_ai"), default=False)
    found = services.experiments.list(
        caller.client_id,
        page,
        state=cast(Literal["active", "deleted", "all"], state),
        search=query.get("search") or None,
        runs_only=runs_only if runs_only is not None else (None if include_ai else False),
        project=project,
    )
    return reply(render_page([_render(v) for v in found.items], found))


@router.post("/experiments")
def create_experiment(body: Body, caller: Caller, services: Svc) -> Response:
    return _create(caller, services, body)


@router.post("/clients/{client_id:id}/experiments")
def create_client_experiment(client_id: int, body: Body, caller: Caller, services: Svc) -> Response:
    if client_id != caller.client_id:
        raise NotFound()
    return _create(caller, services, body)


@router.get("/experiments")
def list_experiments(query: Query, caller: Caller, services: Svc) -> Response:
    return list_experiments_of(caller, services, query)


@router.get("/clients/{client_id:id}/experiments")
def list_client_experiments(
    client_id: int, query: Query, caller: Caller, services: Svc
) -> Response:
    if client_id != caller.client_id:
        raise NotFound()
    return list_experiments_of(caller, services, query)


@router.get("/experiments/{experiment_id:id}")
def fetch_experiment(experiment_id: int, query: Query, caller: Caller, services: Svc) -> Response:
    view = services.experiments.get(caller.client_id, experiment_id)
    if view.experiment.runs_only:
        return RedirectResponse(f"/v1/aiexperiments/{experiment_id}", status_code=301)
    return reply(select_fields(_render(view), query.get("fields")))


@router.put("/experiments/{experiment_id:id}")
def update_experiment(experiment_id: int, body: Body, caller: Caller, services: Svc) -> Response:
    patch = parse_experiment_update(body, ai=False)
    return reply(_render(services.experiments.update(caller.client_id, experiment_id, patch)))


@router.delete("/experiments/{experiment_id:id}")
def delete_experiment(experiment_id: int, query: Query, caller: Caller, services: Svc) -> Response:
    include_runs = parse_bool("include_runs", query.get("include_runs"), default=False)
    services.experiments.delete(caller.client_id, experiment_id, include_runs=bool(include_runs))
    return reply({})


@router.get("/experiments/{experiment_id:id}/best_assignments")
def best_assignments(experiment_id: int, caller: Caller, services: Svc) -> Response:
    experiment, best = services.experiments.best_assignments(caller.client_id, experiment_id)
    return reply(render_list([render_best_assignments(o, experiment.definition) for o in best]))


@router.get("/experiments/{experiment_id:id}/stopping_criteria")
def stopping_criteria(experiment_id: int, caller: Caller, services: Svc) -> Response:
    reasons = services.experiments.stopping_criteria(caller.client_id, experiment_id)
    return reply(render_stopping_criteria(bool(reasons), reasons))


@router.get("/experiments/{experiment_id:id}/metric_importances")
def metric_importances(experiment_id: int, caller: Caller, services: Svc) -> Response:
    found = services.experiments.importances(caller.client_id, experiment_id)
    return reply(render_list([render_metric_importances(m, i) for m, i in found]))


@router.get("/experiments/{experiment_id:id}/importances")
def importances(experiment_id: int, caller: Caller, services: Svc) -> Response:
    found = services.experiments.importances(caller.client_id, experiment_id)
    # The client's `importances` resource: the first metric's importances.
    return reply({"object": "importances", "importances": dict(found[0][1]) if found else {}})
