"""SIGINT and SIGTERM: every worker and every ``cmd:`` program stops within about 2 s, the exit status is 128 + the
signal, stderr is one line, no output file is left half written, and no process of the run survives it."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

pytestmark = pytest.mark.skipif(sys.platform != "linux", reason="reads /proc to find surviving processes")


def _processes_mentioning(token: str) -> list[int]:
    """The pids whose command line contains ``token`` (the run's unique folder): survivors of a run."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            cmdline = (entry / "cmdline").read_bytes()
        except OSError:
            continue
        if token.encode() in cmdline and int(entry.name) != os.getpid():
            found.append(int(entry.name))
    return found


def _wait_until(predicate, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.05)
    return predicate()


def _corpus(tmp_path: Path) -> Path:
    texts = tmp_path / "texts"
    texts.mkdir()
    for i in range(6):
        (texts / f"doc{i}.txt").write_text(f"document {i} " * 50)
    return texts


def _slow_command(tmp_path: Path) -> tuple[str, str]:
    """A 'compressor' that sleeps first, so the run is surely inside it when the signal comes, and the token that
    finds its processes: the script's command line names tmp_path, its sleep a duration used by no one else."""
    pause = f"{60 + int.from_bytes(os.urandom(3), 'big') / 1e8:.8f}"
    script = tmp_path / "slowzip.sh"
    script.write_text(f"#!/bin/sh\nsleep {pause}\ncat\n")
    script.chmod(0o755)
    return f"cmd:{script}", pause


def _signal_when(process: subprocess.Popen, signum: int, ready, settle: float) -> tuple[bytes, float]:
    """Send ``signum`` once ``ready()`` holds (and ``settle`` seconds more); its stderr and the seconds it took to
    exit. A run that does not exit is killed, so no test leaves it behind."""
    try:
        assert _wait_until(ready, 30)
        time.sleep(settle)
        sent = time.monotonic()
        process.send_signal(signum)
        _, stderr = process.communicate(timeout=10)
        return stderr, time.monotonic() - sent
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()


@pytest.mark.parametrize("signum, status, jobs", [
    (signal.SIGTERM, 143, "2"),
    (signal.SIGINT, 130, "2"),
    (signal.SIGTERM, 143, "1"),
])
def test_a_signal_stops_every_process_of_the_run(tmp_path, signum, status, jobs):
    out = tmp_path / "out" / "report.json"
    out.parent.mkdir()
    coder, pause = _slow_command(tmp_path)
    argv = [sys.executable, "-m", "natlat_compress", "score", str(_corpus(tmp_path)), "--latent-text", "document",
            "--coder", coder, "--jobs", jobs, "-s", "--format", "json", "-o", str(out)]
    process = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE)

    def survivors() -> list[int]:
        return _processes_mentioning(str(tmp_path)) + _processes_mentioning(pause)

    # Wait until a slow program sleeps, then signal the main process only (as `kill` or a scheduler would).
    stderr, elapsed = _signal_when(process, signum, lambda: _processes_mentioning(pause), settle=0.3)
    assert process.returncode == status, stderr
    assert elapsed < 2.5, elapsed
    lines = stderr.decode().strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: interrupted"), stderr
    assert _wait_until(lambda: not survivors(), 1.0), survivors()
    assert list(out.parent.iterdir()) == []  # no report, no temporary file


def test_sigterm_stops_compressing_workers(tmp_path):
    """Workers inside a long compression (no cmd: program) are stopped too, and nothing of the run is left."""
    table = tmp_path / "wide.csv"
    rng_rows = [",".join(str((i * 7919 + j * 104729) % 1000) for j in range(12)) for i in range(40000)]
    table.write_text(",".join(f"c{j}" for j in range(12)) + "\n" + "\n".join(rng_rows) + "\n")
    argv = [sys.executable, "-m", "natlat_compress", "score", str(table), "--latent", "c0", "--coder", "lzma:9e",
            "--null", "0", "--jobs", "2", "-s"]
    process = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    # the main process and 2 workers
    stderr, elapsed = _signal_when(process, signal.SIGTERM, lambda: len(_processes_mentioning(str(table))) >= 3,
                                   settle=0.5)
    assert process.returncode == 143, stderr
    assert elapsed < 2.5, elapsed
    assert "Traceback" not in stderr.decode()
    assert _wait_until(lambda: not _processes_mentioning(str(table)), 1.0)
