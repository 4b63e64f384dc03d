"""Test decoder loss and receptive-field analysis.

The decoder loss of Mikulasch et al. (2021) is ``L = 1/(2 n_x) <||x - D r||^2>`` with ``r`` the
PSP-filtered spike trains. To score a learned representation, the linear decoder ``D`` is fitted
by least squares on responses to one sample of inputs and ``L`` is measured on responses to an
independent test sample (frozen weights).
"""

from __future__ import annotations

import numpy as np

from neurohw.networks.dendritic_balance.errors import DendriticBalanceError


def fit_decoder(x: np.ndarray, r: np.ndarray, ridge: float = 1e-6) -> np.ndarray:
    """Least-squares decoder [n_x, n_z] from samples x [S, n_x], r [S, n_z] (tiny ridge)."""
    if x.shape[0] != r.shape[0] or x.shape[0] == 0:
        raise DendriticBalanceError(f"need as many x as r samples (got {x.shape}, {r.shape})")
    S = x.shape[0]
    A = r.T @ r / S + ridge * np.eye(r.shape[1])
    return np.linalg.solve(A, r.T @ x / S).T


def decoder_loss(x: np.ndarray, r: np.ndarray, D: np.ndarray) -> float:
    """``1/(2 n_x) <||x - D r||^2>`` over the samples (dimensionless, input units squared)."""
    err = x - r @ D.T
    return float(0.5 * np.mean(np.sum(err * err, axis=1)) / x.shape[1])


def bar_selectivity(F: np.ndarray, bars: np.ndarray, threshold: float = 0.9) -> dict[str, float]:
    """How well the receptive fields ``F`` [n_z, n_x] match single bars [n_bars, n_x].

    Returns the number of distinct bars that are some neuron's best match among neurons whose
    cosine similarity to their best bar is at least ``threshold`` (``distinct_bars``), the
    fraction of such single-bar neurons (``single_bar_fraction``) and the mean best cosine.
    A network that "learns one bar per neuron" with 16 neurons and 16 bars has 16 distinct bars.
    """
    Fn = F / np.maximum(np.linalg.norm(F, axis=1, keepdims=True), 1e-12)
    Bn = bars / np.linalg.norm(bars, axis=1, keepdims=True)
    cos = Fn @ Bn.T
    best = cos.argmax(axis=1)
    best_cos = cos.max(axis=1)
    single = best_cos >= threshold
    return {"distinct_bars": int(len(np.unique(best[single]))),
            "single_bar_fraction": float(single.mean()),
            "mean_best_cosine": float(best_cos.mean())}


def bar_composition(F: np.ndarray, bars: np.ndarray, threshold: float = 0.9,
                    pair_ratio: float = 0.6) -> dict:
    """Which bars each receptive field is made of, to diagnose *why* bars are missing.

    Every row of ``F`` [n_z, n_x] is written as a non-negative combination of the bars
    [n_bars, n_x] (non-negative least squares, ``coefficients`` [n_z, n_bars]). A neuron is a
    *pair neuron* (a "cross") when its second-largest coefficient is at least ``pair_ratio`` times
    its largest (single-bar fields learned at high bar correlation carry a faint copy of their
    correlated partner, up to ~0.45 of the main bar; crosses carry both bars at ~0.9-1).
    ``missing_bars`` are the bars that are not the best match (cosine >= ``threshold``) of any
    neuron, i.e. the complement of :func:`bar_selectivity`'s distinct bars; ``duplicate_bars`` are
    bars that are the best match of more than one single-bar neuron. Weights are dimensionless.
    """
    from scipy.optimize import nnls

    if F.ndim != 2 or bars.ndim != 2 or F.shape[1] != bars.shape[1]:
        raise DendriticBalanceError(
            f"need F [n_z, n_x] and bars [n_bars, n_x] with the same n_x; got {F.shape}, {bars.shape}")
    coeffs = np.stack([nnls(bars.T, f)[0] for f in F])            # 16 tiny problems: not a hot path
    ordered = np.sort(coeffs, axis=1)
    pair = ordered[:, -2] >= pair_ratio * np.maximum(ordered[:, -1], 1e-12)
    Fn = F / np.maximum(np.linalg.norm(F, axis=1, keepdims=True), 1e-12)
    cos = Fn @ (bars / np.linalg.norm(bars, axis=1, keepdims=True)).T
    single_best = cos.argmax(axis=1)[cos.max(axis=1) >= threshold]
    counts = np.bincount(single_best, minlength=bars.shape[0])
    return {"coefficients": coeffs,
            "pair_neurons": np.flatnonzero(pair).tolist(),
            "missing_bars": np.flatnonzero(counts == 0).tolist(),
            "duplicate_bars": np.flatnonzero(counts > 1).tolist()}
