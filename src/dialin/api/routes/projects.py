"""Projects of a client."""

from __future__ import annotations

from fastapi import APIRouter, Response

from dialin.api.deps import Body, Caller, Query, Svc, reply
from dialin.api.routes.experiments import list_experiments_of
from dialin.errors import NotFound
from dialin.services.accounts import Principal, ProjectView
from dialin.wire import (
    parse_bool,
    parse_page_request,
    parse_project_create,
    parse_project_update,
    render_page,
    render_project,
)

router = APIRouter(prefix="/v1/clients/{client_id:id}/projects", tags=["projects"])


def _own(caller: Principal, client_id: int) -> None:
    if caller.client_id != client_id:
        raise NotFound()


def _render(view: ProjectView) -> dict[str, object]:
    return render_project(view.project, view.experiment_count, view.training_run_count)


@router.post("")
def create_project(client_id: int, body: Body, caller: Caller, services: Svc) -> Response:
    _own(caller, client_id)
    return reply(_render(services.projects.create(client_id, parse_project_create(body))))


@router.get("")
def list_projects(client_id: int, query: Query, caller: Caller, services: Svc) -> Response:
    _own(caller, client_id)
    page = parse_page_request(query, sorts=("updated", "created"), default_sort="updated")
    deleted = parse_bool("deleted", query.get("deleted"))
    found = services.projects.list(client_id, page, deleted=deleted)
    return reply(render_page([_render(v) for v in found.items], found))


@router.get("/{project_id}")
def fetch_project(client_id: int, project_id: str, caller: Caller, services: Svc) -> Response:
    _own(caller, client_id)
    return reply(_render(services.projects.get(client_id, project_id)))


@router.put("/{project_id}")
def update_project(
    client_id: int, project_id: str, body: Body, caller: Caller, services: Svc
) -> Response:
    _own(caller, client_id)
    patch = parse_project_update(body)
    return reply(_render(services.projects.update(client_id, project_id, patch)))


@router.get("/{project_id}/experiments")
def list_project_experiments(
    client_id: int, project_id: str, query: Query, caller: Caller, services: Svc
) -> Response:
    _own(caller, client_id)
    services.projects.require(client_id, project_id)
    return list_experiments_of(caller, services, query, project=project_id)
