"""Shared fixtures: the real data beside the project (../shared/data) and CLI helpers."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import settings

from natlat_compress.cli import cli

# `make test` (and CI) draws the same Hypothesis examples every run: a run that fails on an example found at random
# does not land, whoever's change it was. HYPOTHESIS_PROFILE=explore draws new ones (run it when changing a model).
settings.register_profile("repeatable", derandomize=True)
settings.register_profile("explore", derandomize=False, max_examples=200)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "repeatable"))

ROOT = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("NATLAT_SHARED", ROOT.parent / "shared"))
DATA = SHARED / "data"
CANTERBURY = DATA / "text" / "canterbury"
TABULAR = DATA / "tabular"


@pytest.fixture(scope="session")
def data_dir() -> Path:
    if not DATA.is_dir():
        pytest.fail(f"the shared data is missing: expected {DATA}")
    return DATA


def run(*args: str, expect: int | None = 0):
    """Run the CLI in-process; check the exit code when ``expect`` is given."""
    result = CliRunner().invoke(cli, [str(a) for a in args])
    if expect is not None:
        assert result.exit_code == expect, (result.exit_code, result.output, result.exception)
    return result


def assert_one_line_error(result) -> str:
    """Bad input: a non-zero exit, exactly one line 'Error: ...' on stderr, no traceback."""
    assert result.exit_code != 0
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: "), result.stderr
    assert "Traceback" not in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    return lines[0]


@pytest.fixture(autouse=True, scope="session")
def _throughput_cache(tmp_path_factory):
    """Coder throughputs (natlat_compress.cost) measured into a folder of the test run, not the user's ~/.cache."""
    previous = os.environ.get("XDG_CACHE_HOME")
    os.environ["XDG_CACHE_HOME"] = str(tmp_path_factory.mktemp("xdg-cache"))
    yield
    if previous is None:
        os.environ.pop("XDG_CACHE_HOME", None)
    else:
        os.environ["XDG_CACHE_HOME"] = previous
