"""From paired updates to an STDP window: binning, correlation, signs and decay.

A *window* is the average weight change as a function of the spike-timing difference
``Δ = t_post - t_pre`` (steps or ms), estimated by averaging the updates of all presynaptic spikes
whose nearest postsynaptic spike lies in each bin (Bengio et al. 2015, arXiv:1509.05936).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from neurohw.networks.predictive_stdp.rules import PredictiveStdpError

__all__ = ["BinnedWindow", "bin_window", "pearson_r", "sign_at", "value_at", "window_shape_report"]


@dataclass
class BinnedWindow:
    """Binned average update vs timing difference.

    ``centers`` are bin centres (units of Δ), ``mean``/``sem`` the average update and its standard
    error per bin (NaN for empty bins), ``counts`` the number of paired presynaptic spikes.
    """

    centers: np.ndarray
    mean: np.ndarray
    sem: np.ndarray
    counts: np.ndarray
    unit: str = "step"
    extra: dict = field(default_factory=dict)

    def to_dict(self) -> dict:
        """Plain lists for JSON; empty bins (NaN) become ``None``."""
        def clean(x: np.ndarray) -> list:
            return [None if not np.isfinite(v) else float(v) for v in np.asarray(x, dtype=float)]

        return {"centers": clean(self.centers), "mean": clean(self.mean), "sem": clean(self.sem),
                "counts": [int(c) for c in self.counts], "unit": self.unit}


def bin_window(delta: np.ndarray, updates: np.ndarray, edges: np.ndarray,
               unit: str = "step") -> BinnedWindow:
    """Average ``updates`` in bins of ``delta`` (both 1-D, one entry per paired presynaptic spike).

    Bins are ``[edges[k], edges[k+1])``; values outside all bins are ignored.
    """
    delta = np.asarray(delta, dtype=float).ravel()
    updates = np.asarray(updates, dtype=float).ravel()
    edges = np.asarray(edges, dtype=float)
    if delta.shape != updates.shape:
        raise PredictiveStdpError(
            f"delta ({delta.size}) and updates ({updates.size}) differ in length")
    if edges.ndim != 1 or edges.size < 2 or np.any(np.diff(edges) <= 0):
        raise PredictiveStdpError("edges must be an increasing 1-D array with at least 2 entries")
    k = np.searchsorted(edges, delta, side="right") - 1
    inside = (k >= 0) & (k < edges.size - 1) & np.isfinite(updates)
    k, u = k[inside], updates[inside]
    n_bins = edges.size - 1
    counts = np.bincount(k, minlength=n_bins).astype(float)
    sums = np.bincount(k, weights=u, minlength=n_bins)
    sq = np.bincount(k, weights=u * u, minlength=n_bins)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = sums / counts
        var = np.maximum(sq / counts - mean ** 2, 0.0) * counts / np.maximum(counts - 1, 1)
        sem = np.sqrt(var / counts)
    centers = 0.5 * (edges[:-1] + edges[1:])
    return BinnedWindow(centers, mean, sem, counts.astype(int), unit)


def pearson_r(a: np.ndarray, b: np.ndarray) -> float:
    """Pearson correlation of two binned curves over the bins where both are finite."""
    a = np.asarray(a, dtype=float)
    b = np.asarray(b, dtype=float)
    ok = np.isfinite(a) & np.isfinite(b)
    if ok.sum() < 3:
        raise PredictiveStdpError("fewer than 3 bins hold data in both curves; run longer")
    return float(np.corrcoef(a[ok], b[ok])[0, 1])


def value_at(window: BinnedWindow, delta: float) -> float:
    """Window's average update at ``delta``, linearly interpolated between non-empty bins."""
    ok = np.isfinite(window.mean)
    if not ok.any():
        raise PredictiveStdpError("the window holds no data")
    return float(np.interp(delta, window.centers[ok], window.mean[ok]))


def sign_at(window: BinnedWindow, delta: float) -> int:
    """Sign (-1, 0, +1) of the window's average update at ``delta`` (see :func:`value_at`)."""
    return int(np.sign(value_at(window, delta)))


def window_shape_report(window: BinnedWindow, probe: float, edge_fraction: float = 0.25) -> dict:
    """Does the window have the STDP shape?

    Checks (i) potentiation for pre-before-post: mean over bins with ``0 < Δ <= probe`` > 0,
    (ii) depression for post-before-pre: mean over ``-probe <= Δ < 0`` < 0, and (iii) decay: the
    mean |update| over the outer ``edge_fraction`` of the window on each side is smaller than the
    peak |update| on that side (ratio reported).  ``probe`` is in units of Δ.
    """
    c, m = window.centers, window.mean
    ok = np.isfinite(m)
    span = float(np.max(np.abs(c[ok])))
    near_pos = ok & (c > 0) & (c <= probe)
    near_neg = ok & (c < 0) & (c >= -probe)
    out: dict = {}
    out["mean_near_positive"] = float(np.mean(m[near_pos])) if near_pos.any() else float("nan")
    out["mean_near_negative"] = float(np.mean(m[near_neg])) if near_neg.any() else float("nan")
    out["sign_change_at_zero"] = bool(out["mean_near_positive"] > 0 > out["mean_near_negative"])
    for side, sel in (("positive", ok & (c > 0)), ("negative", ok & (c < 0))):
        if not sel.any():
            out[f"decay_ratio_{side}"] = float("nan")
            continue
        peak = float(np.max(np.abs(m[sel])))
        outer = sel & (np.abs(c) >= (1.0 - edge_fraction) * span)
        edge = float(np.mean(np.abs(m[outer]))) if outer.any() else float("nan")
        out[f"decay_ratio_{side}"] = edge / peak if peak > 0 else float("nan")
    out["decays_within_window"] = bool(out["decay_ratio_positive"] < 0.5
                                       and out["decay_ratio_negative"] < 0.5)
    out["stdp_shape"] = bool(out["sign_change_at_zero"] and out["decays_within_window"])
    return out
