"""The run API training code imports: light to import, configured by the environment alone."""

from __future__ import annotations

import base64
import json
import os
import subprocess
import sys

import httpx
import pytest

import dialin
from dialin.client.context import RunContext
from dialin.errors import InvalidField
from support.dialin import RunningServer
from support.trial_api import TrialApi

HEAVY = ("numpy", "scipy", "sklearn", "fastapi", "starlette", "sqlalchemy", "pydantic", "httpx")


def test_importing_the_run_api_pulls_in_no_heavy_dependency() -> None:
    probe = (
        "import sys, dialin; dialin.get_parameter; dialin.log_metric; dialin.should_stop\n"
        f"print(','.join(m for m in {HEAVY!r} if m in sys.modules))"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == ""


def test_the_top_level_names() -> None:
    assert sorted(dialin.__all__) == [
        "__version__",
        "get_parameter",
        "load_latest_checkpoint",
        "log_checkpoint",
        "log_metric",
        "report_early_exit",
        "should_stop",
    ]
    with pytest.raises(AttributeError):
        _ = dialin.log_everything  # type: ignore[attr-defined]


def _sigopt_context(run: dict[str, object]) -> str:
    return base64.b64encode(json.dumps({"global_run_context": {"run": run}}).encode()).decode()


def test_context_from_dialin_variables() -> None:
    context = RunContext.from_environment(
        {
            "DIALIN_API_URL": "http://dialin:8080",
            "DIALIN_API_TOKEN": "t",
            "DIALIN_TRIAL_ID": "12",
            "DIALIN_TRIAL_RUN_ID": "3",
            "SIGOPT_API_URL": "http://elsewhere",
        }
    )
    assert (context.api_url, context.token, context.trial_id, context.trial_run_id) == (
        "http://dialin:8080",
        "t",
        12,
        3,
    )


def test_context_from_sigopt_variables() -> None:
    context = RunContext.from_environment(
        {
            "SIGOPT_API_URL": "http://dialin:8080",
            "SIGOPT_API_TOKEN": "t",
            "SIGOPT_CONTEXT": _sigopt_context({"id": "7", "assignments": {"lr": 0.2}}),
        }
    )
    assert (context.trial_id, context.trial_run_id, context.assignments) == (7, None, {"lr": 0.2})


@pytest.mark.parametrize(
    ("env", "field"),
    [
        ({}, "DIALIN_TRIAL_ID"),
        ({"DIALIN_TRIAL_ID": "seven"}, "DIALIN_TRIAL_ID"),
        ({"DIALIN_TRIAL_ID": "7", "DIALIN_TRIAL_RUN_ID": "x"}, "DIALIN_TRIAL_RUN_ID"),
        ({"SIGOPT_CONTEXT": "%%%"}, "SIGOPT_CONTEXT"),
    ],
)
def test_outside_a_run(env: dict[str, str], field: str) -> None:
    with pytest.raises(InvalidField) as raised:
        RunContext.from_environment(env)
    assert raised.value.field == field


RUN_PROGRAM = """
import dialin
print(dialin.get_parameter("lr"), dialin.get_parameter("missing", "default"))
print(dialin.log_metric("loss", 0.25, step=1))
print(dialin.should_stop())
"""


def test_a_sigopt_run_uses_the_run_api(dialin_server: RunningServer) -> None:
    """A run made by SigOpt's client (an unmanaged trial) logs through the same record."""
    api = TrialApi(dialin_server.api_url, dialin_server.token_a)
    experiment = api.experiment()
    run = api.ok(
        "POST",
        f"/v1/aiexperiments/{experiment}/training_runs",
        json={"name": "sigopt run", "assignments": {"lr": 0.3}},
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DIALIN_", "SIGOPT_"))}
    env |= {
        "SIGOPT_API_URL": dialin_server.api_url,
        "SIGOPT_API_TOKEN": dialin_server.token_a,
        "SIGOPT_CONTEXT": _sigopt_context({"id": run["id"], "assignments": {"lr": 0.3}}),
    }
    result = subprocess.run(
        [sys.executable, "-c", RUN_PROGRAM], env=env, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["0.3", "default", "False", "False"]
    trial = api.ok("GET", f"/api/v1/trials/{run['id']}")
    assert (trial["managed"], trial["state"]) == (False, "RUNNING")
    assert trial["latest_validation"]["metrics"] == {"loss": 0.25}
    api.close()


def test_errors_are_typed(dialin_server: RunningServer) -> None:
    from dialin.client.http import ApiClient
    from dialin.errors import NotFound, Unauthenticated

    with pytest.raises(Unauthenticated):
        ApiClient(dialin_server.api_url, None).get("/api/v1/trials/1")
    with pytest.raises(NotFound):
        ApiClient(dialin_server.api_url, dialin_server.token_a).get("/api/v1/trials/999999")
    assert httpx.get(f"{dialin_server.api_url}/health").status_code == 200
