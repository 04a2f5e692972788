"""The calls the orchestrator makes: SigOpt v1 projects, AI experiments and their runs, and the
trial API (``/api/v1``) through which it launches a run's code as allocations."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from dialin.client.http import ApiClient
from dialin.errors import NotFound

__all__ = ["OrchestrationApi"]

_PAGE_LIMIT = 1000


@dataclass
class OrchestrationApi:
    """One client's view of the server at ``api_url``; the client id is read once."""

    api_url: str
    token: str

    def __post_init__(self) -> None:
        self.http = ApiClient(self.api_url, self.token)
        self._client_id: str | None = None

    @property
    def client_id(self) -> str:
        if self._client_id is None:
            self._client_id = str(self.http.get("/v1/tokens/self")["client"])
        return self._client_id

    def ensure_project(self, project: str) -> None:
        """dialin's CLI creates a missing project (SigOpt's client never does)."""
        path = f"/v1/clients/{self.client_id}/projects"
        try:
            self.http.get(f"{path}/{project}")
        except NotFound:
            self.http.post(path, {"id": project, "name": project})

    def create_project_run(self, project: str, body: dict[str, Any]) -> dict[str, Any]:
        run: dict[str, Any] = self.http.post(
            f"/v1/clients/{self.client_id}/projects/{project}/training_runs", body
        )
        return run

    def create_experiment(self, project: str, body: dict[str, Any]) -> dict[str, Any]:
        experiment: dict[str, Any] = self.http.post(
            f"/v1/clients/{self.client_id}/projects/{project}/aiexperiments", body
        )
        return experiment

    def experiment(self, experiment_id: str) -> dict[str, Any]:
        experiment: dict[str, Any] = self.http.get(f"/v1/aiexperiments/{experiment_id}")
        return experiment

    def create_experiment_run(self, experiment_id: str, body: dict[str, Any]) -> dict[str, Any]:
        run: dict[str, Any] = self.http.post(
            f"/v1/aiexperiments/{experiment_id}/training_runs", body
        )
        return run

    def run(self, run_id: str) -> dict[str, Any]:
        run: dict[str, Any] = self.http.get(f"/v1/training_runs/{run_id}")
        return run

    def merge_run(self, run_id: str, patch: dict[str, Any]) -> dict[str, Any]:
        run: dict[str, Any] = self.http.request("MERGE", f"/v1/training_runs/{run_id}", body=patch)
        return run

    def experiment_runs(self, experiment_id: str) -> list[dict[str, Any]]:
        """Every run of the experiment, oldest first."""
        runs: list[dict[str, Any]] = []
        query: dict[str, str | int] = {"limit": _PAGE_LIMIT, "sort": "id", "ascending": "true"}
        while True:
            page = self.http.get(f"/v1/aiexperiments/{experiment_id}/training_runs", query=query)
            runs.extend(page["data"])
            marker = page.get("paging", {}).get("after")
            if not marker or not page["data"]:
                return sorted(runs, key=lambda r: int(r["id"]))
            query = {**query, "after": marker}

    # The trial of a run (the same record, dialin's lifecycle view)

    def start_allocation(self, run_id: str, max_restarts: int, phase: str) -> dict[str, Any]:
        trial: dict[str, Any] = self.http.post(
            f"/api/v1/trials/{run_id}/allocations", {"max_restarts": max_restarts, "phase": phase}
        )
        return trial

    def report_allocation_phase(self, run_id: str, trial_run_id: int, phase: str) -> dict[str, Any]:
        trial: dict[str, Any] = self.http.post(
            f"/api/v1/trials/{run_id}/allocations/phase",
            {"trial_run_id": trial_run_id, "phase": phase},
        )
        return trial

    def allocation_exited(
        self, run_id: str, trial_run_id: int, cause: str, error: str | None
    ) -> dict[str, Any]:
        body: dict[str, Any] = {"trial_run_id": trial_run_id, "cause": cause}
        if error is not None:
            body["error"] = error
        exited: dict[str, Any] = self.http.post(f"/api/v1/trials/{run_id}/allocations/exit", body)
        return exited

    def trial_signals(self, run_id: str) -> dict[str, Any]:
        """The trial's state; polling it also lets the server kill an overdue early exit."""
        signals: dict[str, Any] = self.http.get(f"/api/v1/trials/{run_id}/signals")
        return signals

    def cancel_trial(self, run_id: str) -> dict[str, Any]:
        trial: dict[str, Any] = self.http.post(f"/api/v1/trials/{run_id}/cancel")
        return trial

    def add_trial_logs(self, run_id: str, trial_run_id: int, stream: str, lines: list[str]) -> None:
        self.http.post(
            f"/api/v1/trials/{run_id}/logs",
            {"trial_run_id": trial_run_id, "stream": stream, "lines": lines},
        )
