"""Suggestions and queued suggestions of a core experiment."""

from __future__ import annotations

from fastapi import APIRouter, Response

from dialin.api.deps import Body, Caller, Query, Svc, reply
from dialin.wire import (
    parse_bool,
    parse_id_list,
    parse_page_request,
    parse_queued_suggestion_create,
    parse_state_filter,
    parse_suggestion_create,
    parse_suggestion_update,
    render_page,
    render_queued_suggestion,
    render_suggestion,
)

router = APIRouter(prefix="/v1/experiments/{experiment_id:id}", tags=["suggestions"])


@router.post("/suggestions")
def create_suggestion(experiment_id: int, body: Body, caller: Caller, services: Svc) -> Response:
    draft = parse_suggestion_create(body)
    suggestion, experiment = services.suggestions.create(caller.client_id, experiment_id, draft)
    return reply(render_suggestion(suggestion, experiment.definition))


@router.get("/suggestions")
def list_suggestions(experiment_id: int, query: Query, caller: Caller, services: Svc) -> Response:
    page = parse_page_request(query, sorts=("id",))
    only_open = parse_state_filter(query.get("state")) == "open"
    deleted = bool(parse_bool("deleted", query.get("deleted"), default=False))
    ids = parse_id_list("id", query.get("id"))
    experiment = services.experiments.definition_of(caller.client_id, experiment_id)
    found = services.suggestions.list(
        caller.client_id, experiment_id, page, only_open=only_open, deleted=deleted, ids=ids
    )
    data = [render_suggestion(s, experiment.definition) for s in found.items]
    return reply(render_page(data, found))


@router.delete("/suggestions")
def delete_suggestions(experiment_id: int, query: Query, caller: Caller, services: Svc) -> Response:
    only_open = parse_state_filter(query.get("state")) == "open"
    services.suggestions.delete(caller.client_id, experiment_id, only_open=only_open)
    return reply({})


@router.get("/suggestions/{suggestion_id:id}")
def fetch_suggestion(
    experiment_id: int, suggestion_id: int, caller: Caller, services: Svc
) -> Response:
    experiment = services.experiments.definition_of(caller.client_id, experiment_id)
    suggestion = services.suggestions.get(caller.client_id, experiment_id, suggestion_id)
    return reply(render_suggestion(suggestion, experiment.definition))


@router.put("/suggestions/{suggestion_id:id}")
def update_suggestion(
    experiment_id: int, suggestion_id: int, body: Body, caller: Caller, services: Svc
) -> Response:
    metadata = parse_suggestion_update(body)
    experiment = services.experiments.definition_of(caller.client_id, experiment_id)
    suggestion = services.suggestions.update(
        caller.client_id, experiment_id, suggestion_id, metadata
    )
    return reply(render_suggestion(suggestion, experiment.definition))


@router.delete("/suggestions/{suggestion_id:id}")
def delete_suggestion(
    experiment_id: int, suggestion_id: int, caller: Caller, services: Svc
) -> Response:
    services.suggestions.delete(caller.client_id, experiment_id, suggestion_id)
    return reply({})


@router.post("/queued_suggestions")
def create_queued_suggestion(
    experiment_id: int, body: Body, caller: Caller, services: Svc
) -> Response:
    draft = parse_queued_suggestion_create(body)
    experiment = services.experiments.definition_of(caller.client_id, experiment_id)
    queued = services.suggestions.enqueue(caller.client_id, experiment_id, draft)
    return reply(render_queued_suggestion(queued, experiment.definition))


@router.get("/queued_suggestions")
def list_queued_suggestions(
    experiment_id: int, query: Query, caller: Caller, services: Svc
) -> Response:
    page = parse_page_request(query, sorts=("id",))
    experiment = services.experiments.definition_of(caller.client_id, experiment_id)
    found = services.suggestions.list_queued(caller.client_id, experiment_id, page)
    data = [render_queued_suggestion(q, experiment.definition) for q in found.items]
    return reply(render_page(data, found))


@router.get("/queued_suggestions/{queued_id:id}")
def fetch_queued_suggestion(
    experiment_id: int, queued_id: int, caller: Caller, services: Svc
) -> Response:
    experiment = services.experiments.definition_of(caller.client_id, experiment_id)
    queued = services.suggestions.queued(caller.client_id, experiment_id, queued_id)
    return reply(render_queued_suggestion(queued, experiment.definition))


@router.delete("/queued_suggestions/{queued_id:id}")
def delete_queued_suggestion(
    experiment_id: int, queued_id: int, caller: Caller, services: Svc
) -> Response:
    services.suggestions.dequeue(caller.client_id, experiment_id, queued_id)
    return reply({})
