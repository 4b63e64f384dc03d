"""The two learning rules compared by Bengio et al. (2015), evaluated at presynaptic spikes.

Bengio, Mesnard, Fischer, Zhang & Wu (2015), "STDP as presynaptic activity times rate of change of
postsynaptic activity", arXiv:1509.05936.

* **Eq. 1 rule** -- the weight change is proportional to presynaptic activity times the temporal
  derivative of the postsynaptic integrated activity ``s_post`` (the membrane potential):
  ``dW_ij ∝ S_j(t) · ds_i/dt`` (spike version) or ``dW_ij ∝ ρ(s_j) · ds_i/dt`` (rate version).
  If neural dynamics move ``s`` towards better predictions of the future, this is stochastic
  gradient descent on the predictive objective ``||f(s_{t-1}) - s_{t+1}||^2``; it predicts no
  change when the postsynaptic activity is constant.
* **Nearest-neighbour STDP** -- for each presynaptic spike, the nearest postsynaptic spike within
  ``±window`` steps decides the change, ``+A_plus·exp(-Δ/τ_plus)`` for Δ = t_post - t_pre > 0 and
  ``-A_minus·exp(Δ/τ_minus)`` for Δ < 0; as in the paper there is *no update* when postsynaptic
  spikes fall on both sides of the presynaptic spike or on neither (nor when they coincide, Δ = 0).

Everything works on a regular time grid (steps of ``dt``) and is vectorised over trials with
cumulative maximum/minimum scans; no Python loop over spikes.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from neurohw.errors import NeurohwError

__all__ = [
    "PredictiveStdpError",
    "StdpWindow",
    "derivative",
    "nearest_post_pairing",
    "eq1_updates",
    "stdp_updates",
]


class PredictiveStdpError(NeurohwError, ValueError):
    """Invalid input to the predictive-STDP simulation or analysis."""


@dataclass(frozen=True)
class StdpWindow:
    """Parameters of the nearest-neighbour STDP rule, in time steps of the grid.

    ``window`` is the half-width of the search for the nearest postsynaptic spike (the paper uses
    20 steps); ``tau_plus``/``tau_minus`` are the decay constants of potentiation and depression
    and ``a_plus``/``a_minus`` their amplitudes (dimensionless weight change).
    """

    window: int = 20
    tau_plus: float = 8.0
    tau_minus: float = 8.0
    a_plus: float = 1.0
    a_minus: float = 1.0

    def __post_init__(self) -> None:
        if int(self.window) != self.window or self.window < 1:
            raise PredictiveStdpError(
                f"window={self.window} must be a positive whole number of steps")
        if self.tau_plus <= 0 or self.tau_minus <= 0:
            raise PredictiveStdpError("tau_plus and tau_minus must be > 0 steps")


def _as_2d(x: np.ndarray, name: str) -> np.ndarray:
    arr = np.asarray(x)
    if arr.ndim == 1:
        arr = arr[None, :]
    if arr.ndim != 2:
        raise PredictiveStdpError(
            f"{name} must be 1-D (time) or 2-D (trials x time), got shape {arr.shape}")
    return arr


def derivative(s: np.ndarray, dt: float = 1.0, half_width: int = 1) -> np.ndarray:
    """Central-difference time derivative of ``s`` along the last axis.

    ``ds/dt(t) = (s[t+h] - s[t-h]) / (2 h dt)`` with ``h = half_width`` steps; the first and last
    ``h`` samples, where the difference is not defined, are NaN. Units: units of ``s`` per unit
    of ``dt`` (mV/ms for a membrane recorded in mV at steps of ``dt`` ms).
    """
    if half_width < 1:
        raise PredictiveStdpError(f"half_width={half_width} must be >= 1 step")
    if dt <= 0:
        raise PredictiveStdpError(f"dt={dt} must be > 0")
    s = np.asarray(s, dtype=float)
    out = np.full(s.shape, np.nan)
    h = int(half_width)
    if s.shape[-1] > 2 * h:
        out[..., h:-h] = (s[..., 2 * h:] - s[..., :-2 * h]) / (2.0 * h * dt)
    return out


def nearest_post_pairing(pre: np.ndarray, post: np.ndarray, window: int = 20) -> np.ndarray:
    """Signed step difference ``Δ = t_post - t_pre`` to the nearest postsynaptic spike, per step.

    Parameters
    ----------
    pre, post
        boolean (or 0/1) spike rasters, shape (time,) or (trials, time), on the same grid.
    window
        search half-width in steps.

    Returns
    -------
    int array of the rasters' 2-D shape: Δ in steps (1..window or -window..-1) at presynaptic
    spikes whose ``±window`` neighbourhood holds postsynaptic spikes on exactly one side and none
    at Δ = 0; 0 everywhere else (no presynaptic spike, or no update by the nearest-neighbour rule).
    """
    pre = _as_2d(pre, "pre").astype(bool)
    post = _as_2d(post, "post").astype(bool)
    if pre.shape != post.shape:
        raise PredictiveStdpError(f"pre {pre.shape} and post {post.shape} rasters differ in shape")
    n_trials, n_steps = post.shape
    idx = np.arange(n_steps)
    big = 10 * (n_steps + window + 1)
    # last post spike at index <= t, and next post spike at index >= t (per trial)
    last = np.maximum.accumulate(np.where(post, idx, -big), axis=1)
    nxt = np.minimum.accumulate(np.where(post, idx, big)[:, ::-1], axis=1)[:, ::-1]
    last_before = np.concatenate([np.full((n_trials, 1), -big), last[:, :-1]], axis=1)
    next_after = np.concatenate([nxt[:, 1:], np.full((n_trials, 1), big)], axis=1)
    gap_before = idx - last_before          # >= 1
    gap_after = next_after - idx            # >= 1
    has_before = gap_before <= window
    has_after = gap_after <= window
    valid = pre & ~post & (has_before ^ has_after)
    delta = np.where(has_after, gap_after, -gap_before)
    return np.where(valid, delta, 0).astype(int)


def eq1_updates(pre_activity: np.ndarray, ds_post_dt: np.ndarray) -> np.ndarray:
    """Eq. 1 of Bengio et al. (2015): ``dW = pre_activity · ds_post/dt`` per step (elementwise).

    ``pre_activity`` is the presynaptic spike raster (spike version) or rate ρ(s_pre) (rate
    version); NaN derivatives (grid edges) give 0 change.
    """
    pre = np.asarray(pre_activity, dtype=float)
    d = np.nan_to_num(np.asarray(ds_post_dt, dtype=float), nan=0.0)
    if pre.shape != d.shape:
        raise PredictiveStdpError(
            f"pre_activity {pre.shape} and ds_post_dt {d.shape} differ in shape")
    return pre * d


def stdp_updates(delta_steps: np.ndarray, params: StdpWindow = StdpWindow()) -> np.ndarray:
    """Nearest-neighbour STDP weight change for signed step differences ``Δ = t_post - t_pre``.

    Δ = 0 means "no pairing" (no update), as returned by :func:`nearest_post_pairing`.
    """
    d = np.asarray(delta_steps, dtype=float)
    out = np.zeros_like(d)
    pos = d > 0
    neg = d < 0
    out[pos] = params.a_plus * np.exp(-d[pos] / params.tau_plus)
    out[neg] = -params.a_minus * np.exp(d[neg] / params.tau_minus)
    return out
