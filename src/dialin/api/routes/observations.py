"""Observations of a core experiment."""

from __future__ import annotations

from fastapi import APIRouter, Response

from dialin.api.deps import Body, Caller, Query, Svc, reply
from dialin.services.observe import observation_sorts
from dialin.wire import (
    merge_observation_patch,
    parse_bool,
    parse_observation_batch,
    parse_observation_create,
    parse_observation_update,
    parse_page_request,
    render_list,
    render_observation,
    render_page,
)

router = APIRouter(prefix="/v1/experiments/{experiment_id:id}", tags=["observations"])


@router.post("/observations")
def create_observation(experiment_id: int, body: Body, caller: Caller, services: Svc) -> Response:
    experiment = services.experiments.definition_of(caller.client_id, experiment_id)
    draft = parse_observation_create(body, experiment.definition)
    observation = services.observations.create(caller.client_id, experiment_id, draft)
    return reply(render_observation(observation, experiment.definition))


@router.post("/observations/batch")
def create_observations(experiment_id: int, body: Body, caller: Caller, services: Svc) -> Response:
    experiment = services.experiments.definition_of(caller.client_id, experiment_id)
    drafts, _no_optimize = parse_observation_batch(body, experiment.definition)
    saved = services.observations.create_batch(caller.client_id, experiment_id, drafts)
    data = [render_observation(o, experiment.definition) for o in saved]
    return reply(render_list(data))


@router.get("/observations")
def list_observations(experiment_id: int, query: Query, caller: Caller, services: Svc) -> Response:
    experiment = services.experiments.definition_of(caller.client_id, experiment_id)
    page = parse_page_request(query, sorts=observation_sorts(experiment))
    deleted = bool(parse_bool("deleted", query.get("deleted"), default=False))
    found = services.observations.list(caller.client_id, experiment_id, page, deleted=deleted)
    data = [render_observation(o, experiment.definition) for o in found.items]
    return reply(render_page(data, found))


@router.delete("/observations")
def delete_observations(experiment_id: int, caller: Caller, services: Svc) -> Response:
    services.observations.delete(caller.client_id, experiment_id)
    return reply({})


@router.get("/observations/{observation_id:id}")
def fetch_observation(
    experiment_id: int, observation_id: int, caller: Caller, services: Svc
) -> Response:
    experiment = services.experiments.definition_of(caller.client_id, experiment_id)
    observation = services.observations.get(caller.client_id, experiment_id, observation_id)
    return reply(render_observation(observation, experiment.definition))


@router.put("/observations/{observation_id:id}")
def update_observation(
    experiment_id: int, observation_id: int, body: Body, caller: Caller, services: Svc
) -> Response:
    experiment = services.experiments.definition_of(caller.client_id, experiment_id)
    patch = parse_observation_update(body, experiment.definition)
    current = services.observations.get(caller.client_id, experiment_id, observation_id)
    merged = merge_observation_patch(current, patch, experiment.definition)
    observation = services.observations.update(
        caller.client_id, experiment_id, observation_id, merged
    )
    return reply(render_observation(observation, experiment.definition))


@router.delete("/observations/{observation_id:id}")
def delete_observation(
    experiment_id: int, observation_id: int, caller: Caller, services: Svc
) -> Response:
    services.observations.delete(caller.client_id, experiment_id, observation_id)
    return reply({})
