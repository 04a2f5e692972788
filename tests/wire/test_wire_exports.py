from __future__ import annotations

import ast
import pathlib

import dialin.domain.rules
import dialin.wire

EXPECTED = {
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
}


def test_public_names() -> None:
    assert set(dialin.wire.__all__) == EXPECTED
    assert all(callable(getattr(dialin.wire, name)) for name in EXPECTED)
    assert {
        "apply_experiment_patch",
        "check_assignments",
        "check_values",
        "check_task",
        "check_metadata",
    } <= set(dialin.domain.rules.__all__)


def test_wire_imports_only_domain_errors_and_stdlib() -> None:
    # dialin.analysis.history holds plain values of the dashboard's analysis (stdlib only).
    allowed_prefixes = (
        "dialin.domain",
        "dialin.errors",
        "dialin.wire",
        "dialin.analysis.history",
        "__future__",
    )
    stdlib = {"base64", "binascii", "collections", "json", "math", "re", "typing"}
    for path in pathlib.Path(dialin.wire.__file__).parent.glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom):
                module = node.module or ""
            elif isinstance(node, ast.Import):
                module = node.names[0].name
            else:
                continue
            assert module.startswith(allowed_prefixes) or module.split(".")[0] in stdlib, (
                path.name,
                module,
            )
