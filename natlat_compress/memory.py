"""Memory: what the machine can give this run (a plan's own need is estimated in :mod:`natlat_compress.cost`).

A run that would not fit stops at once with a one-line error saying what to change, instead of swapping the machine
for an hour or ending in ``MemoryError``. The limit is the smallest of the memory the kernel reports available, the
cgroup's limit (containers, systemd slices) and the address-space limit (``ulimit -v``), or ``--max-memory``.
"""

from __future__ import annotations

import resource
from pathlib import Path

from .errors import NatlatError

__all__ = ["available_bytes", "check_fits"]



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


def check_fits(needed: int, what: str, change: str, max_memory: int | None = None) -> None:
    """Raise a :class:`NatlatError` if ``needed`` bytes exceed ``max_memory`` or what the machine has available."""
    limit, source = (max_memory, "--max-memory") if max_memory is not None else (available_bytes(), "available")
    if limit is not None and needed > limit:
        raise NatlatError(f"{what} would need about {needed / 1e9:,.2f} GB of memory, more than the "
                          f"{limit / 1e9:,.2f} GB {source}: {change}")
