"""dialin's trial API (``/api/v1``) against a real ``dialin server``, SQLite and PostgreSQL."""

from __future__ import annotations

import base64
import time
import uuid
from collections.abc import Iterator

import pytest

from support.dialin import RunningServer
from support.trial_api import TrialApi


@pytest.fixture
def api(dialin_server: RunningServer) -> Iterator[TrialApi]:
    client = TrialApi(dialin_server.api_url, dialin_server.token_a)
    yield client
    client.close()


@pytest.fixture
def other(dialin_server: RunningServer) -> Iterator[TrialApi]:
    client = TrialApi(dialin_server.api_url, dialin_server.token_b)
    yield client
    client.close()


def test_a_new_trial_is_queued_until_its_first_allocation(api: TrialApi) -> None:
    experiment = api.experiment()
    trial = api.trial(experiment, lr=0.25)
    assert (trial["state"], trial["trial_state"], trial["trial_run_id"]) == ("QUEUED", "ACTIVE", 0)
    assert trial["hparams"] == {"lr": 0.25} and trial["managed"]
    started = api.ok("POST", f"/api/v1/trials/{trial['id']}/allocations")
    assert (started["state"], started["trial_run_id"]) == ("RUNNING", 1)
    again = api.http.post(f"/api/v1/trials/{trial['id']}/allocations")
    assert again.status_code == 400 and "open allocation" in again.json()["message"]
    listed = api.ok("GET", f"/api/v1/experiments/{experiment}/trials")["data"]
    assert [t["id"] for t in listed] == [trial["id"]]


def test_the_trial_is_the_training_run(api: TrialApi) -> None:
    trial = api.started_trial(api.experiment())
    api.ok("POST", f"/api/v1/trials/{trial['id']}/kill")
    # Stopping is still active for SigOpt; the run fails once the allocation is gone.
    assert api.ok("GET", f"/v1/training_runs/{trial['id']}")["state"] == "active"
    api.ok(
        "POST",
        f"/api/v1/trials/{trial['id']}/allocations/exit",
        json={"trial_run_id": 1, "cause": "KILLED"},
    )
    run = api.ok("GET", f"/v1/training_runs/{trial['id']}")
    assert run["state"] == "failed" and run["assignments"] == {"lr": 0.1}
    assert run["completed"] is not None


def test_another_clients_trial_does_not_exist(api: TrialApi, other: TrialApi) -> None:
    experiment = api.experiment()
    trial = api.started_trial(experiment)
    for method, path in [
        ("GET", f"/api/v1/trials/{trial['id']}"),
        ("GET", f"/api/v1/trials/{trial['id']}/signals"),
        ("POST", f"/api/v1/trials/{trial['id']}/kill"),
        ("GET", f"/api/v1/experiments/{experiment}/trials"),
        ("POST", f"/api/v1/experiments/{experiment}/pause"),
    ]:
        assert other.http.request(method, path).status_code == 404, path
    reported = other.report(trial["id"], 1, 1, loss=0.1)
    assert reported.status_code == 404
    assert api.ok("GET", f"/api/v1/trials/{trial['id']}")["trial_state"] == "ACTIVE"


def test_unauthenticated_calls_are_refused(dialin_server: RunningServer) -> None:
    import httpx

    response = httpx.get(f"{dialin_server.api_url}/api/v1/trials/1")
    assert response.status_code == 401


def test_metrics_build_summary_and_best_validation(api: TrialApi) -> None:
    trial = api.started_trial(api.experiment())
    tid = trial["id"]
    for step, loss in [(10, 0.9), (20, 0.3), (30, 0.5)]:
        assert api.report(tid, 1, step, loss=loss).status_code == 200
    api.report(tid, 1, 30, group="training", loss=0.4, lr=0.1)
    nan = api.report(tid, 1, 40, loss="NaN")
    assert nan.status_code == 200
    detail = api.ok("GET", f"/api/v1/trials/{tid}")
    summary = detail["summary_metrics"]["validation_metrics"]["loss"]
    assert summary["count"] == 4 and summary["min"] == summary["max"] == "NaN"
    assert detail["summary_metrics"]["avg_metrics"]["lr"]["last"] == 0.1
    assert detail["best_validation"]["metrics"] == {"loss": 0.3}
    assert detail["latest_validation"]["steps_completed"] == 40
    assert detail["total_batches_processed"] == 40


