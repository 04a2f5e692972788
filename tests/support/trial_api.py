"""dialin's trial API over raw HTTP: a client per token, an AI experiment, a managed trial."""

from __future__ import annotations

import secrets
from typing import Any

import httpx

__all__ = ["TrialApi"]


class TrialApi:
    """One client's view of a running server: ``/v1`` for setup, ``/api/v1`` for trials."""

    def __init__(self, api_url: str, token: str) -> None:
        self.token = token
        self.http = httpx.Client(base_url=api_url, auth=(token, ""), timeout=30.0)
        self.client_id = self.http.get("/v1/tokens/self").json()["client"]
        self._project: str | None = None

    def close(self) -> None:
        self.http.close()

    def project(self) -> str:
        if self._project is None:
            self._project = f"trials-{secrets.token_hex(4)}"
            created = self.http.post(
                f"/v1/clients/{self.client_id}/projects",
                json={"id": self._project, "name": "trials"},
            )
            assert created.status_code == 200, created.text
        return self._project

    def experiment(self, **extra: Any) -> int:
        """An AI experiment minimizing ``loss`` over ``lr``; ``extra`` adds definition keys."""
        body = {
            "name": "trials",
            "parameters": [{"name": "lr", "type": "double", "bounds": {"min": 0, "max": 1}}],
            "metrics": [{"name": "loss", "objective": "minimize"}],
            **extra,
        }
        created = self.http.post(
            f"/v1/clients/{self.client_id}/projects/{self.project()}/aiexperiments", json=body
        )
        assert created.status_code == 200, created.text
        return int(created.json()["id"])

    def trial(self, experiment_id: int, lr: float = 0.1, **extra: Any) -> dict[str, Any]:
        created = self.http.post(
            f"/api/v1/experiments/{experiment_id}/trials", json={"hparams": {"lr": lr}, **extra}
        )
        assert created.status_code == 200, created.text
        return dict(created.json())

    def started_trial(self, experiment_id: int, lr: float = 0.1, **extra: Any) -> dict[str, Any]:
        """A trial with its first allocation open (trial_run_id 1)."""
        trial = self.trial(experiment_id, lr, **extra)
        return self.ok("POST", f"/api/v1/trials/{trial['id']}/allocations")

    def ok(self, method: str, path: str, **kwargs: Any) -> dict[str, Any]:
        response = self.http.request(method, path, **kwargs)
        assert response.status_code == 200, (
            f"{method} {path}: {response.status_code} {response.text}"
        )
        return dict(response.json())

    def report(
        self, trial_id: int, run: int, step: int | None, group: str = "validation", **metrics: Any
    ) -> httpx.Response:
        body: dict[str, Any] = {"group": group, "metrics": metrics, "trial_run_id": run}
        if step is not None:
            body["steps_completed"] = step
        return self.http.post(f"/api/v1/trials/{trial_id}/metrics", json=body)
