"""The trial reads the dashboard's run and AI-experiment pages use, over HTTP against a real
``dialin server``: metric reports by group and step, curves of some trials, state tallies."""

from __future__ import annotations

from collections import Counter
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


def _reported_trial(api: TrialApi, experiment: int, steps: int) -> int:
    trial = api.started_trial(experiment)
    for step in range(1, steps + 1):
        assert api.report(trial["id"], 1, step, "training", loss=1.0 / step).status_code == 200
        if step % 2 == 0:
            assert (
                api.report(trial["id"], 1, step, "validation", loss=2.0 / step).status_code == 200
            )
    return int(trial["id"])


def test_a_trials_reports_page_by_id_and_filter_by_group(api: TrialApi) -> None:
    trial = _reported_trial(api, api.experiment(), steps=6)
    everything = api.ok("GET", f"/api/v1/trials/{trial}/metrics")["data"]
    assert len(everything) == 9
    assert [r["id"] for r in everything] == sorted(r["id"] for r in everything)
    first = api.ok("GET", f"/api/v1/trials/{trial}/metrics?limit=4")["data"]
    rest = api.ok("GET", f"/api/v1/trials/{trial}/metrics?after={first[-1]['id']}")["data"]
    assert first + rest == everything
    validation = api.ok("GET", f"/api/v1/trials/{trial}/metrics?group=validation")["data"]
    assert [(r["steps_completed"], r["metrics"]) for r in validation] == [
        (2, {"loss": 1.0}),
        (4, {"loss": 0.5}),
        (6, {"loss": 2.0 / 6}),
    ]


def test_a_log_tail_gives_the_newest_lines_and_pages_back(api: TrialApi) -> None:
    trial = api.started_trial(api.experiment())["id"]
    lines = [f"line {i}" for i in range(12)]
    api.ok("POST", f"/api/v1/trials/{trial}/logs", json={"trial_run_id": 1, "lines": lines})
    newest = api.ok("GET", f"/api/v1/trials/{trial}/logs/tail?limit=5")["data"]
    assert [line["content"] for line in newest] == lines[7:]
    before = newest[0]["id"]
    earlier = api.ok("GET", f"/api/v1/trials/{trial}/logs/tail?limit=5&before={before}")["data"]
    assert [line["content"] for line in earlier] == lines[2:7]
    assert api.ok("GET", f"/api/v1/trials/{trial}/logs/tail")["data"][0]["content"] == "line 0"


def test_curves_and_state_tally_of_an_experiments_trials(api: TrialApi) -> None:
    experiment = api.experiment()
    finished = _reported_trial(api, experiment, steps=4)
    api.ok(
        "POST",
        f"/api/v1/trials/{finished}/allocations/exit",
        json={"trial_run_id": 1, "cause": "EXITED"},
    )
    running = _reported_trial(api, experiment, steps=2)
    queued = api.trial(experiment)["id"]
    starting = api.ok(
        "POST",
        f"/api/v1/trials/{api.trial(experiment)['id']}/allocations",
        json={"phase": "STARTING"},
    )["id"]

    curves = api.ok(
        "GET",
        f"/api/v1/experiments/{experiment}/metric_curves?trials={running},{finished}&group=validation",
    )["data"]
    assert [c["trial_id"] for c in curves] == [running, finished]
    assert [r["steps_completed"] for r in curves[1]["reports"]] == [2, 4]
    assert {r["group"] for c in curves for r in c["reports"]} == {"validation"}
    assert not curves[1]["sampled"] and curves[1]["state"] == "COMPLETED"

    states = api.ok("GET", f"/api/v1/experiments/{experiment}/trial_states")
    assert states["counts"] == {"COMPLETED": 1, "QUEUED": 1, "RUNNING": 1, "STARTING": 1}
    assert states["total"] == 4 and states["restarts"] == 0
    listed = api.ok("GET", f"/api/v1/trials?ids={queued},{finished},{queued}")["data"]
    assert [(t["id"], t["state"]) for t in listed] == [(queued, "QUEUED"), (finished, "COMPLETED")]
    every = api.ok("GET", f"/api/v1/trials?ids={finished},{running},{queued},{starting}")["data"]
    assert Counter(t["state"] for t in every) == states["counts"]


def test_bad_parameters_name_their_field(api: TrialApi) -> None:
    experiment = api.experiment()
    trial = _reported_trial(api, experiment, steps=1)
    for path, field in [
        (f"/api/v1/trials/{trial}/metrics?limit=0", "limit"),
        (f"/api/v1/trials/{trial}/metrics?after=soon", "after"),
        (f"/api/v1/trials/{trial}/metrics?group=a.b", "group"),
        (f"/api/v1/experiments/{experiment}/metric_curves", "trials"),
        (f"/api/v1/experiments/{experiment}/metric_curves?trials=1,x", "trials"),
        ("/api/v1/trials", "ids"),
        (f"/api/v1/trials/{trial}/logs/tail?before=x", "before"),
        (f"/api/v1/trials/{trial}/logs/tail?before={2**64}", "before"),
        (f"/api/v1/trials/{trial}/metrics?after=-1", "after"),
        (
            f"/api/v1/experiments/{experiment}/metric_curves?trials="
            + ",".join(str(i) for i in range(1, 52)),
            "trials",
        ),
    ]:
        answer = api.http.get(path)
        assert answer.status_code == 400, (path, answer.text)
        assert field in answer.json()["message"], (path, answer.text)


def test_another_clients_trials_and_experiments_do_not_exist(
    api: TrialApi, other: TrialApi
) -> None:
    experiment = api.experiment()
    trial = _reported_trial(api, experiment, steps=2)
    for path in (
        f"/api/v1/trials/{trial}/metrics",
        f"/api/v1/experiments/{experiment}/metric_curves?trials={trial}",
        f"/api/v1/experiments/{experiment}/trial_states",
        f"/api/v1/trials/{trial}/logs/tail",
    ):
        assert other.http.get(path).status_code == 404, path
    assert other.ok("GET", f"/api/v1/trials?ids={trial}")["data"] == []
    assert other.http.get(f"/api/v1/trials/{trial}/metrics", auth=None).status_code == 401
    # A foreign trial id in an own experiment's curves is skipped, never shown.
    theirs = other.experiment()
    assert other.ok("GET", f"/api/v1/experiments/{theirs}/metric_curves?trials={trial}") == {
        "object": "list",
        "data": [],
    }