def test_a_report_at_a_reported_step_merges_and_never_changes_a_value(api: TrialApi) -> None:
    tid = api.started_trial(api.experiment())["id"]
    assert api.report(tid, 1, 5, loss=0.5).status_code == 200
    merged = api.report(tid, 1, 5, acc=0.7)
    assert merged.json()["metrics"] == {"loss": 0.5, "acc": 0.7}
    changed = api.report(tid, 1, 5, loss=0.4)
    assert changed.status_code == 400 and changed.json()["field"] == "metrics.loss"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"group": "a.b", "metrics": {"x": 1}, "trial_run_id": 1}, "group"),
        ({"metrics": {}, "trial_run_id": 1}, "metrics"),
        ({"metrics": {"x": 1}}, "trial_run_id"),
        ({"metrics": {"epoch": "two"}, "trial_run_id": 1}, "metrics.epoch"),
        ({"metrics": {"x": 1}, "trial_run_id": 1, "colour": "red"}, "colour"),
    ],
)
def test_bad_metric_reports(api: TrialApi, body: dict[str, object], field: str) -> None:
    tid = api.started_trial(api.experiment())["id"]
    response = api.http.post(f"/api/v1/trials/{tid}/metrics", json=body)
    assert response.status_code == 400
    assert response.json()["field"] == field


def test_checkpoints_upload_and_download(api: TrialApi) -> None:
    tid = api.started_trial(api.experiment())["id"]
    missing = api.http.get(f"/api/v1/trials/{tid}/checkpoints/latest")
    assert missing.status_code == 404
    uuids = []
    for step in (10, 20):
        uuids.append(str(uuid.uuid4()))
        content = base64.b64encode(f"weights at {step}".encode()).decode()
        stored = api.ok(
            "POST",
            f"/api/v1/trials/{tid}/checkpoints",
            json={
                "uuid": uuids[-1],
                "trial_run_id": 1,
                "metadata": {"steps_completed": step},
                "files": {"model/w.bin": content},
            },
        )
        assert stored["resources"] == {"model/w.bin": len(f"weights at {step}")}
    latest = api.ok("GET", f"/api/v1/trials/{tid}/checkpoints/latest")
    assert (latest["uuid"], latest["steps_completed"]) == (uuids[1], 20)
    files = api.ok("GET", f"/api/v1/trials/{tid}/checkpoints/{uuids[1]}/files")["files"]
    assert base64.b64decode(files["model/w.bin"]) == b"weights at 20"
    listed = api.ok("GET", f"/api/v1/trials/{tid}/checkpoints")["data"]
    assert [c["uuid"] for c in listed] == uuids
    again = api.http.post(
        f"/api/v1/trials/{tid}/checkpoints",
        json={"uuid": uuids[0], "trial_run_id": 1, "metadata": {"steps_completed": 1}},
    )
    assert again.status_code == 400


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"uuid": "nope", "metadata": {"steps_completed": 1}}, "uuid"),
        ({"metadata": {}}, "metadata.steps_completed"),
        ({"metadata": {"steps_completed": 1}, "files": {"../x": "AA=="}}, "files"),
        ({"metadata": {"steps_completed": 1}, "files": {"x": "not base64!"}}, "files.x"),
        ({"metadata": {"steps_completed": 1}, "state": "ACTIVE"}, "state"),
    ],
)
def test_bad_checkpoints(api: TrialApi, body: dict[str, object], field: str) -> None:
    tid = api.started_trial(api.experiment())["id"]
    response = api.http.post(
        f"/api/v1/trials/{tid}/checkpoints",
        json={"uuid": str(uuid.uuid4()), "trial_run_id": 1, **body},
    )
    assert response.status_code == 400, response.text
    assert response.json()["field"] == field


