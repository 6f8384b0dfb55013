"""Every `sh` block of the README and of docs/*.md runs as written, from an empty folder, and writes only the files it
names.

A block preceded by ``<!-- readme-test: slow -->`` or ``<!-- readme-test: skip (why) -->`` is reported as skipped.
The blocks read the shared data through ``$DATA``, as the README tells its readers to set it.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from .conftest import DATA, ROOT

DOCUMENTS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
MARKER = re.compile(r"<!--\s*readme-test:\s*(slow|skip)\b\s*(.*?)\s*-->")


def sh_blocks(text: str) -> list[tuple[int, str, str | None]]:
    """``(line, code, reason to skip or None)`` for every fenced ``sh`` block."""
    lines = text.splitlines()
    blocks, i = [], 0
    while i < len(lines):
        if lines[i].strip() == "```sh":
            start = i
            i += 1
            body = []
            while lines[i].strip() != "```":
                body.append(lines[i])
                i += 1
            before = next((lines[j] for j in range(start - 1, -1, -1) if lines[j].strip()), "")
            marker = MARKER.search(before)
            reason = None if not marker else ("slow" if marker.group(1) == "slow" else marker.group(2) or "skip")
            blocks.append((start + 1, "\n".join(body), reason))
        i += 1
    return blocks


BLOCKS = [(f"{doc.relative_to(ROOT)}:{line}", code, reason) for doc in DOCUMENTS
          for line, code, reason in sh_blocks(doc.read_text())]


def test_the_readme_has_blocks_to_run():
    assert sum(reason is None for where, _, reason in BLOCKS if where.startswith("README.md")) >= 8


@pytest.mark.parametrize("line, code, reason", BLOCKS, ids=[where for where, _, _ in BLOCKS])
def test_readme_block_runs_as_written(tmp_path, line, code, reason):
    if reason:
        pytest.skip(f"{line} is marked {reason}")
    here, scratch = tmp_path / "cwd", tmp_path / "tmp"
    here.mkdir()
    scratch.mkdir()
    env = {**os.environ, "DATA": str(DATA.resolve()), "TMPDIR": str(scratch),  # mktemp -d lands in scratch
           "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}"}
    done = subprocess.run(["bash", "-euo", "pipefail", "-c", code], cwd=here, env=env, capture_output=True, text=True,
                          timeout=300)
    assert done.returncode == 0, f"{line} exited {done.returncode}:\n{code}\n{done.stderr[-2000:]}"
    assert "Traceback" not in done.stderr
    written = sorted(p.name for p in here.iterdir())
    assert all(name in code for name in written), f"{line} wrote files it does not name: {written}"
