"""An experiment's history read for plotting: lean rows for all observations, full rows only
for a chosen few, and the metadata keys and machines summed up by the database itself.

Decoding every observation's metadata costs seconds at 100,000 observations; the JSON
functions of SQLite and PostgreSQL walk it in C instead.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import bindparam, select, text
from sqlalchemy.orm import Session

from dialin.analysis.history import MetadataSummary, Reporter
from dialin.domain.observations import Observation
from dialin.storage.codec import values_from_json
from dialin.storage.repositories.observations import observation_from_row, task_from_json
from dialin.storage.tables import ObservationRow

__all__ = ["SqlHistoryStore"]

# One pass over every metadata entry: each key's JSON type, and for the keys naming machines,
# each value with when it last reported and how often.
_SUMMARY = {
    "sqlite": """
        SELECT j.key, j.type,
               CASE WHEN j.key IN :reporter_keys THEN CAST(j.value AS TEXT) END AS machine,
               MAX(o.created), COUNT(*), SUM(CASE WHEN o.failed THEN 1 ELSE 0 END)
        FROM observations AS o,
             json_each(CASE WHEN json_type(o.metadata) = 'object' THEN o.metadata ELSE '{}' END)
               AS j
        WHERE o.experiment_id = :experiment_id AND NOT o.deleted
        GROUP BY 1, 2, 3
    """,
    "postgresql": """
        SELECT j.key, json_typeof(j.value),
               CASE WHEN j.key IN :reporter_keys THEN j.value #>> '{}' END AS machine,
               MAX(o.created), COUNT(*), SUM(CASE WHEN o.failed THEN 1 ELSE 0 END)
        FROM observations AS o,
             json_each(CASE WHEN json_typeof(o.metadata) = 'object' THEN o.metadata
                       ELSE '{}'::json END) AS j
        WHERE o.experiment_id = :experiment_id AND NOT o.deleted
        GROUP BY 1, 2, 3
    """,
}
_STRING_TYPES = frozenset({"text", "string"})


class SqlHistoryStore:
    def __init__(self, session: Session) -> None:
        self._s = session

    def outline(self, experiment_id: int) -> list[Observation]:
        """Every live observation, oldest first, without assignments or metadata."""
        rows = self._s.execute(
            select(
                ObservationRow.id,
                ObservationRow.created,
                ObservationRow.failed,
                ObservationRow.values,
                ObservationRow.task,
            )
            .where(ObservationRow.experiment_id == experiment_id, ObservationRow.deleted.is_(False))
            .order_by(ObservationRow.id)
        )
        return [
            Observation(
                id=oid,
                experiment_id=experiment_id,
                assignments={},
                created=created,
                values=values_from_json(values),
                failed=failed,
                task=task_from_json(task),
            )
            for oid, created, failed, values, task in rows
        ]

    def by_ids(self, experiment_id: int, ids: Sequence[int]) -> list[Observation]:
        found: list[Observation] = []
        # Bounded IN lists: some drivers cap the number of bound parameters.
        for start in range(0, len(ids), 500):
            rows = self._s.scalars(
                select(ObservationRow)
                .where(
                    ObservationRow.experiment_id == experiment_id,
                    ObservationRow.id.in_(ids[start : start + 500]),
                )
                .order_by(ObservationRow.id)
            )
            found += [observation_from_row(r) for r in rows]
        return found

    def metadata_summary(self, experiment_id: int, reporter_keys: Sequence[str]) -> MetadataSummary:
        statement = text(_SUMMARY[self._s.get_bind().dialect.name]).bindparams(
            bindparam("reporter_keys", expanding=True)
        )
        rows = self._s.execute(
            statement, {"experiment_id": experiment_id, "reporter_keys": list(reporter_keys)}
        )
        strings: dict[str, bool] = {}
        machines: list[Reporter] = []
        for key, kind, machine, last, count, failed in rows:
            if kind == "null":
                continue
            strings[key] = strings.get(key, False) or kind in _STRING_TYPES
            if machine is not None:
                machines.append(Reporter(key, str(machine), int(last), int(count), int(failed)))
        merged: dict[tuple[str, str], Reporter] = {}
        for reporter in machines:
            # The same machine may be stored as a number in one row and a string in another.
            seen = merged.get((reporter.key, reporter.value))
            if seen is not None:
                reporter = Reporter(
                    reporter.key,
                    reporter.value,
                    max(seen.last_reported, reporter.last_reported),
                    seen.observation_count + reporter.observation_count,
                    seen.failed_count + reporter.failed_count,
                )
            merged[(reporter.key, reporter.value)] = reporter
        return MetadataSummary(
            types={k: "string" if s else "number" for k, s in sorted(strings.items())},
            reporters=tuple(merged.values()),
        )