def test_pause_raises_the_stop_signal_and_activate_resumes(api: TrialApi) -> None:
    tid = api.started_trial(api.experiment())["id"]
    assert api.ok("GET", f"/api/v1/trials/{tid}/signals")["should_stop"] is False
    assert api.ok("POST", f"/api/v1/trials/{tid}/pause")["state"] == "PAUSED"
    signals = api.ok("GET", f"/api/v1/trials/{tid}/signals")
    assert signals["should_stop"] and signals["reasons"] == ["paused"]
    api.ok("POST", f"/api/v1/trials/{tid}/signals/ack", json={"trial_run_id": 1})
    exited = api.ok(
        "POST",
        f"/api/v1/trials/{tid}/allocations/exit",
        json={"trial_run_id": 1, "cause": "EXITED"},
    )
    assert (exited["state"], exited["reallocate"]) == ("PAUSED", False)
    assert api.ok("POST", f"/api/v1/trials/{tid}/activate")["state"] == "QUEUED"
    resumed = api.ok("POST", f"/api/v1/trials/{tid}/allocations")
    assert (resumed["trial_run_id"], resumed["restarts"]) == (2, 0)


def test_kill_without_a_running_allocation_cancels_at_once(api: TrialApi) -> None:
    trial = api.trial(api.experiment())
    killed = api.ok("POST", f"/api/v1/trials/{trial['id']}/kill")
    assert (killed["state"], killed["run_state"]) == ("CANCELED", "failed")
    assert killed["end_time"] is not None
    # A finished trial ignores later requests.
    assert api.ok("POST", f"/api/v1/trials/{trial['id']}/activate")["state"] == "CANCELED"


def test_crash_restarts_until_max_restarts(api: TrialApi) -> None:
    tid = api.started_trial(api.experiment(), max_restarts=1)["id"]
    crash = {"cause": "CRASHED", "error": "exit code 1"}
    first = api.ok(
        "POST", f"/api/v1/trials/{tid}/allocations/exit", json={"trial_run_id": 1, **crash}
    )
    assert (first["reallocate"], first["restarts"], first["trial_run_id"]) == (True, 1, 2)
    stale = api.http.post(
        f"/api/v1/trials/{tid}/allocations/exit", json={"trial_run_id": 1, **crash}
    )
    assert stale.status_code == 400
    second = api.ok(
        "POST", f"/api/v1/trials/{tid}/allocations/exit", json={"trial_run_id": 2, **crash}
    )
    assert (second["state"], second["reallocate"], second["restarts"]) == ("ERROR", False, 1)
    history = api.ok("GET", f"/api/v1/trials/{tid}")["history"]
    assert [h["reason"] for h in history] == [
        "created",
        "allocation started",
        "restart after crash",
        "max restarts",
    ]


def test_early_exit_is_reported_once(api: TrialApi) -> None:
    tid = api.started_trial(api.experiment())["id"]
    bad = api.http.post(f"/api/v1/trials/{tid}/early_exit", json={"reason": "BORED"})
    assert bad.status_code == 400 and bad.json()["field"] == "reason"
    exited = api.ok("POST", f"/api/v1/trials/{tid}/early_exit", json={"reason": "INVALID_HP"})
    assert exited["early_exit"] == "INVALID_HP" and exited["should_stop"]
    again = api.http.post(f"/api/v1/trials/{tid}/early_exit", json={"reason": "INVALID_HP"})
    assert again.status_code == 400
    done = api.ok(
        "POST",
        f"/api/v1/trials/{tid}/allocations/exit",
        json={"trial_run_id": 1, "cause": "EXITED"},
    )
    assert done["state"] == "COMPLETED"


def test_experiment_actions_reach_every_live_trial(api: TrialApi) -> None:
    experiment = api.experiment()
    running = api.started_trial(experiment)
    queued = api.trial(experiment)
    paused = api.ok("POST", f"/api/v1/experiments/{experiment}/pause")["data"]
    assert [t["state"] for t in paused] == ["PAUSED", "PAUSED"]
    api.ok("POST", f"/api/v1/experiments/{experiment}/activate")
    canceled = api.ok("POST", f"/api/v1/experiments/{experiment}/cancel")["data"]
    states = {t["id"]: t["state"] for t in canceled}
    assert states == {running["id"]: "STOPPING_CANCELED", queued["id"]: "CANCELED"}
    # Kill is more severe than cancel: the stopping trial escalates.
    killed = api.ok("POST", f"/api/v1/experiments/{experiment}/kill")["data"]
    assert {t["id"]: t["state"] for t in killed}[running["id"]] == "STOPPING_KILLED"
    ended = api.ok(
        "POST",
        f"/api/v1/trials/{running['id']}/allocations/exit",
        json={"trial_run_id": 1, "cause": "KILLED"},
    )
    assert ended["state"] == "CANCELED"


