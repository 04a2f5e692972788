"""Per-experiment tallies of metadata, kept in the transaction that writes observations.

The dashboard needs every metadata key's type and each machine's report counts; summing them
from 100,000 observations' metadata costs seconds per request. Instead every add, change and
delete of observations adjusts the tallies by relative updates (``count = count + delta`` in
one ``INSERT … ON CONFLICT DO UPDATE``), which stay exact when several API processes write
to the same experiment at once: the database serializes the updates of each tally row. Rows
are touched in key order so that concurrent writers lock them in the same order.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import case, delete, select, text, tuple_, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from dialin.analysis.history import REPORTER_KEYS, FieldType, MetadataSummary, Reporter
from dialin.storage.tables import MetadataKeyTallyRow, ObservationRevisionRow, ReporterTallyRow

__all__ = ["Reported", "SqlTallies", "machine_text"]

# The latest live report of one machine, for when its latest one was deleted or changed.
_LATEST = {
    "sqlite": """
        SELECT MAX(created) FROM observations
        WHERE experiment_id = :experiment_id AND deleted = FALSE
          AND (CASE json_type(metadata, :path) WHEN 'true' THEN 'true'
               WHEN 'false' THEN 'false' ELSE CAST(json_extract(metadata, :path) AS TEXT) END)
              = :value
    """,
    "postgresql": """
        SELECT MAX(created) FROM observations
        WHERE experiment_id = :experiment_id AND deleted = FALSE
          AND (CASE WHEN json_typeof(metadata) = 'object' THEN metadata -> :key END) #>> '{}'
              = :value
    """,
}


@dataclass(frozen=True)
class Reported:
    """What the tallies count of one observation."""

    metadata: Mapping[str, Any] | None
    failed: bool
    created: int


def machine_text(value: object) -> str:
    """A metadata value as the text naming a machine, spelled as both databases spell JSON."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return value
    return str(value)


@dataclass
class _Machine:
    observations: int = 0
    failed: int = 0
    added_latest: int = 0
    removed_latest: int | None = None


def _insert(session: Session) -> Any:
    return postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert


