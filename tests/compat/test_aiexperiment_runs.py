"""AI experiments driven by their runs (§5.7): ``experiment.loop()``, served assignments, the
observation a finished run makes, progress and budget, best runs, archive cascades."""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx
import pytest
import sigopt

from support.dialin import RunningServer
from support.sigopt_client import connect, raises_api_error

PARAMETERS = [
    {"name": "x", "type": "double", "bounds": {"min": 0, "max": 1}},
    {"name": "n", "type": "int", "bounds": {"min": 1, "max": 5}},
]


def _experiment(budget: int | None = 4, **extra: Any) -> Any:
    return sigopt.create_experiment(
        name="Runs",
        parameters=PARAMETERS,
        metrics=[{"name": "score", "objective": "maximize"}],
        budget=budget,
        **extra,
    )


def test_loop_serves_assignments_and_stops_at_the_budget(http: httpx.Client, project: str) -> None:
    experiment = _experiment(budget=4)
    seen = []
    for run in experiment.loop():
        with run:
            assert set(run.params) == {"x", "n"}
            with pytest.raises(ValueError):
                run.params.x = 0.5  # served assignments are frozen client-side
            run.log_metric("score", run.params.x * run.params.n)
            seen.append(run.id)
    assert len(seen) == 4
    experiment.refresh()
    progress = experiment.progress
    assert (progress.total_run_count, progress.finished_run_count) == (4, 4)
    assert progress.remaining_budget == 0

    runs = list(experiment.get_runs())
    assert sorted(r.id for r in runs) == sorted(seen)
    served = runs[0]
    assert served.to_json()["assignments_meta"]["x"]["source"] == "SigOpt"
    assert served.observation is not None and served.suggestion is not None
    observations = http.get(f"/v1/experiments/{experiment.id}/observations").json()
    assert observations["count"] == 4 and not any(o["failed"] for o in observations["data"])

    (best,) = experiment.get_best_runs()
    scores = {r.id: r.values["score"].value for r in runs}
    assert scores[best.id] == max(scores.values())
    alias = http.get(f"/v1/experiments/{experiment.id}/best_training_runs").json()
    assert [r["id"] for r in alias["data"]] == [best.id]
    assert http.get(f"/v1/experiments/{experiment.id}/training_runs").json()["count"] == 4


def test_missing_metric_or_failure_makes_a_failed_observation(
    http: httpx.Client, project: str
) -> None:
    experiment = _experiment(budget=None)
    with experiment.create_run() as silent:
        pass
    with experiment.create_run() as failing:
        failing.log_metric("score", 1.0)
        failing.log_failure()
    for run_id in (silent.id, failing.id):
        run = http.get(f"/v1/training_runs/{run_id}").json()
        observation = http.get(
            f"/v1/experiments/{experiment.id}/observations/{run['observation']}"
        ).json()
        assert observation["failed"] is True
    checkpoint = {"values": [{"name": "score", "value": 1}]}
    refused = http.post(f"/v1/training_runs/{silent.id}/checkpoints", json=checkpoint)
    assert refused.status_code == 403


def test_runs_with_their_own_assignments_and_finished_runs(
    http: httpx.Client, project: str
) -> None:
    experiment = _experiment(budget=None)
    url = f"/v1/aiexperiments/{experiment.id}/training_runs"
    explicit = http.post(url, json={"name": "mine", "assignments": {"x": 0.25, "n": 2}}).json()
    assert explicit["assignments"] == {"x": 0.25, "n": 2} and explicit["suggestion"] is not None
    assert explicit["assignments_meta"] == {}
    done = http.post(
        url,
        json={
            "name": "done",
            "assignments": {"x": 0.5, "n": 3, "extra": "kept"},
            "values": {"score": {"value": 7}},
            "state": "completed",
        },
    ).json()
    assert done["suggestion"] is None and done["observation"] is not None
    observation = http.get(
        f"/v1/experiments/{experiment.id}/observations/{done['observation']}"
    ).json()
    assert observation["assignments"] == {"x": 0.5, "n": 3}
    assert observation["values"][0]["value"] == 7
    bad = http.post(url, json={"name": "bad", "project": "other"})
    assert bad.status_code == 400 and bad.json()["field"] == "project"


def test_queued_suggestions_are_served_first(http: httpx.Client, project: str) -> None:
    experiment = _experiment(budget=None)
    queued = {"x": 0.125, "n": 4}
    http.post(f"/v1/experiments/{experiment.id}/queued_suggestions", json={"assignments": queued})
    run = experiment.create_run()
    assert dict(run.params) == queued