def test_logs_of_a_trial(api: TrialApi) -> None:
    tid = api.started_trial(api.experiment())["id"]
    api.ok("POST", f"/api/v1/trials/{tid}/logs", json={"trial_run_id": 1, "lines": ["a", "b"]})
    api.ok(
        "POST",
        f"/api/v1/trials/{tid}/logs",
        json={"trial_run_id": 1, "stream": "stderr", "lines": ["c"]},
    )
    lines = api.ok("GET", f"/api/v1/trials/{tid}/logs")["data"]
    assert [(line["stream"], line["content"]) for line in lines] == [
        ("stdout", "a"),
        ("stdout", "b"),
        ("stderr", "c"),
    ]
    after = api.ok("GET", f"/api/v1/trials/{tid}/logs", params={"after": lines[1]["id"]})["data"]
    assert [line["content"] for line in after] == ["c"]


ASHA = {"type": "asha", "metric": "loss", "max_length": 16, "reduction_factor": 2, "num_rungs": 2}


def test_asha_in_the_experiment_definition_stops_a_weak_trial(api: TrialApi) -> None:
    experiment = api.experiment(early_stopping=ASHA)
    fetched = api.ok("GET", f"/v1/aiexperiments/{experiment}")
    assert fetched["early_stopping"]["smaller_is_better"] is True
    strong = api.started_trial(experiment)["id"]
    weak = api.started_trial(experiment)["id"]
    assert api.report(strong, 1, 8, loss=0.2).json()["should_stop"] is False
    assert api.report(weak, 1, 8, loss=0.9).json()["should_stop"] is True
    stopped = api.ok("GET", f"/api/v1/trials/{weak}")
    assert (stopped["state"], stopped["stopped_by_searcher"]) == ("STOPPING_COMPLETED", True)
    missing = api.report(strong, 1, 16, acc=0.5)
    assert missing.status_code == 400 and missing.json()["field"] == "metrics.loss"
    assert api.report(strong, 1, 16, loss=0.1).json()["should_stop"] is True


@pytest.mark.parametrize(
    "early_stopping",
    [
        {"type": "asha", "metric": "accuracy", "max_length": 9},
        {"type": "asha", "metric": "loss"},
        {"type": "hyperband", "metric": "loss", "max_length": 9},
        {**ASHA, "reduction_factor": 1},
        {**ASHA, "patience": 3},
    ],
)
def test_bad_early_stopping_definitions(api: TrialApi, early_stopping: dict[str, object]) -> None:
    response = api.http.post(
        f"/v1/clients/{api.client_id}/projects/{api.project()}/aiexperiments",
        json={
            "name": "bad",
            "parameters": [{"name": "lr", "type": "double", "bounds": {"min": 0, "max": 1}}],
            "metrics": [{"name": "loss", "objective": "minimize"}],
            "early_stopping": early_stopping,
        },
    )
    assert response.status_code == 400
    assert response.json()["field"].startswith("early_stopping")


def test_a_sigopt_run_on_allocations_is_managed_and_observed_at_its_end(api: TrialApi) -> None:
    experiment = api.experiment()
    run = api.ok("POST", f"/v1/aiexperiments/{experiment}/training_runs", json={"name": "served"})
    assert run["suggestion"] is not None and "lr" in run["assignments"]
    tid = int(run["id"])
    assert api.ok("GET", f"/api/v1/trials/{tid}")["managed"] is False
    started = api.ok("POST", f"/api/v1/trials/{tid}/allocations")
    assert (started["managed"], started["trial_run_id"]) == (True, 1)
    for step, loss in [(1, 0.8), (2, 0.2), (3, 0.4)]:
        api.report(tid, 1, step, loss=loss)
    api.ok(
        "POST",
        f"/api/v1/trials/{tid}/allocations/exit",
        json={"trial_run_id": 1, "cause": "EXITED"},
    )
    finished = api.ok("GET", f"/v1/training_runs/{tid}")
    assert (finished["state"], finished["finished"]) == ("completed", True)
    assert finished["observation"] is not None
    progress = api.ok("GET", f"/v1/aiexperiments/{experiment}")["progress"]
    assert progress["finished_run_count"] == 1
    best = api.ok("GET", f"/v1/aiexperiments/{experiment}/best_training_runs")["data"]
    assert [b["id"] for b in best] == [str(tid)]


