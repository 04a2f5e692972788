"""Entry point for uvicorn worker processes: settings come from the environment."""

from __future__ import annotations

from fastapi import FastAPI

from dialin.api.app import create_app
from dialin.settings import Settings

__all__ = ["app_from_environment"]


def app_from_environment() -> FastAPI:
    return create_app(Settings())
