"""An AI experiment ends when its last runs end at the same moment, on each backend: settling
takes the experiment's row lock, so concurrent run ends never each count the other as live."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from dialin.domain.drafts import ExperimentDraft, ProjectDraft
from dialin.domain.experiments import ExperimentDefinition
from dialin.domain.metrics import Metric
from dialin.domain.parameters import Bounds, Parameter
from dialin.domain.runs import RunPatch
from dialin.domain.trials import TrialState
from dialin.services.container import Services

RUNS = 8


def test_runs_ending_together_end_their_experiment(services: Services) -> None:
    client = services.accounts.issue_token("alice").client.id
    services.projects.create(client, ProjectDraft(id="settle", name="settle"))
    definition = ExperimentDefinition(
        type="offline",
        parameters=(Parameter(name="x", type="double", bounds=Bounds(0.0, 1.0)),),
        metrics=(Metric(name="score"),),
        budget=RUNS,
    )
    draft = ExperimentDraft(name="e", definition=definition, runs_only=True, project="settle")
    experiment = services.experiments.create(client, draft).experiment.id
    runs = [
        services.runs.create_in_experiment(
            client, experiment, RunPatch({"name": f"r{i}", "assignments": {"x": i / RUNS}})
        )
        for i in range(RUNS)
    ]
    finish = RunPatch({"state": "completed", "values": {"score": {"value": 1.0}}})
    with ThreadPoolExecutor(max_workers=RUNS) as pool:
        list(pool.map(lambda r: services.runs.update(client, r.id, finish, "merge"), runs))
    view = services.trials.experiment(client, experiment)
    assert view.state == TrialState.COMPLETED and view.progress == 1.0
    assert {t.state for t in view.trials} == {TrialState.COMPLETED}