def test_a_killed_trial_is_a_failed_observation(api: TrialApi) -> None:
    experiment = api.experiment()
    tid = int(
        api.ok("POST", f"/v1/aiexperiments/{experiment}/training_runs", json={"name": "r"})["id"]
    )
    api.report(tid, 0, 1, loss=0.1)
    assert api.ok("POST", f"/api/v1/trials/{tid}/kill")["state"] == "CANCELED"
    run = api.ok("GET", f"/v1/training_runs/{tid}")
    assert run["state"] == "failed" and run["observation"] is not None
    assert api.ok("GET", f"/v1/aiexperiments/{experiment}/best_training_runs")["data"] == []


def test_validation_reports_are_the_runs_values_and_its_observation(api: TrialApi) -> None:
    experiment = api.experiment()
    # A run served the SigOpt way, as `sigopt optimize` or `dialin optimize` make them.
    run = api.ok("POST", f"/v1/aiexperiments/{experiment}/training_runs", json={"name": "r"})
    trial = api.ok("GET", f"/api/v1/trials/{run['id']}")
    reported = api.report(int(run["id"]), trial["trial_run_id"], 3, loss=0.25)
    assert reported.status_code == 200, reported.text
    assert api.ok("GET", f"/v1/training_runs/{run['id']}")["values"]["loss"]["value"] == 0.25
    api.ok("PUT", f"/v1/training_runs/{run['id']}", json={"state": "completed"})
    best = api.ok("GET", f"/v1/aiexperiments/{experiment}/best_training_runs")["data"]
    assert [b["id"] for b in best] == [run["id"]]
    assert best[0]["values"]["loss"]["value"] == 0.25


def test_the_experiment_state_follows_user_actions_and_its_trials(api: TrialApi) -> None:
    experiment = api.experiment()
    running = api.started_trial(experiment)
    view = api.ok("GET", f"/api/v1/experiments/{experiment}")
    assert (view["state"], [t["id"] for t in view["trials"]]) == ("ACTIVE", [running["id"]])

    paused = api.ok("POST", f"/api/v1/experiments/{experiment}/pause")
    assert paused["state"] == "PAUSED" and paused["trial_counts"] == {"PAUSED": 1}
    refused = api.http.post(f"/api/v1/experiments/{experiment}/trials", json={"hparams": {}})
    assert refused.status_code == 403 and "PAUSED" in refused.json()["message"]
    sigopt = api.http.post(f"/v1/aiexperiments/{experiment}/training_runs", json={"name": "r"})
    assert sigopt.status_code == 403 and "activate it" in sigopt.json()["message"]
    # SigOpt's worker loop reads this and ends cleanly instead of asking for a run.
    assert api.ok("GET", f"/v1/aiexperiments/{experiment}")["progress"]["remaining_budget"] == 0

    assert api.ok("POST", f"/api/v1/experiments/{experiment}/activate")["state"] == "ACTIVE"
    canceled = api.ok("POST", f"/api/v1/experiments/{experiment}/cancel")
    assert canceled["state"] == "STOPPING_CANCELED"
    api.ok(
        "POST",
        f"/api/v1/trials/{running['id']}/allocations/exit",
        json={"trial_run_id": running["trial_run_id"], "cause": "EXITED"},
    )
    assert api.ok("GET", f"/api/v1/experiments/{experiment}")["state"] == "CANCELED"
    again = api.http.post(f"/api/v1/experiments/{experiment}/activate")
    assert again.status_code == 400 and "continue it" in again.json()["message"]


