"""Trace and spike-train analysis for calibration, vectorised over traces.

Units: times in ms (biological), potentials in mV (biological). Every function takes a batch of
traces sampled at a common interval ``dt`` as an array of shape ``(n_samples, n_traces)`` and
returns one estimate per trace.
"""

from __future__ import annotations

import numpy as np

#: Log-spaced grid of candidate time constants (ms) for the grid searches below.
TAU_GRID_MS = np.geomspace(0.1, 400.0, 600)


def _refine(grid: np.ndarray, cost: np.ndarray) -> np.ndarray:
    """Parabolic refinement (in log tau) of the minimum of ``cost`` (n_grid, n) over ``grid``."""
    k = np.argmin(cost, axis=0)
    k = np.clip(k, 1, grid.size - 2)
    cols = np.arange(cost.shape[1])
    c0, c1, c2 = cost[k - 1, cols], cost[k, cols], cost[k + 1, cols]
    denom = c0 - 2 * c1 + c2
    with np.errstate(divide="ignore", invalid="ignore"):
        shift = np.where(denom > 0, 0.5 * (c0 - c2) / denom, 0.0)
    shift = np.clip(shift, -1.0, 1.0)
    lg = np.log(grid)
    step = lg[1] - lg[0]
    return np.exp(lg[k] + shift * step)


