"""Named random streams derived from one run seed (common random numbers).

Each random process draws from its own generator, seeded from the run seed and a stable
hash of the process's name (as Starsim does). Switching one intervention on changes what
happens but not which random numbers the other processes see, so a mix and its
no-intervention baseline differ by the intervention's effect, not by noise.
"""

from __future__ import annotations

import zlib

import numpy as np


def stream_key(name: str) -> int:
    return zlib.crc32(name.encode("utf-8"))


class Streams:
    """``streams["offending"]`` is the generator of the offending process for this seed."""

    def __init__(self, seed: int | np.random.SeedSequence):
        self.seed_sequence = (
            seed if isinstance(seed, np.random.SeedSequence) else np.random.SeedSequence(seed)
        )
        self._generators: dict[str, np.random.Generator] = {}

    def __getitem__(self, name: str) -> np.random.Generator:
        if name not in self._generators:
            entropy = self.seed_sequence.entropy
            key = (*self.seed_sequence.spawn_key, stream_key(name))
            child = np.random.SeedSequence(entropy, spawn_key=key)
            self._generators[name] = np.random.Generator(np.random.PCG64(child))
        return self._generators[name]


def run_seed(base_seed: int, *keys: int | str) -> int:
    """A 63-bit seed for one run from a base seed and keys (scenario hash, point, replicate)."""
    words = [stream_key(k) if isinstance(k, str) else int(k) & 0xFFFFFFFF for k in keys]
    ss = np.random.SeedSequence([int(base_seed), *words])
    return int(ss.generate_state(2, dtype=np.uint32).view(np.uint64)[0] >> np.uint64(1))
