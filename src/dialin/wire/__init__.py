"""SigOpt v1 JSON ↔ dialin domain values, and the input rules that need the JSON shape.

Pure Python: used by the HTTP API and by the config loader, so nothing here imports a web or
database framework.
"""

from __future__ import annotations

from dialin.wire.accounts import (
    parse_project_create,
    parse_project_update,
    render_client,
    render_organization,
    render_project,
    render_token,
)
from dialin.wire.body import parse_json_body, select_fields
from dialin.wire.experiments import (
    parse_experiment_create,
    parse_experiment_update,
    render_experiment,
    render_metric_importances,
    render_stopping_criteria,
)
from dialin.wire.observations import (
    batch_is_dry_run,
    merge_observation_patch,
    parse_observation_batch,
    parse_observation_create,
    parse_observation_update,
    render_best_assignments,
    render_observation,
)
from dialin.wire.pagination import render_list, render_page
from dialin.wire.query import (
    decode_marker,
    encode_marker,
    parse_bool,
    parse_id_list,
    parse_int,
    parse_page_request,
)
from dialin.wire.suggestions import (
    parse_queued_suggestion_create,
    parse_state_filter,
    parse_suggestion_create,
    parse_suggestion_update,
    render_queued_suggestion,
    render_suggestion,
)

__all__ = [
    "batch_is_dry_run",
    "decode_marker",
    "encode_marker",
    "merge_observation_patch",
    "parse_bool",
    "parse_experiment_create",
    "parse_experiment_update",
    "parse_id_list",
    "parse_int",
    "parse_json_body",
    "parse_observation_batch",
    "parse_observation_create",
    "parse_observation_update",
    "parse_page_request",
    "parse_project_create",
    "parse_project_update",
    "parse_queued_suggestion_create",
    "parse_state_filter",
    "parse_suggestion_create",
    "parse_suggestion_update",
    "render_best_assignments",
    "render_client",
    "render_experiment",
    "render_list",
    "render_metric_importances",
    "render_observation",
    "render_organization",
    "render_page",
    "render_project",
    "render_queued_suggestion",
    "render_stopping_criteria",
    "render_suggestion",
    "render_token",
    "select_fields",
]
