"""Dashboard pages. Each renders an HTML shell that its script fills from the JSON API; the
only thing a page reads itself is who is signed in, and whether the object it names exists for
them, so that an unknown or foreign experiment answers 404 like the API does."""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path

import plotly
from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import FileResponse, HTMLResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from jinja2 import Environment, FileSystemLoader, select_autoescape

from dialin.api.session import session_of
from dialin.errors import Forbidden, NotFound, Unauthenticated
from dialin.services.container import Services
from dialin.services.sessions import SessionPrincipal

__all__ = ["AI_EXPERIMENT_TABS", "EXPERIMENT_TABS", "RUN_TABS", "mount_dashboard"]

EXPERIMENT_TABS = ("summary", "analysis", "suggestions", "history")
AI_EXPERIMENT_TABS = ("summary", "runs", "curves")
RUN_TABS = ("overview", "logs", "checkpoints", "history")

_HERE = Path(str(files("dialin.web")))
_PLOTLY_JS = Path(plotly.__file__).parent / "package_data" / "plotly.min.js"
_templates = Environment(
    loader=FileSystemLoader(_HERE / "templates"), autoescape=select_autoescape(), auto_reload=False
)

router = APIRouter(include_in_schema=False)


def _services(request: Request) -> Services:
    services: Services = request.app.state.services
    return services


def _page(name: str, status: int = 200, **context: object) -> HTMLResponse:
    return HTMLResponse(_templates.get_template(name).render(**context), status_code=status)


def _signed_in(request: Request) -> SessionPrincipal | None:
    try:
        return session_of(request, _services(request))
    except (Unauthenticated, Forbidden):
        return None


def _to_sign_in(request: Request) -> Response:
    return RedirectResponse(f"/signin?next={request.url.path}", status_code=303)


def _not_found(session: SessionPrincipal) -> HTMLResponse:
    return _page("not_found.html", 404, session=session, page="not_found")


@router.get("/signin")
def sign_in_page(request: Request) -> Response:
    return _page("signin.html", page="signin", session=None)


@router.get("/")
def experiments_page(request: Request) -> Response:
    session = _signed_in(request)
    if session is None:
        return _to_sign_in(request)
    return _page("experiments.html", session=session, page="experiments")


def _experiment_view(request: Request, experiment_id: int, tab: str, *, ai: bool) -> Response:
    session = _signed_in(request)
    if session is None:
        return _to_sign_in(request)
    tabs = AI_EXPERIMENT_TABS if ai else EXPERIMENT_TABS
    if tab not in tabs:
        return _not_found(session)
    try:
        # The definition only: the page need not wait for the experiment's progress.
        definition = _services(request).experiments.definition_of(
            session.principal.client_id, experiment_id
        )
    except NotFound:
        return _not_found(session)
    if definition.runs_only != ai:
        # Each kind has its page, as /v1/experiments/{id} of an AI experiment redirects too.
        kind = "aiexperiments" if definition.runs_only else "experiments"
        return RedirectResponse(f"/{kind}/{experiment_id}/summary", status_code=303)
    return _page(
        "aiexperiment.html" if ai else "experiment.html",
        session=session,
        page="aiexperiment" if ai else "experiment",
        experiment_id=str(experiment_id),
        tab=tab,
        tabs=tabs,
    )


@router.get("/experiments/{experiment_id:id}")
def experiment_home(request: Request, experiment_id: int) -> Response:
    return _experiment_view(request, experiment_id, "summary", ai=False)


@router.get("/experiments/{experiment_id:id}/{tab}")
def experiment_page(request: Request, experiment_id: int, tab: str) -> Response:
    return _experiment_view(request, experiment_id, tab, ai=False)


@router.get("/aiexperiments/{experiment_id:id}")
def aiexperiment_home(request: Request, experiment_id: int) -> Response:
    return _experiment_view(request, experiment_id, "summary", ai=True)


@router.get("/aiexperiments/{experiment_id:id}/{tab}")
def aiexperiment_page(request: Request, experiment_id: int, tab: str) -> Response:
    return _experiment_view(request, experiment_id, tab, ai=True)


@router.get("/projects/{project_id}")
def project_page(request: Request, project_id: str) -> Response:
    session = _signed_in(request)
    if session is None:
        return _to_sign_in(request)
    try:
        _services(request).projects.get(session.principal.client_id, project_id)
    except NotFound:
        return _not_found(session)
    return _page("project.html", session=session, page="project", project_id=project_id)


@router.get("/runs/{run_id:id}")
def run_home(request: Request, run_id: int) -> Response:
    return run_page(request, run_id, RUN_TABS[0])


@router.get("/runs/{run_id:id}/{tab}")
def run_page(request: Request, run_id: int, tab: str) -> Response:
    session = _signed_in(request)
    if session is None:
        return _to_sign_in(request)
    if tab not in RUN_TABS:
        return _not_found(session)
    try:
        _services(request).runs.get(session.principal.client_id, run_id)
    except NotFound:
        return _not_found(session)
    return _page(
        "run.html", session=session, page="run", run_id=str(run_id), tab=tab, tabs=RUN_TABS
    )


@router.get("/static/plotly.min.js")
def plotly_js() -> FileResponse:
    # Plotly's bundle ships inside the plotly wheel: no CDN, no build step.
    return FileResponse(_PLOTLY_JS, media_type="text/javascript")


def mount_dashboard(app: FastAPI) -> None:
    app.include_router(router)
    app.mount("/static", StaticFiles(directory=_HERE / "static"), name="static")
