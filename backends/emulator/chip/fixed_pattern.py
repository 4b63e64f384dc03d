"""Fixed-pattern noise: each circuit's deviation of every DAC -> value transfer curve.

Drawn once from ``chip_seed`` with numpy's Generator. Every (preset, parameter, chip index)
gets its own stream (``SeedSequence(chip_seed, spawn_key=...)``), so the same chip_seed gives
the same chip regardless of which parameters are queried first or how many chips are used,
and different seeds give different chips.

Per circuit and parameter: ``gain = exp(gain_std * z1)`` (median 1, relative spread
~``gain_std``) and ``offset = offset_std * z2`` (hardware units), z ~ N(0, 1). The realised
hardware value is ``pivot + gain * (nominal - pivot) + offset`` (see ``transfer.py``).

This object is private to the emulator: only the chip (and tests) read it; calibration must
find it by measurement.
"""

from __future__ import annotations

import zlib

import numpy as np

from . import transfer
from .presets import Preset, get_preset


def _stream(chip_seed: int, preset_name: str, parameter: str, chip_index: int
            ) -> np.random.Generator:
    key = (zlib.crc32(preset_name.encode()), zlib.crc32(parameter.encode()), int(chip_index))
    return np.random.default_rng(np.random.SeedSequence(int(chip_seed), spawn_key=key))


class FixedPatternNoise:
    """Per-circuit gains and offsets (hardware units) of every DAC-controlled parameter."""

    def __init__(self, preset: Preset | str, chip_seed: int, n_chips: int = 1):
        self.preset = get_preset(preset)
        self.chip_seed = int(chip_seed)
        self.n_chips = int(n_chips)
        n = self.preset.neurons_per_chip
        self.gain: dict[str, np.ndarray] = {}
        self.offset_hw: dict[str, np.ndarray] = {}
        for name, s in transfer.PARAMETER_SPECS.items():
            gains, offsets = [], []
            for chip in range(self.n_chips):
                z = _stream(self.chip_seed, self.preset.name, name, chip).standard_normal((2, n))
                gains.append(np.exp(s.gain_std * z[0]))
                offset_bio = s.offset_std_bio * z[1]
                # an offset is a potential difference (or a quantity without shift): scale only
                if name in transfer.POTENTIALS:
                    offsets.append(self.preset.voltage_scale * offset_bio)
                else:
                    offsets.append(transfer.bio_to_hw(self.preset, name, offset_bio))
            self.gain[name] = np.concatenate(gains)
            self.offset_hw[name] = np.concatenate(offsets)

    @property
    def n_circuits(self) -> int:
        return self.preset.neurons_per_chip * self.n_chips

    def apply(self, name: str, nominal_hw: np.ndarray, circuits: np.ndarray) -> np.ndarray:
        """Nominal hardware value(s) on ``circuits`` -> the value these circuits realise."""
        pivot = transfer.pivot_hw(self.preset, name)
        c = np.asarray(circuits, dtype=np.intp)
        return pivot + self.gain[name][c] * (np.asarray(nominal_hw, float) - pivot) \
            + self.offset_hw[name][c]

    def invert(self, name: str, realised_hw: np.ndarray, circuits: np.ndarray) -> np.ndarray:
        """The nominal value a circuit must be given to realise ``realised_hw`` (the truth a
        perfect calibration would find; for tests)."""
        pivot = transfer.pivot_hw(self.preset, name)
        c = np.asarray(circuits, dtype=np.intp)
        return pivot + (np.asarray(realised_hw, float) - pivot - self.offset_hw[name][c]) \
            / self.gain[name][c]
