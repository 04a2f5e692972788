"""The semantic input rules of the SigOpt API that need no JSON: one place to import them from.

Each rule lives in a module named for what it judges; this module gathers the public ones.
"""

from __future__ import annotations

from dialin.domain.assignment_rules import check_assignments
from dialin.domain.constraint_rules import check_linear_constraints, constraints_feasible
from dialin.domain.definition_rules import check_definition, check_metrics, check_tasks, grid_size
from dialin.domain.metadata import check_metadata
from dialin.domain.names import check_name
from dialin.domain.parameter_rules import build_parameter, check_conditionals, check_parameter_value
from dialin.domain.update_rules import apply_experiment_patch
from dialin.domain.value_rules import check_task, check_values

__all__ = [
    "apply_experiment_patch",
    "build_parameter",
    "check_assignments",
    "check_conditionals",
    "check_definition",
    "check_linear_constraints",
    "check_metadata",
    "check_metrics",
    "check_name",
    "check_parameter_value",
    "check_task",
    "check_tasks",
    "check_values",
    "constraints_feasible",
    "grid_size",
]
