"""Slow collective fluctuations of a sampling ensemble: is its sampled activity stationary?

A deterministic ensemble (Dold et al. 2019) can show population-wide fluctuations on the scale of
seconds: all neurons' backgrounds rise and fall together, so every network's moments drift and a
10 s window does not average them out. Jordan, Petrovici et al. 2019 (Sci. Rep. 9:18303,
"Deterministic networks for probabilistic computing") show that such shared fluctuations are
suppressed in inhibition-dominated networks. These functions quantify them from the sampled
states z(t) (uint8/bool, shape (n_samples, n_neurons), sampled every ``dt_ms`` ms):

* the population activity a(t) = mean_k z_k(t), averaged in blocks of ``block_ms``; its standard
  deviation over blocks compared with that of a stationary, independent population of the same
  size and mean (``excess`` > 1: collective fluctuations);
* its autocorrelation at lags of 0.1-1 s;
* per-neuron drift: the standard deviation of each neuron's <z_k> over blocks (median over
  neurons), which is what moves the networks' first moments from window to window.
"""

from __future__ import annotations

from typing import Any

import numpy as np


def _blocks(x: np.ndarray, per_block: int) -> np.ndarray:
    """Means of consecutive blocks of ``per_block`` rows of x (rows beyond the last block are
    dropped), shape (n_blocks, ...)."""
    n_blocks = x.shape[0] // per_block
    if n_blocks < 2:
        raise ValueError(f"need at least 2 blocks of {per_block} samples, got {x.shape[0]} "
                         "samples; use a longer run or a shorter block")
    return x[:n_blocks * per_block].reshape(n_blocks, per_block, *x.shape[1:]).mean(axis=1)


def autocorrelation(x: np.ndarray, lags: np.ndarray) -> np.ndarray:
    """Normalised autocorrelation of a 1-d series x at integer ``lags`` (samples)."""
    x = np.asarray(x, dtype=float) - np.mean(x)
    var = float(np.dot(x, x))
    if var == 0.0:
        return np.zeros(len(lags))
    return np.array([float(np.dot(x[:x.size - lag], x[lag:])) / var if lag < x.size else np.nan
                     for lag in lags])


def rate_fluctuations(states: np.ndarray, dt_ms: float, block_ms: float = 1000.0,
                      lags_ms: tuple[float, ...] = (100.0, 300.0, 1000.0),
                      smooth_ms: float = 100.0, window_ms: float = 10000.0) -> dict[str, Any]:
    """Collective fluctuation measures of sampled states z(t) (see the module docstring).

    ``dt_ms``: sampling interval of ``states`` (ms); ``block_ms``: averaging block for the
    population-activity and per-neuron drift statistics; ``lags_ms``: autocorrelation lags of the
    population activity, which is first averaged over ``smooth_ms`` bins. Returns JSON-able
    floats: ``population_sd`` (s.d. of the block-averaged population activity),
    ``population_sd_incoherent`` (the same after shifting each neuron's series of block
    means cyclically by its own offset: every neuron keeps its own drift, their coherence goes),
    ``excess`` (their ratio; ~1 without collective fluctuations), ``autocorrelation`` (lag ms -> value) and
    ``neuron_drift_sd`` (median over neurons of the s.d. of <z_k> over blocks) and
    ``neuron_drift_sd_window`` (the same over blocks of ``window_ms``, the evaluation window;
    None when the run holds fewer than two such windows).
    """
    z = np.asarray(states, dtype=float)
    if z.ndim != 2:
        raise ValueError(f"states must be (n_samples, n_neurons), got shape {z.shape}")
    per_block = max(1, int(round(block_ms / dt_ms)))
    neuron_blocks = _blocks(z, per_block)                       # (B, n)
    population = neuron_blocks.mean(axis=1)                     # (B,)
    # Incoherent reference: roll each neuron's block series by its own offset, which keeps every
    # neuron's own drift but destroys their alignment in time (deterministic, no random numbers).
    n_blocks, n_neurons = neuron_blocks.shape
    shifts = (np.arange(n_neurons) * 7919) % n_blocks
    rows = (np.arange(n_blocks)[:, None] + shifts[None, :]) % n_blocks
    incoherent = np.take_along_axis(neuron_blocks, rows, axis=0).mean(axis=1)
    sd, sd_ref = float(np.std(population)), float(np.std(incoherent))
    per_smooth = max(1, int(round(smooth_ms / dt_ms)))
    smooth = _blocks(z.mean(axis=1), per_smooth)
    lags = np.array([max(1, int(round(lag / smooth_ms))) for lag in lags_ms])
    acf = autocorrelation(smooth, lags)
    per_window = max(1, int(round(window_ms / dt_ms)))
    window_drift = (float(np.median(_blocks(z, per_window).std(axis=0)))
                    if z.shape[0] >= 2 * per_window else None)
    return {"block_ms": float(block_ms),
            "population_mean": float(z.mean()),
            "population_sd": sd,
            "population_sd_incoherent": sd_ref,
            "excess": sd / sd_ref if sd_ref > 0 else float("inf"),
            "autocorrelation": {f"{lag:g}": float(a) for lag, a in zip(lags_ms, acf)},
            "neuron_drift_sd": float(np.median(neuron_blocks.std(axis=0))),
            "window_ms": float(window_ms),
            "neuron_drift_sd_window": window_drift}
