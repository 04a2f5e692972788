"""dialin's own trial API beside SigOpt's ``/v1``: lifecycle, metrics, checkpoints, signals, logs.

Another client's trial or experiment does not exist for the caller (404).
"""

from __future__ import annotations

import base64

from fastapi import APIRouter, Response

from dialin.api.deps import Body, Caller, Query, Svc, reply
from dialin.errors import InvalidField, NotFound
from dialin.services.trials import UserAction
from dialin.wire.fields import (
    expect_integer,
    expect_object,
    expect_string,
    reject_unknown_keys,
    require,
)
from dialin.wire.query import parse_int
from dialin.wire.trials import (
    parse_allocation_exit,
    parse_checkpoint_upload,
    parse_log_lines,
    parse_metrics_ingest,
    parse_progress,
    render_checkpoint,
    render_experiment_trials,
    render_log_line,
    render_report,
    render_signals,
    render_trial,
    render_trial_detail,
)

router = APIRouter(prefix="/api/v1", tags=["trials"])

_TRIAL_ACTIONS: tuple[UserAction, ...] = ("pause", "activate", "cancel", "kill")
_EXPERIMENT_ACTIONS: tuple[UserAction, ...] = ("pause", "activate", "cancel", "kill")


@router.get("/trials/{trial_id:id}")
def get_trial(trial_id: int, caller: Caller, services: Svc) -> Response:
    detail = services.trials.get(caller.client_id, trial_id)
    return reply(render_trial_detail(detail, services.trials.now()))


@router.get("/experiments/{experiment_id:id}/trials")
def list_trials(experiment_id: int, caller: Caller, services: Svc) -> Response:
    trials = services.trials.of_experiment(caller.client_id, experiment_id)
    now = services.trials.now()
    return reply({"object": "list", "data": [render_trial(t, now) for t in trials]})


@router.get("/experiments/{experiment_id:id}")
def get_experiment(experiment_id: int, caller: Caller, services: Svc) -> Response:
    """The experiment's lifecycle state (ACTIVE, PAUSED, STOPPING_*, terminal) and trials."""
    view = services.trials.experiment(caller.client_id, experiment_id)
    return reply(render_experiment_trials(view, services.trials.now()))


@router.post("/experiments/{experiment_id:id}/continue")
def continue_experiment(experiment_id: int, caller: Caller, services: Svc) -> Response:
    """Continue a finished experiment: its managed trials that did not complete reopen."""
    view = services.trials.continue_experiment(caller.client_id, experiment_id)
    return reply(render_experiment_trials(view, services.trials.now()))


@router.post("/experiments/{experiment_id:id}/trials")
def create_trial(experiment_id: int, body: Body, caller: Caller, services: Svc) -> Response:
    """A trial at given hyperparameters: ``{hparams, name?, max_restarts?, log_retention_days?}``
    (days its log lines are kept; none: forever). (For the
    optimizer's suggestion, create a SigOpt training run: it is the same record.)"""
    obj = expect_object(body, "body")
    reject_unknown_keys(obj, ("hparams", "name", "max_restarts", "log_retention_days"), "")
    max_restarts = expect_integer(obj.get("max_restarts", 5), "max_restarts")
    if max_restarts < 0:
        raise InvalidField("max_restarts", "max_restarts must not be negative")
    retention = obj.get("log_retention_days")
    days = None if retention is None else expect_integer(retention, "log_retention_days")
    if days is not None and not 0 <= days <= 32767:
        raise InvalidField("log_retention_days", "log_retention_days must be 0 to 32767")
    name = obj.get("name")
    trial = services.trials.create(
        caller.client_id,
        experiment_id,
        expect_object(require(obj, "hparams"), "hparams"),
        name=None if name is None else expect_string(name, "name"),
        max_restarts=max_restarts,
        log_retention_days=days,
    )
    return reply(render_trial(trial))


@router.post("/trials/{trial_id:id}/allocations")
def start_allocation(trial_id: int, body: Body, caller: Caller, services: Svc) -> Response:
    """A launcher starts the trial's code: ``{max_restarts?, phase?}`` (both optional) set how
    many crashes the launcher restarts and what it does first (PULLING, STARTING, RUNNING)."""
    obj = expect_object(body, "body")
    reject_unknown_keys(obj, ("max_restarts", "phase"), "")
    given = obj.get("max_restarts")
    max_restarts = None if given is None else expect_integer(given, "max_restarts")
    if max_restarts is not None and max_restarts < 0:
        raise InvalidField("max_restarts", "max_restarts must not be negative")
    phase = obj.get("phase")
    trial = services.trials.start_allocation(
        caller.client_id,
        trial_id,
        max_restarts=max_restarts,
        phase=None if phase is None else expect_string(phase, "phase"),
    )
    return reply(render_trial(trial))


@router.post("/trials/{trial_id:id}/allocations/phase")
def report_allocation_phase(trial_id: int, body: Body, caller: Caller, services: Svc) -> Response:
    """The open allocation's launcher says what it does now: ``{trial_run_id, phase}``."""
    obj = expect_object(body, "body")
    reject_unknown_keys(obj, ("trial_run_id", "phase"), "")
    trial = services.trials.report_allocation_phase(
        caller.client_id,
        trial_id,
        expect_integer(require(obj, "trial_run_id"), "trial_run_id"),
        expect_string(require(obj, "phase"), "phase"),
    )
    return reply(render_trial(trial))


