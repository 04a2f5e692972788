"""Who launched a run and its model: host, process id and the process's start time, recorded
in the run's ``dev_metadata`` when the run is created and when its model starts.

A run whose launcher process is gone (``dialin optimize`` was SIGKILLed, the machine rebooted)
is orphaned: nobody will end it. The start time guards against a reused process id; it is read
from ``/proc`` and is None where there is none, and then only the id is checked. A launcher on
another host cannot be checked from here: its runs are left alone.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

__all__ = ["Owner", "process_started"]


def _stat(pid: int) -> list[str]:
    """``/proc/<pid>/stat`` from field 3 (state) on; empty where there is no such file."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return []
    # The command name (field 2) may hold spaces and parentheses: count from its closing one.
    return stat[stat.rfind(")") + 2 :].split()


def process_started(pid: int) -> int | None:
    """The process's start time in clock ticks since boot (``/proc/<pid>/stat`` field 22)."""
    fields = _stat(pid)
    try:
        return int(fields[19])
    except (IndexError, ValueError):
        return None


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    # A zombie has ended; it only waits for its parent to read its exit status.
    return _stat(pid)[:1] != ["Z"]


@dataclass(frozen=True)
class Owner:
    """A process on ``host``; ``role`` names its keys in ``dev_metadata`` (launcher, model)."""

    role: str
    host: str
    pid: int
    started: int | None

    @classmethod
    def of_process(cls, role: str, pid: int) -> Owner:
        return cls(role, socket.gethostname(), pid, process_started(pid))

    def dev_metadata(self) -> dict[str, Any]:
        meta: dict[str, Any] = {f"{self.role}_host": self.host, f"{self.role}_pid": self.pid}
        if self.started is not None:
            meta[f"{self.role}_started"] = self.started
        return meta

    @classmethod
    def from_dev_metadata(cls, role: str, meta: Mapping[str, Any]) -> Owner | None:
        host, pid = meta.get(f"{role}_host"), meta.get(f"{role}_pid")
        if not isinstance(host, str) or not isinstance(pid, int | float):
            return None
        started = meta.get(f"{role}_started")
        return cls(role, host, int(pid), int(started) if isinstance(started, int | float) else None)

    @property
    def local(self) -> bool:
        return self.host == socket.gethostname()

    def alive(self) -> bool:
        """Still running here (the same process, not another one given the same id)."""
        if not self.local or not _alive(self.pid):
            return False
        return self.started is None or process_started(self.pid) in (None, self.started)

    def __str__(self) -> str:
        return f"{self.host}:{self.pid}"

    def signal_group(self, signal_number: int) -> None:
        """Signal the process group the model leads (it runs in a session of its own)."""
        if not self.alive():
            return
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self.pid, signal_number)

    def kill(self) -> None:
        self.signal_group(signal.SIGKILL)
