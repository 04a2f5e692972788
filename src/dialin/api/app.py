"""``create_app``: the one place that wires settings, storage and services into FastAPI."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from dialin import __version__
from dialin.api.errors import install_error_handlers
from dialin.api.routes import (
    accounts,
    aiexperiment_runs,
    aiexperiments,
    analysis,
    experiments,
    files,
    observations,
    projects,
    sessions,
    suggestions,
    training_runs,
    trial_reports,
    trials,
)
from dialin.api.transport import SigOptTransport
from dialin.services.container import Services
from dialin.settings import Settings
from dialin.storage.blobs import blob_store_for
from dialin.storage.db import Database
from dialin.storage.schema import ensure_schema
from dialin.storage.store import SqlUnitOfWork
from dialin.web.pages import mount_dashboard

__all__ = ["create_app"]


def _clock() -> int:
    return int(time.time())


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or Settings()
    database = Database(settings.database_url, pool_size=settings.pool_size)
    ensure_schema(database)

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        yield
        database.dispose()

    app = FastAPI(
        lifespan=lifespan,
        title="dialin",
        version=__version__,
        description="SigOpt-compatible hyperparameter optimization API.",
        docs_url="/docs",
        redoc_url=None,
    )
    blobs = blob_store_for(settings.file_storage, settings.database_url)
    app.state.services = Services.build(SqlUnitOfWork(database), _clock, blobs)
    app.state.database = database
    install_error_handlers(app)
    routers = [
        m.router
        for m in (accounts, projects, experiments, aiexperiments, suggestions, observations)
    ] + [
        analysis.router,
        sessions.router,
        training_runs.router,
        aiexperiment_runs.router,
        files.router,
        trials.router,
        trial_reports.router,
    ]
    for router in routers:
        app.include_router(router)
    # Every route with its verbs, for 405 answers that list all of a path's methods.
    app.state.routes = [route for router in routers for route in router.routes]
    mount_dashboard(app)

    @app.get("/health", include_in_schema=False)
    def health() -> dict[str, str]:
        return {"status": "ok"}

    app.add_middleware(SigOptTransport)
    return app