def fit_relaxation(v: np.ndarray, dt: float, tau_grid: np.ndarray = TAU_GRID_MS,
                   v_inf: np.ndarray | None = None
                   ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Fit ``v(t) = v_inf + (v0 - v_inf) * exp(-t/tau)`` to each column of ``v`` (t = k*dt).

    Grid search over ``tau`` with the linear coefficients solved in closed form (both of them,
    or only the amplitude when the asymptote ``v_inf`` is known), then a parabolic refinement.
    Returns ``(tau_ms, v_inf_mV, rms_residual_mV)``.
    """
    v = np.asarray(v, dtype=float)
    n = v.shape[1]
    t = np.arange(v.shape[0]) * dt
    fixed = v_inf is not None
    if fixed:
        v_inf = np.broadcast_to(np.asarray(v_inf, dtype=float), (n,))
        y = v - v_inf
    else:
        y = v - v.mean(0)
    costs = np.empty((tau_grid.size, n))
    for i, tau in enumerate(tau_grid):
        e = np.exp(-t / tau)
        ec = e if fixed else e - e.mean()
        see = ec @ ec
        b = (ec @ y) / see
        costs[i] = ((y - np.outer(ec, b)) ** 2).sum(0)
    tau = _refine(tau_grid, costs)
    e = np.exp(-t[:, None] / tau[None, :])
    if fixed:
        b = (e * y).sum(0) / (e ** 2).sum(0)
        a = v_inf
    else:
        em = e.mean(0)
        ec = e - em
        b = (ec * y).sum(0) / (ec ** 2).sum(0)
        a = v.mean(0) - b * em
    rms = np.sqrt(((v - a - e * b) ** 2).mean(0))
    return tau, np.array(a, dtype=float), rms


def _substep_weights(dt: float, tau_m: np.ndarray, tau_s: np.ndarray, cm_nF: float,
                     substeps: int) -> tuple[np.ndarray, np.ndarray]:
    """Response of the membrane filter, after one sample interval ``dt``, to an input
    ``exp(-s/tau_s) * (c0 + c1 * s/dt)`` nA over that interval (``s`` from its start),
    integrated with ``substeps`` exponential-integrator sub-steps: returns the weights
    ``(A, B)`` (mV per nA) of ``c0`` and ``c1``. ``tau_m`` has shape ``(n,)``, ``tau_s``
    broadcasts against ``(n_candidates, n)``; results have shape ``(n_candidates, n)``."""
    h = dt / substeps
    frac = (np.arange(substeps) + 0.5) / substeps               # sub-step midpoints / dt
    a_sub = np.exp(-h / tau_m)                                  # (n,)
    gain_sub = tau_m / cm_nF * (1.0 - a_sub)                    # mV per nA over a sub-step
    # filter decay from each sub-step's end to the end of the interval: (m, 1, n)
    carry = (a_sub[None, :] ** (substeps - 1 - np.arange(substeps))[:, None])[:, None, :]
    dec = np.exp(-frac[:, None, None] * dt / np.asarray(tau_s, dtype=float)[None])
    A = (dec * carry).sum(0) * gain_sub
    B = (dec * carry * frac[:, None, None]).sum(0) * gain_sub
    return A, B


def fit_conductance_psp(u: np.ndarray, dt: float, tau_m: np.ndarray, cm_nF: float,
                        drive_mV: np.ndarray, t0: float = 0.0,
                        tau_grid: np.ndarray = np.geomspace(0.3, 60.0, 240),
                        substeps: int = 16) -> tuple[np.ndarray, np.ndarray]:
    """Fit a conductance-based PSP exactly: ``C du/dt = -C/tau_m u + g(t) (D - u)`` with
    ``g(t) = g0 exp(-t/tau_s)`` from t = 0, ``u`` the deviation from the resting level
    (mV), ``D`` the driving force at rest (``E_rev - v_rest``, mV, one per trace).

    For each candidate ``tau_s`` the measured ``u`` itself supplies the driving force
    ``D - u(t)``, so the model is linear in ``g0``: ``u = g0 * k(t)`` with ``k`` the membrane
    filter applied to ``exp(-t/tau_s) (D - u(t))``; grid search over ``tau_s`` with ``g0`` in
    closed form, parabolic refinement. Between samples ``u`` is interpolated linearly and the
    filter is integrated in ``substeps`` sub-steps (the continuous membrane, not a
    sample-rate approximation of it). Samples are at ``t0 + j*dt``. Returns
    ``(tau_s_ms, g0_uS)``.
    """
    u = np.asarray(u, dtype=float)
    n_t, n = u.shape
    tau_m = np.broadcast_to(np.asarray(tau_m, dtype=float), (n,))
    drive = np.broadcast_to(np.asarray(drive_mV, dtype=float), (n,))
    n_pre = max(1, int(round(t0 / dt)))                       # samples start at t0 >= dt
    full = np.vstack([np.zeros((n_pre, n)), u])              # row i: time i*dt, u(0) = 0
    c0 = drive[None, :] - full[:-1]                          # driving force at interval start
    c1 = -(full[1:] - full[:-1])                             # its linear change over it
    t_start = np.arange(full.shape[0] - 1) * dt
    a = np.exp(-dt / tau_m)                                   # (n,)

    def sums(tau_s: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Sums over samples of k*u and k*k, candidates ``tau_s`` of shape (n_cand, 1) or
        (1, n) -> (n_cand, n)."""
        A, B = _substep_weights(dt, tau_m, tau_s, cm_nF, substeps)
        k = np.zeros(A.shape)
        num = np.zeros(A.shape)
        den = np.zeros(A.shape)
        for j in range(c0.shape[0]):
            k = k * a + np.exp(-t_start[j] / tau_s) * (A * c0[j] + B * c1[j])
            if j + 1 >= n_pre:
                y = full[j + 1]
                num += k * y
                den += k * k
        return num, den

    num, den = sums(tau_grid[:, None])
    uu = (full[n_pre:] ** 2).sum(0)
    with np.errstate(divide="ignore", invalid="ignore"):
        g0 = num / den
        cost = uu - num * g0
    tau_s = _refine(tau_grid, np.where(np.isfinite(cost), cost, np.inf))
    num, den = sums(tau_s[None, :])                           # g0 at the refined tau_s
    return tau_s, num[0] / den[0]


def plateau(v: np.ndarray, fraction: float = 0.5) -> np.ndarray:
    """Mean of the last ``fraction`` of each trace (mV): the settled value."""
    v = np.asarray(v, dtype=float)
    k = max(1, int(round(v.shape[0] * fraction)))
    return v[-k:].mean(0)


def mean_isi(spike_trains: list[np.ndarray], t_start: float, t_stop: float,
             min_spikes: int = 3) -> np.ndarray:
    """Mean inter-spike interval (ms) of each train within [t_start, t_stop), from the first and
    last spike (robust to time-stamp quantisation); NaN with fewer than ``min_spikes``."""
    out = np.full(len(spike_trains), np.nan)
    for i, st in enumerate(spike_trains):
        s = np.asarray(st, dtype=float)
        s = s[(s >= t_start) & (s < t_stop)]
        if s.size >= min_spikes:
            out[i] = (s[-1] - s[0]) / (s.size - 1)
    return out


def spike_counts(spike_trains: list[np.ndarray], t_start: float, t_stop: float) -> np.ndarray:
    """Number of spikes of each train within [t_start, t_stop)."""
    return np.array([int(np.count_nonzero((np.asarray(s) >= t_start) & (np.asarray(s) < t_stop)))
                     for s in spike_trains])