class SqlTallies:
    def __init__(self, session: Session) -> None:
        self._s = session

    def record(
        self, experiment_id: int, removed: Iterable[Reported], added: Iterable[Reported]
    ) -> None:
        """Adjust the tallies for observations that stopped counting (deleted, or their state
        before a change; already written) and ones that started (already written)."""
        keys: dict[str, list[int]] = {}
        machines: dict[tuple[str, str], _Machine] = {}
        for sign, group in ((-1, removed), (1, added)):
            for item in group:
                for key, value in (item.metadata or {}).items():
                    if value is None:
                        continue
                    counts = keys.setdefault(key, [0, 0])
                    counts[0 if isinstance(value, str) else 1] += sign
                    if key not in REPORTER_KEYS:
                        continue
                    machine = machines.setdefault((key, machine_text(value)), _Machine())
                    machine.observations += sign
                    machine.failed += sign * int(item.failed)
                    if sign > 0:
                        machine.added_latest = max(machine.added_latest, item.created)
                    else:
                        machine.removed_latest = max(machine.removed_latest or 0, item.created)
        self._keys(experiment_id, keys)
        self._machines(experiment_id, machines)

    def clear(self, experiment_id: int) -> None:
        """Every observation of the experiment was deleted."""
        for table in (MetadataKeyTallyRow, ReporterTallyRow):
            self._s.execute(delete(table).where(table.experiment_id == experiment_id))

    def changed(self, experiment_id: int) -> None:
        """Stored observations changed other than by new ones arriving."""
        table = ObservationRevisionRow
        insert = _insert(self._s)(table).values(experiment_id=experiment_id, changes=1)
        self._s.execute(
            insert.on_conflict_do_update(
                index_elements=[table.experiment_id], set_={"changes": table.changes + 1}
            )
        )

    def revision(self, experiment_id: int) -> int:
        found = self._s.get(ObservationRevisionRow, experiment_id)
        return 0 if found is None else found.changes

    def summary(self, experiment_id: int) -> MetadataSummary:
        rows = self._s.execute(
            select(MetadataKeyTallyRow.key, MetadataKeyTallyRow.strings)
            .where(MetadataKeyTallyRow.experiment_id == experiment_id)
            .order_by(MetadataKeyTallyRow.key)
        )
        types: dict[str, FieldType] = {k: "string" if s > 0 else "number" for k, s in rows}
        reporters = self._s.execute(
            select(
                ReporterTallyRow.key,
                ReporterTallyRow.value,
                ReporterTallyRow.last_reported,
                ReporterTallyRow.observations,
                ReporterTallyRow.failed,
            ).where(ReporterTallyRow.experiment_id == experiment_id)
        )
        return MetadataSummary(
            types=types,
            reporters=tuple(Reporter(k, v, last, n, f) for k, v, last, n, f in reporters),
        )

    def _keys(self, experiment_id: int, keys: Mapping[str, list[int]]) -> None:
        changed = sorted(k for k, (s, o) in keys.items() if s or o)
        if not changed:
            return
        insert = _insert(self._s)(MetadataKeyTallyRow).values(
            [
                {
                    "experiment_id": experiment_id,
                    "key": k,
                    "strings": keys[k][0],
                    "others": keys[k][1],
                }
                for k in changed
            ]
        )
        table = MetadataKeyTallyRow
        self._s.execute(
            insert.on_conflict_do_update(
                index_elements=[table.experiment_id, table.key],
                set_={
                    "strings": table.strings + insert.excluded.strings,
                    "others": table.others + insert.excluded.others,
                },
            )
        )
        if any(s < 0 or o < 0 for s, o in keys.values()):
            self._s.execute(
                delete(table).where(
                    table.experiment_id == experiment_id,
                    table.key.in_(changed),
                    table.strings + table.others <= 0,
                )
            )

    def _machines(self, experiment_id: int, machines: Mapping[tuple[str, str], _Machine]) -> None:
        if not machines:
            return
        ordered = sorted(machines)
        table = ReporterTallyRow
        insert = _insert(self._s)(table).values(
            [
                {
                    "experiment_id": experiment_id,
                    "key": key,
                    "value": value,
                    "observations": machines[key, value].observations,
                    "failed": machines[key, value].failed,
                    "last_reported": machines[key, value].added_latest,
                }
                for key, value in ordered
            ]
        )
        self._s.execute(
            insert.on_conflict_do_update(
                index_elements=[table.experiment_id, table.key, table.value],
                set_={
                    "observations": table.observations + insert.excluded.observations,
                    "failed": table.failed + insert.excluded.failed,
                    "last_reported": case(
                        (
                            insert.excluded.last_reported > table.last_reported,
                            insert.excluded.last_reported,
                        ),
                        else_=table.last_reported,
                    ),
                },
            )
        )
        shrunk = [m for m in ordered if machines[m].removed_latest is not None]
        if not shrunk:
            return
        self._s.execute(
            delete(table).where(
                table.experiment_id == experiment_id,
                tuple_(table.key, table.value).in_(shrunk),
                table.observations <= 0,
            )
        )
        # The upsert above holds these rows' locks, so this statement sees every observation
        # committed by a concurrent writer of the same machine.
        current = self._s.execute(
            select(table.key, table.value, table.last_reported).where(
                table.experiment_id == experiment_id,
                tuple_(table.key, table.value).in_(shrunk),
            )
        )
        latest = text(_LATEST[self._s.get_bind().dialect.name])
        for key, value, last_reported in current.all():
            removed_latest = machines[key, value].removed_latest
            if removed_latest is None or removed_latest < last_reported:
                continue
            found = self._s.scalar(
                latest,
                {"experiment_id": experiment_id, "path": f'$."{key}"', "key": key, "value": value},
            )
            if found is not None:
                self._s.execute(
                    update(table)
                    .where(
                        table.experiment_id == experiment_id,
                        table.key == key,
                        table.value == value,
                    )
                    .values(last_reported=found)
                )
