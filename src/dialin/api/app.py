"""``create_app``: the one place that wires settings, storage and services into FastAPI."""

from __future__ import annotations

import time

from fastapi import FastAPI

from dialin import __version__
from dialin.api.errors import install_error_handlers
from dialin.api.routes import accounts, experiments, observations, projects, suggestions
from dialin.api.transport import SigOptTransport
from dialin.services.container import Services
from dialin.settings import Settings
from dialin.storage.db import Database
from dialin.storage.schema import ensure_schema
from dialin.storage.store import SqlUnitOfWork

__all__ = ["create_app"]


def _clock() -> int:
    return int(time.time())


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or Settings()
    database = Database(settings.database_url, pool_size=settings.pool_size)
    ensure_schema(database)
    app = FastAPI(
        title="dialin",
        version=__version__,
        description="SigOpt-compatible hyperparameter optimization API.",
        docs_url="/docs",
        redoc_url=None,
    )
    app.state.services = Services.build(SqlUnitOfWork(database), _clock)
    app.state.database = database
    install_error_handlers(app)
    for module in (accounts, projects, experiments, suggestions, observations):
        app.include_router(module.router)

    @app.get("/health", include_in_schema=False)
    def health() -> dict[str, str]:
        return {"status": "ok"}

    @app.on_event("shutdown")
    def _dispose() -> None:
        database.dispose()

    app.add_middleware(SigOptTransport)
    return app