def test_continue_reopens_the_trials_that_did_not_complete(api: TrialApi) -> None:
    experiment = api.experiment()
    done = api.started_trial(experiment)
    crashed = api.started_trial(experiment, max_restarts=0)
    api.ok(
        "POST",
        f"/api/v1/trials/{done['id']}/allocations/exit",
        json={"trial_run_id": 1, "cause": "EXITED"},
    )
    api.ok(
        "POST",
        f"/api/v1/trials/{crashed['id']}/allocations/exit",
        json={"trial_run_id": 1, "cause": "CRASHED", "error": "exit 1"},
    )
    early = api.http.post(f"/api/v1/experiments/{experiment}/continue")
    assert early.status_code == 400 and "only a finished experiment" in early.json()["message"]
    assert api.ok("POST", f"/api/v1/experiments/{experiment}/kill")["state"] == "CANCELED"

    continued = api.ok("POST", f"/api/v1/experiments/{experiment}/continue")
    assert continued["state"] == "ACTIVE"
    states = {t["id"]: t for t in continued["trials"]}
    assert states[done["id"]]["state"] == "COMPLETED"
    reopened = states[crashed["id"]]
    assert (reopened["state"], reopened["end_time"], reopened["restarts"]) == ("QUEUED", None, 0)
    assert reopened["task_ids"] == [reopened["task_id"], f"{reopened['task_id']}-1"]
    assert api.ok("POST", f"/api/v1/trials/{crashed['id']}/allocations")["trial_run_id"] == 2


def test_a_sigopt_experiment_ends_with_its_budget_and_a_raised_budget_continues_it(
    api: TrialApi,
) -> None:
    experiment = api.experiment(budget=2)
    runs = [
        api.ok("POST", f"/v1/aiexperiments/{experiment}/training_runs", json={"name": "r"})
        for _ in range(2)
    ]
    api.ok("PUT", f"/v1/training_runs/{runs[0]['id']}", json={"state": "completed"})
    assert api.ok("GET", f"/api/v1/experiments/{experiment}")["state"] == "ACTIVE"
    api.ok("PUT", f"/v1/training_runs/{runs[1]['id']}", json={"state": "failed"})
    view = api.ok("GET", f"/api/v1/experiments/{experiment}")
    assert view["state"] == "COMPLETED" and view["progress"] == 1.0
    refused = api.http.post(f"/v1/aiexperiments/{experiment}/training_runs", json={"name": "r"})
    assert refused.status_code == 403

    api.ok("PUT", f"/v1/aiexperiments/{experiment}", json={"budget": 3})
    api.ok("POST", f"/v1/aiexperiments/{experiment}/training_runs", json={"name": "more"})
    assert api.ok("GET", f"/api/v1/experiments/{experiment}")["state"] == "ACTIVE"


def test_sigopt_checkpoints_are_validation_reports(api: TrialApi) -> None:
    experiment = api.experiment(early_stopping=ASHA)
    run = api.ok("POST", f"/v1/aiexperiments/{experiment}/training_runs", json={"name": "r"})
    created = api.ok(
        "POST",
        f"/v1/training_runs/{run['id']}/checkpoints",
        json={
            "values": [{"name": "loss", "value": 0.5, "value_stddev": 0.1}],
            "metadata": {"e": 1},
        },
    )
    assert created["should_stop"] is False
    assert created["stopping_reasons"] == {"stopped_by_searcher": False, "trial_stopped": False}
    report = api.ok("GET", f"/api/v1/trials/{run['id']}")["latest_validation"]
    assert (report["id"], report["steps_completed"], report["metrics"]) == (
        int(created["id"]),
        1,
        {"loss": 0.5},
    )
    # A validation report made through the trial API reads back as a SigOpt checkpoint.
    api.report(int(run["id"]), 0, 2, loss=0.25)
    listed = api.ok("GET", f"/v1/training_runs/{run['id']}/checkpoints")["data"]
    assert [c["values"][0]["value"] for c in listed] == [0.25, 0.5]
    assert listed[1]["values"][0]["value_stddev"] == 0.1 and listed[1]["metadata"] == {"e": 1}
    assert api.ok("GET", f"/v1/training_runs/{run['id']}")["checkpoint_count"] == 2


