"""Training runs of a project, each run (MERGE, GET, PUT, DELETE) and its checkpoints."""

from __future__ import annotations

from fastapi import APIRouter, Response

from dialin.api.deps import Body, Caller, Query, Svc, reply
from dialin.errors import NotFound
from dialin.services.accounts import Principal
from dialin.wire import render_list, render_page, select_fields
from dialin.wire.checkpoints import parse_checkpoint_create, render_checkpoint
from dialin.wire.run_filters import parse_checkpoint_page, parse_run_filters, parse_run_page
from dialin.wire.runs import (
    parse_run_batch,
    parse_run_body,
    render_run_page,
    render_training_run,
)

router = APIRouter(prefix="/v1", tags=["training_runs"])


def _own(caller: Principal, client_id: int) -> None:
    if caller.client_id != client_id:
        raise NotFound()


@router.post("/clients/{client_id:id}/projects/{project_id}/training_runs")
def create_run(
    client_id: int, project_id: str, body: Body, caller: Caller, services: Svc
) -> Response:
    _own(caller, client_id)
    run = services.runs.create(client_id, project_id, parse_run_body(body, "create"))
    return reply(render_training_run(run))


@router.post("/clients/{client_id:id}/projects/{project_id}/training_runs/batch")
def create_runs(
    client_id: int, project_id: str, body: Body, caller: Caller, services: Svc
) -> Response:
    _own(caller, client_id)
    runs = services.runs.create_batch(client_id, project_id, parse_run_batch(body))
    page = render_list([render_training_run(r) for r in runs])
    # select_fields checks the shape of `fields` (a string or a list of strings).
    return reply(select_fields(page, body.get("fields")))  # type: ignore[arg-type]


@router.get("/clients/{client_id:id}/projects/{project_id}/training_runs")
def list_runs(
    client_id: int, project_id: str, query: Query, caller: Caller, services: Svc
) -> Response:
    _own(caller, client_id)
    page = parse_run_page(query)
    found = services.runs.list(
        client_id,
        project_id,
        page,
        filters=parse_run_filters(query.get("filters")),
        search=query.get("search") or None,
    )
    return reply(render_run_page(found))


@router.get("/training_runs/{run_id:id}")
def fetch_run(run_id: int, caller: Caller, services: Svc) -> Response:
    return reply(render_training_run(services.runs.get(caller.client_id, run_id)))


@router.api_route("/training_runs/{run_id:id}", methods=["MERGE"], include_in_schema=False)
def merge_run(run_id: int, body: Body, caller: Caller, services: Svc) -> Response:
    patch = parse_run_body(body, "merge")
    return reply(
        render_training_run(services.runs.update(caller.client_id, run_id, patch, "merge"))
    )


@router.put("/training_runs/{run_id:id}")
def update_run(run_id: int, body: Body, caller: Caller, services: Svc) -> Response:
    patch = parse_run_body(body, "put")
    return reply(render_training_run(services.runs.update(caller.client_id, run_id, patch, "put")))


@router.delete("/training_runs/{run_id:id}")
def delete_run(run_id: int, caller: Caller, services: Svc) -> Response:
    return reply(render_training_run(services.runs.delete(caller.client_id, run_id)))


@router.post("/training_runs/{run_id:id}/checkpoints")
def create_checkpoint(run_id: int, body: Body, caller: Caller, services: Svc) -> Response:
    values, metadata = parse_checkpoint_create(body)
    checkpoint = services.runs.add_checkpoint(caller.client_id, run_id, values, metadata)
    return reply(render_checkpoint(checkpoint))


@router.get("/training_runs/{run_id:id}/checkpoints")
def list_checkpoints(run_id: int, query: Query, caller: Caller, services: Svc) -> Response:
    page = parse_checkpoint_page(query)
    found = services.runs.checkpoints(caller.client_id, run_id, page)
    return reply(render_page([render_checkpoint(c) for c in found.items], found))


@router.get("/training_runs/{run_id:id}/checkpoints/{checkpoint_id:id}")
def fetch_checkpoint(run_id: int, checkpoint_id: int, caller: Caller, services: Svc) -> Response:
    checkpoint = services.runs.checkpoint(caller.client_id, run_id, checkpoint_id)
    return reply(render_checkpoint(checkpoint))
