"""Memory: what the machine can give this run, and a plan's need estimated before it runs.

A run that would not fit stops at once with a one-line error saying what to change, instead of swapping the machine
for an hour or ending in ``MemoryError``. The limit is the smallest of the memory the kernel reports available, the
cgroup's limit (containers, systemd slices) and the address-space limit (``ulimit -v``), or ``--max-memory``.
"""

from __future__ import annotations

import resource
from pathlib import Path

from .errors import NatlatError

__all__ = ["available_bytes", "plan_bytes", "check_fits"]

# The plan of `score` holds, per coder and per resampled copy, leave-one-out terms over every feature: their atom sets
# grow as features². Measured on 300-row tables of 100, 200 and 400 features (benchmarks/RESULTS.md, "Hardening"):
# 1.65-1.8 kB per feature² per coder; 2 kB is the estimate.
PLAN_BYTES_PER_FEATURE_PAIR = 2000
BASE_BYTES = 100 * 10**6  # the interpreter, numpy and the libraries, before any data


def _read_int(path: str) -> int | None:
    try:
        text = Path(path).read_text().split()[0]
    except (OSError, IndexError):
        return None
    return int(text) if text.isdigit() else None


def available_bytes() -> int | None:
    """The memory this process can still use, in bytes (``None`` if nothing says)."""
    limits = []
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemAvailable:"):
                limits.append(int(line.split()[1]) * 1024)
    except (OSError, ValueError, IndexError):
        pass
    cgroup_max, cgroup_used = _read_int("/sys/fs/cgroup/memory.max"), _read_int("/sys/fs/cgroup/memory.current")
    if cgroup_max is not None:
        limits.append(cgroup_max - (cgroup_used or 0))
    soft, _ = resource.getrlimit(resource.RLIMIT_AS)
    if soft != resource.RLIM_INFINITY:
        limits.append(soft)
    return min(limits) if limits else None


def plan_bytes(n_features: int, n_coders: int, n_copies: int = 1) -> int:
    """The estimated peak memory of a score plan: ``n_copies`` is 1 + the bootstrap resamples."""
    return BASE_BYTES + PLAN_BYTES_PER_FEATURE_PAIR * n_features**2 * max(n_coders, 1) * max(n_copies, 1)


def check_fits(needed: int, what: str, change: str, max_memory: int | None = None) -> None:
    """Raise a :class:`NatlatError` if ``needed`` bytes exceed ``max_memory`` or what the machine has available."""
    limit, source = (max_memory, "--max-memory") if max_memory is not None else (available_bytes(), "available")
    if limit is not None and needed > limit:
        raise NatlatError(f"{what} would need about {needed / 1e9:,.2f} GB of memory, more than the "
                          f"{limit / 1e9:,.2f} GB {source}: {change}")
