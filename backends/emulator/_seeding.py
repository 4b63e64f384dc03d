"""Deterministic seeds derived from (seed, segment, call, ...) for the emulator's generators."""

from __future__ import annotations

import numpy as np


def seed_for(*parts: int) -> int:
    """A 31-bit seed derived deterministically from non-negative integers."""
    return int(np.random.SeedSequence([int(p) & 0xFFFFFFFF for p in parts])
               .generate_state(1, dtype=np.uint32)[0] & 0x7FFFFFFF)
