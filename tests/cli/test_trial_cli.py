"""``dialin trial`` and ``dialin experiment``: help, exit codes and ``--json``, against a server."""

from __future__ import annotations

import json
import os
import subprocess
from collections.abc import Iterator

import pytest

from support.dialin import RunningServer, dialin_command, run_dialin
from support.trial_api import TrialApi


@pytest.fixture
def api(dialin_server: RunningServer) -> Iterator[TrialApi]:
    client = TrialApi(dialin_server.api_url, dialin_server.token_a)
    yield client
    client.close()


def remote(server: RunningServer, *args: str) -> list[str]:
    return [*args, "--api-url", server.api_url, "--token", server.token_a]


@pytest.mark.parametrize(
    ("group", "commands"),
    [
        ("trial", ["activate", "describe", "kill", "list", "logs", "pause"]),
        ("experiment", ["activate", "cancel", "continue", "describe", "kill", "pause"]),
    ],
)
def test_help_lists_the_commands(group: str, commands: list[str]) -> None:
    result = run_dialin(group, "--help")
    assert result.returncode == 0
    for command in commands:
        assert f"  {command} " in result.stdout
    sub = run_dialin(group, commands[0], "--help")
    assert sub.returncode == 0 and "--api-url" in sub.stdout and "--json" in sub.stdout


def test_trial_list_and_describe_as_json(api: TrialApi, dialin_server: RunningServer) -> None:
    experiment = api.experiment()
    trial = api.started_trial(experiment)
    listed = run_dialin(*remote(dialin_server, "trial", "list", str(experiment), "--json"))
    assert listed.returncode == 0, listed.stderr
    assert [t["id"] for t in json.loads(listed.stdout)] == [trial["id"]]
    described = run_dialin(*remote(dialin_server, "trial", "describe", str(trial["id"]), "--json"))
    detail = json.loads(described.stdout)
    assert (detail["state"], detail["trial_run_id"]) == ("RUNNING", 1)
    assert [h["reason"] for h in detail["history"]] == ["created", "allocation started"]


def test_trial_describe_for_people(api: TrialApi, dialin_server: RunningServer) -> None:
    trial = api.started_trial(api.experiment())
    api.report(trial["id"], 1, 3, loss=0.5)
    described = run_dialin(*remote(dialin_server, "trial", "describe", str(trial["id"])))
    assert described.returncode == 0, described.stderr
    assert f"trial {trial['id']}" in described.stdout and "RUNNING" in described.stdout
    assert "best validation at step 3" in described.stdout


def test_trial_actions(api: TrialApi, dialin_server: RunningServer) -> None:
    tid = str(api.started_trial(api.experiment())["id"])
    paused = run_dialin(*remote(dialin_server, "trial", "pause", tid, "--json"))
    assert json.loads(paused.stdout)["state"] == "PAUSED"
    activated = run_dialin(*remote(dialin_server, "trial", "activate", tid))
    assert activated.returncode == 0 and "RUNNING" in activated.stdout
    killed = run_dialin(*remote(dialin_server, "trial", "kill", tid, "--json"))
    assert json.loads(killed.stdout)["state"] == "STOPPING_KILLED"


def test_experiment_actions(api: TrialApi, dialin_server: RunningServer) -> None:
    experiment = api.experiment()
    trial = api.trial(experiment)
    canceled = run_dialin(*remote(dialin_server, "experiment", "cancel", str(experiment), "--json"))
    assert canceled.returncode == 0, canceled.stderr
    shown = json.loads(canceled.stdout)
    # No trial was running: the experiment ended at once.
    assert shown["state"] == "CANCELED"
    assert [(t["id"], t["state"]) for t in shown["trials"]] == [(trial["id"], "CANCELED")]
    refused = run_dialin(*remote(dialin_server, "experiment", "pause", str(experiment)))
    assert refused.returncode == 2 and "continue it" in refused.stderr
    continued = run_dialin(*remote(dialin_server, "experiment", "continue", str(experiment)))
    assert continued.returncode == 0, continued.stderr
    assert f"experiment {experiment}: ACTIVE" in continued.stdout
    described = run_dialin(
        *remote(dialin_server, "experiment", "describe", str(experiment), "--json")
    )
    assert json.loads(described.stdout)["trials"][0]["state"] == "QUEUED"


def test_trial_logs(api: TrialApi, dialin_server: RunningServer) -> None:
    tid = api.started_trial(api.experiment())["id"]
    api.ok("POST", f"/api/v1/trials/{tid}/logs", json={"trial_run_id": 1, "lines": ["epoch 1"]})
    logs = run_dialin(*remote(dialin_server, "trial", "logs", str(tid)))
    assert logs.stdout == "[run 1 stdout] epoch 1\n"


def test_the_environment_configures_the_server(api: TrialApi, dialin_server: RunningServer) -> None:
    experiment = api.experiment()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DIALIN_", "SIGOPT_"))}
    env |= {"SIGOPT_API_URL": dialin_server.api_url, "DIALIN_API_TOKEN": dialin_server.token_a}
    result = subprocess.run(
        [*dialin_command(), "trial", "list", str(experiment), "--json"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == []


def test_exit_codes(dialin_server: RunningServer) -> None:
    missing = run_dialin(*remote(dialin_server, "trial", "describe", "999999"))
    assert missing.returncode == 1 and missing.stderr.startswith("dialin: ")
    refused = run_dialin(
        "trial", "describe", "1", "--api-url", dialin_server.api_url, "--token", "wrong"
    )
    assert refused.returncode == 1
    unreachable = run_dialin("trial", "list", "1", "--api-url", "http://127.0.0.1:9")
    assert unreachable.returncode == 1 and "cannot reach" in unreachable.stderr
    usage = run_dialin("trial", "describe", "not-a-number")
    assert usage.returncode == 2