@router.post("/trials/{trial_id:id}/allocations/exit")
def allocation_exited(trial_id: int, body: Body, caller: Caller, services: Svc) -> Response:
    trial_run_id, exit = parse_allocation_exit(body)
    trial, reallocate = services.trials.allocation_exited(
        caller.client_id, trial_id, trial_run_id, exit
    )
    return reply({**render_trial(trial), "reallocate": reallocate})


@router.post("/trials/{trial_id:id}/metrics")
def report_metrics(trial_id: int, body: Body, caller: Caller, services: Svc) -> Response:
    stored, should_stop = services.trials.report_metrics(
        caller.client_id, parse_metrics_ingest(trial_id, body)
    )
    return reply({**render_report(stored), "should_stop": should_stop})


@router.post("/trials/{trial_id:id}/progress")
def report_progress(trial_id: int, body: Body, caller: Caller, services: Svc) -> Response:
    """The runner's ``report_progress(fraction)``; the experiment's progress follows."""
    trial_run_id, fraction = parse_progress(body)
    trial = services.trials.report_progress(caller.client_id, trial_id, trial_run_id, fraction)
    return reply(render_trial(trial, services.trials.now()))


@router.post("/trials/{trial_id:id}/checkpoints")
def add_checkpoint(trial_id: int, body: Body, caller: Caller, services: Svc) -> Response:
    upload = parse_checkpoint_upload(trial_id, body)
    return reply(render_checkpoint(services.trials.add_checkpoint(caller.client_id, upload)))


@router.get("/trials/{trial_id:id}/checkpoints")
def list_checkpoints(trial_id: int, caller: Caller, services: Svc) -> Response:
    checkpoints = services.trials.checkpoints(caller.client_id, trial_id)
    return reply({"object": "list", "data": [render_checkpoint(c) for c in checkpoints]})


@router.get("/trials/{trial_id:id}/checkpoints/latest")
def latest_checkpoint(trial_id: int, caller: Caller, services: Svc) -> Response:
    checkpoint = services.trials.latest_checkpoint(caller.client_id, trial_id)
    if checkpoint is None:
        raise NotFound(f"Trial {trial_id} has no completed checkpoint")
    return reply(render_checkpoint(checkpoint))


@router.get("/trials/{trial_id:id}/checkpoints/{uuid}/files")
def checkpoint_files(trial_id: int, uuid: str, caller: Caller, services: Svc) -> Response:
    checkpoint, files = services.trials.checkpoint_files(caller.client_id, trial_id, uuid.lower())
    return reply(
        {
            **render_checkpoint(checkpoint),
            "files": {path: base64.b64encode(content).decode() for path, content in files.items()},
        }
    )


@router.get("/trials/{trial_id:id}/signals")
def signals(trial_id: int, caller: Caller, services: Svc) -> Response:
    return reply(render_signals(services.trials.signals(caller.client_id, trial_id)))


@router.post("/trials/{trial_id:id}/signals/ack")
def acknowledge_stop(trial_id: int, body: Body, caller: Caller, services: Svc) -> Response:
    obj = expect_object(body, "body")
    reject_unknown_keys(obj, ("trial_run_id",), "")
    run_id = expect_integer(obj.get("trial_run_id"), "trial_run_id")
    return reply(render_trial(services.trials.acknowledge_stop(caller.client_id, trial_id, run_id)))


@router.post("/trials/{trial_id:id}/early_exit")
def early_exit(trial_id: int, body: Body, caller: Caller, services: Svc) -> Response:
    obj = expect_object(body, "body")
    reject_unknown_keys(obj, ("reason",), "")
    reason = expect_string(obj.get("reason"), "reason")
    return reply(
        render_trial(services.trials.report_early_exit(caller.client_id, trial_id, reason))
    )


def _trial_action(action: UserAction) -> None:
    @router.post(f"/trials/{{trial_id:id}}/{action}", name=f"{action}_trial")
    def act(trial_id: int, caller: Caller, services: Svc) -> Response:
        return reply(render_trial(services.trials.act(caller.client_id, trial_id, action)))


def _experiment_action(action: UserAction) -> None:
    @router.post(f"/experiments/{{experiment_id:id}}/{action}", name=f"{action}_experiment")
    def act(experiment_id: int, caller: Caller, services: Svc) -> Response:
        """The experiment's new state and its trials (``data``, as the trial list has them)."""
        view = services.trials.act_on_experiment(caller.client_id, experiment_id, action)
        rendered = render_experiment_trials(view, services.trials.now())
        return reply({**rendered, "data": rendered["trials"]})


for _action in _TRIAL_ACTIONS:
    _trial_action(_action)
for _action in _EXPERIMENT_ACTIONS:
    _experiment_action(_action)


@router.post("/trials/{trial_id:id}/logs")
def add_logs(trial_id: int, body: Body, caller: Caller, services: Svc) -> Response:
    trial_run_id, stream, lines = parse_log_lines(body)
    services.trials.add_logs(caller.client_id, trial_id, trial_run_id, stream, lines)
    return reply({})


@router.get("/trials/{trial_id:id}/logs")
def get_logs(trial_id: int, query: Query, caller: Caller, services: Svc) -> Response:
    after = parse_int("after", query.get("after")) or 0
    limit = min(max(parse_int("limit", query.get("limit")) or 1000, 1), 10000)
    lines = services.trials.logs(caller.client_id, trial_id, after=after, limit=limit)
    return reply({"object": "list", "data": [render_log_line(line) for line in lines]})
