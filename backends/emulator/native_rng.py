"""``sim.NativeRNG``: the emulator's "own" random number generator.

PyNN scripts may ask a backend for its native RNG (``sim.NativeRNG(seed=...)``) to draw
connectivity and weights inside the simulator. The emulator builds every network on the host
before it is mapped to the chip, so its native RNG *is* a seeded NumPy generator: results are
reproducible for a seed, but differ from what ``pyNN.nest``'s NativeRNG (NEST's own RNG) draws.
"""

from __future__ import annotations

from pyNN.random import NumpyRNG


class NativeRNG(NumpyRNG):
    """The emulator's native RNG: a seeded :class:`pyNN.random.NumpyRNG` (host-side drawing)."""

    def __str__(self) -> str:
        return f"NativeRNG(seed={self.seed})"
