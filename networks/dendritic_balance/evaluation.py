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
