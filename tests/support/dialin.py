"""The ``dialin`` command as users run it: token creation and a ``dialin server`` subprocess."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx

from support.network import free_port

__all__ = [
    "RunningServer",
    "create_token",
    "dialin_command",
    "run_dialin",
    "running_server",
]

READY_TIMEOUT_S = 90.0
STOP_TIMEOUT_S = 15.0


def dialin_command() -> list[str]:
    """The installed ``dialin`` entry point next to this interpreter, else the module run by it."""
    beside = Path(sys.executable).parent / "dialin"
    if beside.exists():
        return [str(beside)]
    on_path = shutil.which("dialin")
    if on_path:
        return [on_path]
    return [sys.executable, "-c", "import sys; from dialin.cli.main import main; sys.exit(main())"]


def run_dialin(*args: str, timeout: float = 120.0) -> subprocess.CompletedProcess[str]:
    """Run ``dialin ARGS`` to completion, without stdin, capturing its output."""
    return subprocess.run(
        [*dialin_command(), *args],
        capture_output=True,
        text=True,
        stdin=subprocess.DEVNULL,
        timeout=timeout,
    )


def create_token(database_url: str, client: str) -> str:
    """A new API token of ``client`` (created if new) via ``dialin token create``."""
    result = run_dialin("token", "create", "--db", database_url, "--client", client)
    if result.returncode != 0:
        raise RuntimeError(
            f"dialin token create exited {result.returncode}:\n{result.stdout}\n{result.stderr}"
        )
    lines = result.stdout.strip().splitlines()
    if len(lines) != 1 or not lines[0].strip():
        raise RuntimeError(f"dialin token create printed more than a token:\n{result.stdout}")
    return lines[0].strip()


@dataclass(frozen=True)
class RunningServer:
    api_url: str
    database_url: str
    token_a: str
    token_b: str
    log_dir: Path

    def new_token(self, client: str) -> str:
        """A token of another client, created in the same database while the server runs."""
        return create_token(self.database_url, client)

    def stdout(self) -> str:
        return (self.log_dir / "stdout.log").read_text(errors="replace")

    def stderr(self) -> str:
        return (self.log_dir / "stderr.log").read_text(errors="replace")


def _wait_until_healthy(process: subprocess.Popen[bytes], url: str, log_dir: Path) -> None:
    deadline = time.monotonic() + READY_TIMEOUT_S
    with httpx.Client(timeout=2.0) as http:
        while time.monotonic() < deadline:
            if process.poll() is not None:
                raise RuntimeError(
                    f"dialin server exited {process.returncode} before it was ready:\n"
                    + (log_dir / "stderr.log").read_text(errors="replace")
                )
            try:
                if http.get(f"{url}/health").status_code == 200:
                    return
            except httpx.TransportError:
                pass
            # A readiness poll: the port is not open yet, so there is nothing to wait on but time.
            time.sleep(0.1)
    raise RuntimeError(
        f"dialin server not healthy after {READY_TIMEOUT_S:.0f} s:\n"
        + (log_dir / "stderr.log").read_text(errors="replace")
    )


def _stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is not None:
        return
    # The server runs in its own process group, so its uvicorn workers stop with it.
    os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=STOP_TIMEOUT_S)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()


@contextmanager
def server_process(
    database_url: str, *, workers: int | None = None, extra_args: Sequence[str] = ()
) -> Iterator[tuple[str, subprocess.Popen[bytes], Path]]:
    """Run ``dialin server`` on a free port until the block ends; yield (api_url, process, logs)."""
    port = free_port()
    log_dir = Path(tempfile.mkdtemp(prefix="dialin-server-"))
    command = [
        *dialin_command(),
        "server",
        "--db",
        database_url,
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        *extra_args,
    ]
    if workers is not None:
        command += ["--workers", str(workers)]
    api_url = f"http://127.0.0.1:{port}"
    with (log_dir / "stdout.log").open("wb") as out, (log_dir / "stderr.log").open("wb") as err:
        process = subprocess.Popen(
            command, stdout=out, stderr=err, stdin=subprocess.DEVNULL, start_new_session=True
        )
        try:
            _wait_until_healthy(process, api_url, log_dir)
            yield api_url, process, log_dir
            if process.poll() is not None:
                raise RuntimeError(
                    f"dialin server died during the tests (exit {process.returncode}):\n"
                    + (log_dir / "stderr.log").read_text(errors="replace")
                )
        finally:
            _stop(process)


@contextmanager
def running_server(database_url: str, *, workers: int | None = None) -> Iterator[RunningServer]:
    """Tokens for clients ``alpha`` and ``beta``, then ``dialin server`` on that database."""
    token_a = create_token(database_url, "alpha")
    token_b = create_token(database_url, "beta")
    with server_process(database_url, workers=workers) as (api_url, _, log_dir):
        yield RunningServer(api_url, database_url, token_a, token_b, log_dir)
