"""The real app in-process, on a fresh SQLite database, with a token for one client."""

from __future__ import annotations

import base64
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from dialin.api.app import create_app
from dialin.settings import Settings


def basic(token: str) -> dict[str, str]:
    return {"Authorization": "Basic " + base64.b64encode(f"{token}:".encode()).decode()}


@pytest.fixture
def app_client(tmp_path: Path) -> Iterator[tuple[TestClient, str]]:
    app = create_app(Settings(database_url=f"sqlite:///{tmp_path / 'api.db'}"))
    token = app.state.services.accounts.issue_token("alice").secret
    with TestClient(app) as client:
        yield client, token
