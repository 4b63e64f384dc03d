"""Calibration targets: the biological value each circuit's parameter should realise.

Defaults are the PyNN ``IF_cond_exp`` defaults (mV, ms) with a 2 ms refractory period, and a
synaptic gain of 1 (realised weight LSB = nominal). A target may be a scalar or one value per
circuit (array of shape ``(n_circuits,)``).
"""

from __future__ import annotations

import numpy as np

from neurohw.backends.emulator.chip import transfer
from neurohw.backends.emulator.chip.presets import get_preset

from .errors import CalibrationTargetError
from .result import CALIBRATED_PARAMETERS

DEFAULT_TARGETS: dict[str, float] = {
    "v_rest": -65.0, "v_reset": -65.0, "v_thresh": -50.0, "tau_m": 20.0, "tau_refrac": 2.0,
    "tau_syn_E": 5.0, "tau_syn_I": 5.0, "syn_gain_E": 1.0, "syn_gain_I": 1.0,
}


def default_targets() -> dict[str, float]:
    """A copy of :data:`DEFAULT_TARGETS` (bio units)."""
    return dict(DEFAULT_TARGETS)


def normalise_targets(targets: dict | None, preset: str, n_circuits: int | None = None
                      ) -> dict[str, np.ndarray]:
    """Fill missing targets with defaults, check names, shapes and realisable ranges.

    Returns name -> float array: shape ``()`` for scalars, or ``(n_circuits,)``; with
    ``n_circuits`` given every target is broadcast to that shape.
    """
    p = get_preset(preset)
    t = default_targets()
    if targets:
        unknown = set(targets) - set(CALIBRATED_PARAMETERS)
        if unknown:
            raise CalibrationTargetError(
                f"unknown calibration target(s) {sorted(unknown)}; targets are "
                f"{list(CALIBRATED_PARAMETERS)}")
        t.update(targets)
    out = {}
    for name in CALIBRATED_PARAMETERS:
        a = np.asarray(t[name], dtype=float)
        if a.ndim > 1 or (a.ndim == 1 and n_circuits is not None and a.size != n_circuits):
            raise CalibrationTargetError(
                f"target {name!r} must be a scalar or have one value per circuit "
                f"({n_circuits}), got shape {a.shape}")
        if not np.all(np.isfinite(a)):
            raise CalibrationTargetError(f"target {name!r} has non-finite values")
        lo, hi = transfer.bio_range(p, name)
        if np.any(a < lo) or np.any(a > hi):
            raise CalibrationTargetError(
                f"target {name!r} = {a.min():g}..{a.max():g} {transfer.spec(name).unit} is "
                f"outside what the circuits of preset {p.name!r} realise ({lo:g}..{hi:g})")
        if n_circuits is not None:
            a = np.broadcast_to(a, (n_circuits,)).astype(float)
        out[name] = a
    return out
