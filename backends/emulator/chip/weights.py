"""Synaptic weights: per-row scale x 4-bit (bss1) / 6-bit (bss2) codes.

On both chips a synapse stores a small integer weight code; the conductance (or current) one
code step stands for is set per synapse row by the row's driver (BrainScaleS-1: the ``gmax``
setting of the synapse driver, Schemmel et al. 2010) and, per neuron, by the circuit's synaptic
input gain (which varies from circuit to circuit: fixed-pattern noise, calibratable through the
``syn_gain_E/I`` DAC codes).

Model: per row r the scale ``s_r`` is the largest requested weight in that row (after clipping
to the preset's maximum), so the strongest synapse of a row gets the top code. Each weight
becomes ``code = round(w / s_r * (L - 1))`` with L = 16 or 64 levels; its *digital* value is
``code * s_r / (L - 1)``. This module computes only the digital value: that is what the user
programmed and what ``prj.get("weight")`` reports. The analog per-circuit synaptic gain
(fixed-pattern noise, or its calibrated correction) multiplies it only inside the engine
(``Chip.synaptic_gain``), so the hidden deviations never reach the PyNN API. The row scale itself is treated as continuous
(BrainScaleS-1 combines a 10-bit gmax DAC with a programmable divider); the coarse weight code
dominates the quantisation error.
"""

from __future__ import annotations

from dataclasses import dataclass, asdict

import numpy as np


@dataclass(frozen=True)
class WeightReport:
    """What quantisation did to one set of weights.

    Relative errors are |digital - requested| / requested over requested weights > 0 (grid,
    clipping and rounding to zero; the hidden per-circuit analog gain is not included).
    """

    n: int
    n_rounded_to_zero: int
    n_clipped: int
    mean_relative_error: float
    max_relative_error: float
    levels: int
    max_weight: float

    def to_dict(self) -> dict:
        return asdict(self)


def row_scales(weights: np.ndarray, rows: np.ndarray) -> np.ndarray:
    """Per connection, the scale of its row: the row's largest weight (same units)."""
    _, inverse = np.unique(rows, return_inverse=True)
    inverse = inverse.ravel()
    top = np.zeros(inverse.max() + 1 if inverse.size else 0)
    np.maximum.at(top, inverse, weights)
    return top[inverse]


def quantise(weights: np.ndarray, rows: np.ndarray, levels: int, max_weight: float,
             enabled: bool = True) -> tuple[np.ndarray, np.ndarray, WeightReport]:
    """Quantise weights onto the row-scaled grid (digital values, no analog gain).

    Parameters
    ----------
    weights : requested weights >= 0 (uS for conductance synapses, nA for current synapses)
    rows : synapse row id per connection (connections of a row share its scale)
    levels : number of weight codes (16 or 64)
    max_weight : largest realisable weight (same units); larger ones are clipped
    enabled : False -> no grid, no clipping (weights pass unchanged)

    Returns (digital weights, integer codes (-1 where quantisation is off), report).
    """
    w = np.asarray(weights, dtype=float).ravel()
    if np.any(~np.isfinite(w)) or np.any(w < 0):
        raise ValueError("weights must be finite and >= 0; give inhibitory weights as positive "
                         "values on an inhibitory receptor")
    rows = np.asarray(rows).ravel()
    if rows.shape != w.shape:
        raise ValueError(f"need one row id per weight: {rows.shape} vs {w.shape}")
    if enabled:
        clipped = w > max_weight
        wc = np.minimum(w, max_weight)
        scale = row_scales(wc, rows) if w.size else wc
        safe = np.where(scale > 0, scale, 1.0)
        codes = np.where(scale > 0, np.rint(wc / safe * (levels - 1)), 0).astype(np.int64)
        grid = codes * scale / (levels - 1)
    else:
        clipped = np.zeros(w.shape, bool)
        codes = np.full(w.shape, -1, np.int64)
        grid = w.copy()
    positive = w > 0
    if positive.any():
        rel = np.abs(grid[positive] - w[positive]) / w[positive]
        stats = (float(rel.mean()), float(rel.max()))
    else:
        stats = (0.0, 0.0)
    report = WeightReport(
        n=int(w.size), n_rounded_to_zero=int(np.count_nonzero(positive & (grid == 0))),
        n_clipped=int(np.count_nonzero(clipped)), mean_relative_error=stats[0],
        max_relative_error=stats[1], levels=int(levels), max_weight=float(max_weight))
    return grid, codes, report


def quantise_to_scale(weights: np.ndarray, scale: np.ndarray, levels: int, enabled: bool = True
                      ) -> tuple[np.ndarray, np.ndarray, WeightReport]:
    """Quantise weights onto a given per-connection scale (the top code's weight): plastic
    rows, whose scale is the rule's ``w_max`` so that learning can reach every code. Weights
    above the scale are clipped to it. Returns (digital weights, codes, report)."""
    w = np.asarray(weights, dtype=float).ravel()
    scale = np.broadcast_to(np.asarray(scale, dtype=float), w.shape)
    clipped = w > scale
    wc = np.minimum(w, scale)
    if enabled:
        codes = np.rint(wc / scale * (levels - 1)).astype(np.int64)
        grid = codes * scale / (levels - 1)
    else:
        codes = np.full(w.shape, -1, np.int64)
        grid = wc
    positive = w > 0
    rel = np.abs(grid[positive] - w[positive]) / w[positive] if positive.any() else np.zeros(1)
    report = WeightReport(
        n=int(w.size), n_rounded_to_zero=int(np.count_nonzero(positive & (grid == 0))),
        n_clipped=int(np.count_nonzero(clipped)), mean_relative_error=float(rel.mean()),
        max_relative_error=float(rel.max()), levels=int(levels),
        max_weight=float(scale.max()) if scale.size else 0.0)
    return grid, codes, report