def test_archiving_runs_frees_budget_and_cascades(http: httpx.Client, project: str) -> None:
    experiment = _experiment(budget=1)
    run = experiment.create_run()
    run.log_metric("score", 1.0)
    run.end()
    assert experiment.is_finished()
    with raises_api_error(403) as refused:
        experiment.create_run()
    assert "budget" in refused.message

    sigopt.archive_run(run.id)
    assert not experiment.is_finished()
    observations = http.get(f"/v1/experiments/{experiment.id}/observations").json()
    assert observations["count"] == 0
    sigopt.unarchive_run(run.id)
    assert experiment.is_finished()
    assert http.get(f"/v1/experiments/{experiment.id}/observations").json()["count"] == 1

    http.delete(f"/v1/aiexperiments/{experiment.id}", params={"include_runs": "true"})
    assert sigopt.get_run(run.id).deleted is True
    with raises_api_error(400):
        experiment.create_run()


def test_concurrent_run_creation_stops_exactly_at_the_budget(
    server: RunningServer, project: str
) -> None:
    experiment = _experiment(budget=5)
    url = f"{server.api_url}/v1/aiexperiments/{experiment.id}/training_runs"

    def create(_: int) -> int:
        with httpx.Client(auth=(server.token_a, ""), timeout=60) as http:
            return http.post(url, json={"name": "burst"}).status_code

    with ThreadPoolExecutor(max_workers=12) as pool:
        statuses = list(pool.map(create, range(12)))
    assert sorted(statuses) == [200] * 5 + [403] * 7
    experiment.refresh()
    assert experiment.progress.total_run_count == 5


def test_runs_of_other_clients_experiments_do_not_exist(
    server: RunningServer, project: str
) -> None:
    experiment = _experiment()
    other = connect(server.api_url, server.token_b)
    with raises_api_error(404):
        other.aiexperiments(experiment.id).training_runs().create(name="intruder")
    assert list(experiment.get_runs()) == []


def test_asha_stops_weak_runs_through_their_checkpoints(conn: Any, project: str) -> None:
    """An AI experiment with dialin's ``early_stopping`` (ASHA): a run's ``log_checkpoint`` is
    a validation report, and the create-checkpoint answer says whether ASHA stopped the run."""
    client_id = conn.tokens("self").fetch().client
    experiment = (
        conn.clients(client_id)
        .projects(project)
        .aiexperiments()
        .create(
            name="ASHA",
            parameters=PARAMETERS,
            metrics=[{"name": "loss", "objective": "minimize"}],
            budget=4,
            early_stopping={
                "type": "asha",
                "metric": "loss",
                "max_length": 2,
                "num_rungs": 2,
                "reduction_factor": 2,
            },
        )
    )
    strong, weak = (
        sigopt.get_experiment(experiment.id).create_run(name=name) for name in ("strong", "weak")
    )
    with strong:
        # The client's own call, as training code makes it (the answer is skipped).
        strong.log_checkpoint({"loss": 0.2})
        first = (
            conn.training_runs(weak.id)
            .checkpoints()
            .create(values=[{"name": "loss", "value": 0.9}])
        )
        assert first.should_stop is True
        assert first.stopping_reasons["stopped_by_searcher"] is True
        kept = (
            conn.training_runs(strong.id)
            .checkpoints()
            .create(values=[{"name": "loss", "value": 0.15}])
        )
        assert kept.should_stop is True  # the top rung: the strong run is done as well
        with weak:
            weak.log_metric("loss", 0.9)
    checkpoints = list(conn.training_runs(strong.id).checkpoints().fetch().iterate_pages())
    assert [c.values[0].value for c in checkpoints] == [0.15, 0.2]
    assert conn.training_runs(strong.id).fetch().checkpoint_count == 2
    # Checkpoints are not the run's values; without values, its best checkpoint (validation)
    # is what its observation records.
    assert "loss" not in conn.training_runs(strong.id).fetch().values
    (best,) = list(conn.aiexperiments(experiment.id).best_training_runs().fetch().iterate_pages())
    assert best.id == strong.id


def test_a_worker_reading_the_last_leased_slot_waits_and_then_stops(
    server: RunningServer, project: str
) -> None:
    """Two SigOpt workers read the experiment at its last free run: the first holds the slot,
    the second waits for the first's run and is then told nothing remains."""
    experiment = _experiment(budget=1)
    url = f"{server.api_url}/v1/aiexperiments/{experiment.id}"
    as_worker = {"User-Agent": "sigopt-python/8.8.3 (CLI)"}
    with httpx.Client(auth=(server.token_a, ""), headers=as_worker, timeout=60) as worker:
        assert worker.get(url).json()["progress"]["remaining_budget"] == 1
        with ThreadPoolExecutor(max_workers=1) as pool:
            second = pool.submit(worker.get, url)
            # Give the second read time to reach the server: it is held there, not answered.
            time.sleep(1.0)
            assert not second.done()
            created = worker.post(f"{url}/training_runs", json={"name": "last"})
            assert created.status_code == 200, created.text
            assert second.result(timeout=30).json()["progress"]["remaining_budget"] == 0
    # Readers other than SigOpt's client hold nothing and never wait.
    with httpx.Client(auth=(server.token_a, ""), timeout=60) as viewer:
        assert viewer.get(url).json()["progress"]["remaining_budget"] == 0
