"""Where a run finds its server and its trial: environment variables set by the launcher.

dialin's launchers set ``DIALIN_API_URL``, ``DIALIN_API_TOKEN``, ``DIALIN_TRIAL_ID`` and
``DIALIN_TRIAL_RUN_ID``. SigOpt's ``sigopt run``/``sigopt optimize`` set ``SIGOPT_CONTEXT``
instead: base64 of JSON ``{"global_run_context": {"run": <training run>}, ...}``, the run's id
being ``run["id"]``; the token comes from ``SIGOPT_API_TOKEN`` or, as SigOpt's client reads it,
``api_token`` in ``$SIGOPT_HOME/client/config.json`` (``~/.sigopt`` by default). With neither,
the process is not inside a run (``RunContext.from_environment`` returns None).
"""

from __future__ import annotations

import base64
import binascii
import json
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from dialin.errors import InvalidField

__all__ = ["ENVIRONMENT", "RunContext", "api_url_from", "token_from"]

ENVIRONMENT = (
    "DIALIN_API_URL",
    "DIALIN_API_TOKEN",
    "DIALIN_TRIAL_ID",
    "DIALIN_TRIAL_RUN_ID",
    "SIGOPT_API_URL",
    "SIGOPT_API_TOKEN",
    "SIGOPT_CONTEXT",
)
_DEFAULT_URL = "http://127.0.0.1:8000"


def api_url_from(env: Mapping[str, str]) -> str:
    return env.get("DIALIN_API_URL") or env.get("SIGOPT_API_URL") or _DEFAULT_URL


def token_from(env: Mapping[str, str]) -> str | None:
    return env.get("DIALIN_API_TOKEN") or env.get("SIGOPT_API_TOKEN") or None


def _sigopt_config_token(env: Mapping[str, str]) -> str | None:
    """The token ``sigopt config`` stored, where SigOpt's client looks for it."""
    home = Path(env.get("SIGOPT_HOME") or Path("~") / ".sigopt").expanduser()
    try:
        config = json.loads((home / "client" / "config.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    token = config.get("api_token") if isinstance(config, dict) else None
    return token if isinstance(token, str) and token else None


def _sigopt_run(env: Mapping[str, str]) -> Mapping[str, Any]:
    encoded = env.get("SIGOPT_CONTEXT")
    if not encoded:
        return {}
    try:
        context = json.loads(base64.b64decode(encoded))
    except (binascii.Error, ValueError) as error:
        raise InvalidField("SIGOPT_CONTEXT", "SIGOPT_CONTEXT is not base64 JSON") from error
    # A context without a run (e.g. only user-agent info) is no run.
    run_context = context.get("global_run_context") if isinstance(context, dict) else None
    run = run_context.get("run") if isinstance(run_context, dict) else None
    return run if isinstance(run, dict) else {}


def _integer(env: Mapping[str, str], name: str) -> int | None:
    raw = env.get(name)
    if raw is None or raw == "":
        return None
    try:
        return int(raw)
    except ValueError as error:
        raise InvalidField(name, f"{name} must be an integer, not {raw!r}") from error


@dataclass(frozen=True)
class RunContext:
    api_url: str
    token: str | None
    trial_id: int
    # None: ask the server (an unmanaged SigOpt run has no launcher to tell it)
    trial_run_id: int | None
    # Assignments already known from SIGOPT_CONTEXT, else fetched from the trial.
    assignments: Mapping[str, Any] = field(default_factory=dict)

    @classmethod
    def from_environment(cls, env: Mapping[str, str] | None = None) -> RunContext | None:
        """The run this process belongs to, or None outside any run. Malformed variables are
        errors naming the variable, never a silent "no run"."""
        env = os.environ if env is None else env
        run = _sigopt_run(env)
        trial_id = _integer(env, "DIALIN_TRIAL_ID")
        if trial_id is None and run.get("id") is not None:
            try:
                trial_id = int(run["id"])
            except (TypeError, ValueError) as error:
                raise InvalidField(
                    "SIGOPT_CONTEXT", f"SIGOPT_CONTEXT names no run id: {run['id']!r}"
                ) from error
        if trial_id is None:
            _integer(env, "DIALIN_TRIAL_RUN_ID")
            return None
        assignments = run.get("assignments")
        return cls(
            api_url=api_url_from(env),
            token=token_from(env) or _sigopt_config_token(env),
            trial_id=trial_id,
            trial_run_id=_integer(env, "DIALIN_TRIAL_RUN_ID"),
            assignments=dict(assignments) if isinstance(assignments, dict) else {},
        )