def test_progress_batch_metrics_wall_clock_and_log_retention(api: TrialApi) -> None:
    experiment = api.experiment(budget=2)
    trial = api.started_trial(experiment, log_retention_days=0)
    tid = trial["id"]
    assert trial["log_retention_days"] == 0
    progressed = api.ok(
        "POST", f"/api/v1/trials/{tid}/progress", json={"trial_run_id": 1, "progress": 0.5}
    )
    assert progressed["progress"] == 0.5
    # Two budget slots, one half done.
    assert api.ok("GET", f"/api/v1/experiments/{experiment}")["progress"] == 0.25
    bad = api.http.post(f"/api/v1/trials/{tid}/progress", json={"trial_run_id": 1, "progress": 1.5})
    assert bad.status_code == 400 and bad.json()["field"] == "progress"

    batches = [{"loss": 0.9}, {"loss": 0.7}]
    body = {"group": "training", "steps_completed": 2, "trial_run_id": 1}
    first = api.http.post(
        f"/api/v1/trials/{tid}/metrics",
        json={**body, "metrics": {"loss": 0.8}, "batch_metrics": batches},
    )
    assert first.status_code == 200 and first.json()["batch_metrics"] == batches
    again = api.http.post(
        f"/api/v1/trials/{tid}/metrics",
        json={**body, "metrics": {"acc": 0.1}, "batch_metrics": batches},
    )
    assert again.status_code == 400 and again.json()["field"] == "batch_metrics"

    api.ok("POST", f"/api/v1/trials/{tid}/logs", json={"trial_run_id": 1, "lines": ["old"]})
    # The server's clock counts whole seconds: let one pass so "old" is older than 0 days.
    time.sleep(1.1)
    api.ok("POST", f"/api/v1/trials/{tid}/logs", json={"trial_run_id": 1, "lines": ["new"]})
    assert [line["content"] for line in api.ok("GET", f"/api/v1/trials/{tid}/logs")["data"]] == [
        "new"
    ]

    api.ok(
        "POST",
        f"/api/v1/trials/{tid}/allocations/exit",
        json={"trial_run_id": 1, "cause": "EXITED"},
    )
    ended = api.ok("GET", f"/api/v1/trials/{tid}")
    assert ended["wall_clock_time"] >= 1
    assert api.ok("GET", f"/api/v1/trials/{tid}")["wall_clock_time"] == ended["wall_clock_time"]


def test_the_training_monitor_advises_sigopt_checkpoints_to_stop(api: TrialApi) -> None:
    criterion = {
        "type": "convergence",
        "name": "flat",
        "metric": "loss",
        "lookback_checkpoints": 2,
        "min_checkpoints": 3,
    }
    experiment = api.experiment(
        training_monitor={"max_checkpoints": 4, "early_stopping_criteria": [criterion]}
    )
    fetched = api.ok("GET", f"/v1/aiexperiments/{experiment}")["training_monitor"]
    assert fetched == {"max_checkpoints": 4, "early_stopping_criteria": [criterion]}
    run = api.ok("POST", f"/v1/aiexperiments/{experiment}/training_runs", json={"name": "r"})
    answers = [
        api.ok(
            "POST",
            f"/v1/training_runs/{run['id']}/checkpoints",
            json={"values": [{"name": "loss", "value": loss}]},
        )
        for loss in (0.5, 0.4, 0.45, 0.45)
    ]
    assert [a["should_stop"] for a in answers] == [False, False, False, True]
    assert answers[2]["stopping_reasons"]["flat"] is False
    assert answers[3]["stopping_reasons"] == {
        "stopped_by_searcher": True,
        "trial_stopped": False,
        "flat": True,
        "max_checkpoints": True,
    }
    assert api.ok("GET", f"/api/v1/trials/{run['id']}")["stopped_by_searcher"] is True
    bad = api.http.post(
        f"/v1/clients/{api.client_id}/projects/{api.project()}/aiexperiments",
        json={
            "name": "bad",
            "parameters": [{"name": "lr", "type": "double", "bounds": {"min": 0, "max": 1}}],
            "metrics": [{"name": "loss"}],
            "training_monitor": {"max_checkpoints": -1},
        },
    )
    assert bad.status_code == 400 and bad.json()["field"] == "training_monitor.max_checkpoints"


def test_an_asha_experiments_progress_counts_its_first_rung(api: TrialApi) -> None:
    experiment = api.experiment(early_stopping=ASHA, budget=2)
    tid = api.started_trial(experiment)["id"]
    assert api.report(tid, 1, 8, loss=0.2).status_code == 200
    api.ok("POST", f"/api/v1/trials/{tid}/progress", json={"trial_run_id": 1, "progress": 0.5})
    # One of 1.2 × 2 rung-0 entries.
    assert api.ok("GET", f"/api/v1/experiments/{experiment}")["progress"] == pytest.approx(1 / 2.4)
