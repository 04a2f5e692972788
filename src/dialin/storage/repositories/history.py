"""An experiment's history read for plotting: a few columns of every observation, full rows
only for a chosen few, and the metadata keys and machines from the write-time tallies.

Decoding 100,000 observations costs seconds; the JSON functions of SQLite and PostgreSQL pick
the few values needed in C instead, and the tallies make metadata a lookup.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from dialin.analysis.history import MetadataSummary, Outline
from dialin.domain.observations import Observation
from dialin.storage.codec import values_from_json
from dialin.storage.repositories.observations import task_from_json
from dialin.storage.repositories.tallies import SqlTallies
from dialin.storage.tables import ObservationRow

__all__ = ["SqlHistoryStore"]

# Per dialect: one metric's value out of an observation's values, [[name, value, stddev], ...],
# and the task's cost out of [name, cost]; the JSON functions run in C, per row.
_METRIC_VALUE = {
    "sqlite": """CASE WHEN json_extract(o."values", '$[{at}][0]') IS :{name}
                 THEN json_extract(o."values", '$[{at}][1]')
                 ELSE (SELECT json_extract(e.value, '$[1]') FROM json_each(o."values") AS e
                       WHERE json_extract(e.value, '$[0]') IS :{name}) END""",
    "postgresql": """CAST(CASE WHEN (o."values" -> {at} ->> 0) IS NOT DISTINCT FROM
                               CAST(:{name} AS TEXT)
                          THEN o."values" -> {at} ->> 1
                          ELSE (SELECT e ->> 1 FROM json_array_elements(o."values") AS e
                                WHERE (e ->> 0) IS NOT DISTINCT FROM CAST(:{name} AS TEXT))
                     END AS DOUBLE PRECISION)""",
}
_TASK_COST = {
    "sqlite": "json_extract(o.task, '$[1]')",
    "postgresql": "CAST(o.task ->> 1 AS DOUBLE PRECISION)",
}


_WHOLE = (
    ObservationRow.id,
    ObservationRow.suggestion_id,
    ObservationRow.assignments,
    ObservationRow.values,
    ObservationRow.failed,
    ObservationRow.metadata_,
    ObservationRow.task,
    ObservationRow.created,
    ObservationRow.deleted,
)


def _whole(experiment_id: int, *columns: Any) -> Observation:
    oid, suggestion, assignments, values, failed, metadata, task, created, deleted = columns
    return Observation(
        id=oid,
        experiment_id=experiment_id,
        assignments=assignments,
        created=created,
        values=values_from_json(values),
        failed=failed,
        suggestion_id=suggestion,
        metadata=metadata,
        task=task_from_json(task),
        deleted=deleted,
    )


class SqlHistoryStore:
    def __init__(self, session: Session) -> None:
        self._s = session

    def outline(
        self,
        experiment_id: int,
        metrics: Sequence[str | None],
        *,
        costs: bool = False,
        after: int = 0,
    ) -> Outline:
        """Every live observation's id, failure and score, or those with ids above ``after``;
        the values of ``metrics`` and the task costs only when asked, since those are read out
        of each row's JSON."""
        dialect = self._s.get_bind().dialect.name
        names = {f"metric_{i}": name for i, name in enumerate(metrics)}
        # Values are stored sorted by metric name: look there first, search only if absent.
        ordered = sorted(metrics, key=lambda m: m or "")
        columns = ["o.id", "o.failed", "o.score"]
        if costs:
            columns.append(_TASK_COST[dialect])
        columns += [
            _METRIC_VALUE[dialect].format(name=n, at=ordered.index(names[n])) for n in names
        ]
        statement = text(
            f"SELECT {', '.join(columns)} FROM observations AS o"
            # ``= FALSE``, not ``NOT``: the planner then reads ix_observations_outline alone.
            " WHERE o.experiment_id = :experiment_id AND o.deleted = FALSE AND o.id > :after"
            " ORDER BY o.id"
        )
        parameters = {"experiment_id": experiment_id, "after": after, **names}
        result = self._s.execute(statement, parameters)
        # The driver's own rows: building 100,000 result Row objects costs more than the query.
        rows = result.cursor.fetchall()  # type: ignore[attr-defined]
        result.close()
        found = list(zip(*rows, strict=True)) or [()] * len(columns)
        ids, failed, scores = found[:3]
        values = found[4:] if costs else found[3:]

        def floats(column: Sequence[object]) -> list[float | None]:
            # JSON numbers may be integers
            return [None if v is None else float(v) for v in column]  # type: ignore[arg-type]

        return Outline(
            ids=ids,
            failed=list(map(bool, failed)),
            scores=scores,  # a REAL column: floats already
            costs=floats(found[3]) if costs else [None] * len(ids),
            values={m: floats(column) for m, column in zip(metrics, values, strict=True)},
        )

    def by_ids(self, experiment_id: int, ids: Sequence[int]) -> list[Observation]:
        """The observations ``ids``, whole: columns, not ORM entities, which cost twice as much."""
        found: list[Observation] = []
        # Bounded IN lists: some drivers cap the number of bound parameters.
        for start in range(0, len(ids), 1000):
            rows = self._s.execute(
                select(*_WHOLE)
                .where(
                    ObservationRow.experiment_id == experiment_id,
                    ObservationRow.id.in_(ids[start : start + 1000]),
                )
                .order_by(ObservationRow.id)
            )
            found += [_whole(experiment_id, *r) for r in rows]
        return found

    def revision(self, experiment_id: int) -> int:
        return SqlTallies(self._s).revision(experiment_id)

    def metadata_summary(self, experiment_id: int) -> MetadataSummary:
        return SqlTallies(self._s).summary(experiment_id)
