"""The run API training code imports: light to import, configured by the environment alone."""

from __future__ import annotations

import base64
import json
import os
import subprocess
import sys
from pathlib import Path

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
    assert context is not None
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
    assert context is not None
    assert (context.trial_id, context.trial_run_id, context.assignments) == (7, None, {"lr": 0.2})


def test_context_from_sigopt_cli_with_a_configured_token(tmp_path: Path) -> None:
    """``sigopt config`` keeps the token in $SIGOPT_HOME/client/config.json; ``sigopt run``
    then sets no SIGOPT_API_TOKEN, and the run API reads the file as SigOpt's client does."""
    (tmp_path / "client").mkdir()
    (tmp_path / "client" / "config.json").write_text(json.dumps({"api_token": "from-file"}))
    context = RunContext.from_environment(
        {
            "SIGOPT_HOME": str(tmp_path),
            "SIGOPT_CONTEXT": _sigopt_context({"id": "9"}),
        }
    )
    assert context is not None and (context.trial_id, context.token) == (9, "from-file")


@pytest.mark.parametrize(
    "env",
    [
        {},
        {"SIGOPT_API_URL": "http://dialin:8080", "SIGOPT_API_TOKEN": "t"},
        {"SIGOPT_CONTEXT": base64.b64encode(b'{"user_agent_info": ["CLI"]}').decode()},
    ],
)
def test_no_run_in_the_environment(env: dict[str, str]) -> None:
    assert RunContext.from_environment(env) is None


@pytest.mark.parametrize(
    ("env", "field"),
    [
        ({"DIALIN_TRIAL_ID": "seven"}, "DIALIN_TRIAL_ID"),
        ({"DIALIN_TRIAL_ID": "7", "DIALIN_TRIAL_RUN_ID": "x"}, "DIALIN_TRIAL_RUN_ID"),
        ({"SIGOPT_CONTEXT": "%%%"}, "SIGOPT_CONTEXT"),
        ({"SIGOPT_CONTEXT": _sigopt_context({"id": "seven"})}, "SIGOPT_CONTEXT"),
    ],
)
def test_a_malformed_context_is_an_error(env: dict[str, str], field: str) -> None:
    with pytest.raises(InvalidField) as raised:
        RunContext.from_environment(env)
    assert raised.value.field == field


PLAIN_SCRIPT = """
import os, signal, dialin
print("lr", dialin.get_parameter("lr", 0.1), dialin.get_parameter("missing"))
print("stop?", dialin.log_metric("loss", 0.25, step=3))
print("checkpoint", dialin.load_latest_checkpoint())
dialin.log_checkpoint(".")
dialin.report_early_exit()
print("before", dialin.should_stop())
os.kill(os.getpid(), signal.SIGTERM)
print("after", dialin.should_stop())
"""


def test_outside_a_run_the_code_is_a_plain_script(tmp_path: Path) -> None:
    """Defaults, printed metrics, nothing stored; SIGTERM asks the loop to stop."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DIALIN_", "SIGOPT_"))}
    result = subprocess.run(
        [sys.executable, "-c", PLAIN_SCRIPT],
        env={**env, "SIGOPT_HOME": str(tmp_path)},
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == [
        "lr 0.1 None",
        "loss = 0.25 (step 3)",
        "stop? False",
        "checkpoint None",
        "before False",
        "after True",
    ]
    assert "not stored: not inside a dialin run" in result.stderr
    assert "early exit: INVALID_HP" in result.stderr


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
