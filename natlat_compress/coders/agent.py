"""An agent: a coder primed with its own training corpus, seen as a prior of its own (THEORY.md §4)."""

from __future__ import annotations

from typing import Sequence

from .base import Coder

__all__ = ["AgentCoder", "register_agent", "AGENTS"]

# Agents live for one run and reach worker processes by fork: they are named here, and `agent:NAME` specs find them.
AGENTS: dict[str, "AgentCoder"] = {}


class AgentCoder(Coder):
    """``base`` primed with ``training`` — bytes for a text corpus, a table (serialised on the same columns as each
    term) for a table — through the base coder's own mechanism: a zstd dictionary, zlib's zdict, lz4's block
    dictionary, a prefix for the others."""

    family = "agent"

    def __init__(self, name: str, base: Coder, training) -> None:
        super().__init__(f"agent:{name}", base.reach)
        self.name, self.base, self.training = name, base, training
        self.method = base.method

    def library_version(self) -> str:  # type: ignore[override]
        return self.base.library_version()

    def compress(self, data: bytes) -> bytes:
        return self.base.compress(data)

    def prior_for(self, atoms: Sequence[str]) -> bytes:
        if isinstance(self.training, bytes):
            return self.training
        return self.training.serialize(list(atoms))

    def conditional_bits(self, data: bytes, given: bytes) -> int:
        return self.base.conditional_bits(data, given)

    def bits(self, data: bytes) -> int:
        return self.base.bits(data)

    def describe(self) -> dict:
        training = len(self.training) if isinstance(self.training, bytes) else self.training.n_items
        return {**self.base.describe(), "spec": self.spec, "base": self.base.spec,
                "training": {"bytes" if isinstance(self.training, bytes) else "rows": training}}

    def __reduce__(self):
        from .registry import get_coder

        return (get_coder, (self.spec,))


def register_agent(name: str, base: Coder, training) -> AgentCoder:
    from .registry import get_coder

    AGENTS[name] = AgentCoder(name, base, training)
    get_coder.cache_clear()
    return AGENTS[name]
