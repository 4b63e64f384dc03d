"""The reference simulation of Bengio, Mesnard, Fischer, Zhang & Wu (2015), arXiv:1509.05936.

Pre- and postsynaptic neurons have slowly, randomly varying integrated activities ``s`` (state
variables, dimensionless), firing probabilities per step ``ρ(s) = ρ_max · sigmoid(s)`` and spikes
drawn as a binomial (Bernoulli) sample at every discrete step. At every presynaptic spike the two
rules of :mod:`~neurohw.networks.predictive_stdp.rules` are evaluated: Eq. 1
(``S_pre · ds_post/dt``) and nearest-neighbour STDP (window ±20 steps, no update when
postsynaptic spikes fall on both sides or on neither). Averaging Eq. 1 over the presynaptic
spikes paired at each timing difference gives an STDP-shaped window because a postsynaptic spike shortly *after* the presynaptic one signals that
``s_post`` was rising (ρ is increasing in ``s``), one shortly *before* that it was falling.

Slow variation: ``s`` is Gaussian white noise passed twice through a first-order low-pass filter
with time constant ``tau_s`` steps (a smooth process with autocorrelation
``(1 + |k|/τ) exp(-|k|/τ)``), rescaled to standard deviation ``s_std`` around ``s_mean``.
All trials are simulated at once as (trials x steps) arrays; one seed fixes everything.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from scipy.signal import lfilter

from neurohw.networks.predictive_stdp.rules import (
    PredictiveStdpError,
    StdpWindow,
    derivative,
    eq1_updates,
    nearest_post_pairing,
    stdp_updates,
)
from neurohw.networks.predictive_stdp.window import BinnedWindow, bin_window, pearson_r, sign_at

__all__ = [
    "ReferenceConfig",
    "ReferenceResult",
    "slow_activity",
    "rate",
    "binomial_spikes",
    "run_reference",
    "mean_eq1_change",
]


@dataclass(frozen=True)
class ReferenceConfig:
    """Settings of the reference simulation (time in steps, activities dimensionless).

    The defaults reproduce the numbers reported in the README.
    """

    n_trials: int = 400
    n_steps: int = 2000
    tau_s: float = 5.0           # time constant (steps) of each of the two low-pass stages
    s_mean: float = -2.0         # sigmoid(-2) ≈ 0.12 of rho_max on average
    s_std: float = 1.5
    rho_max: float = 0.5         # spike probability per step at saturation
    stdp: StdpWindow = field(default_factory=StdpWindow)
    bin_width: int = 1           # steps per bin of the timing difference
    seed: int = 1


@dataclass
class ReferenceResult:
    """Windows of both rules, their binned correlation and the sign of the Eq. 1 window."""

    config: ReferenceConfig
    eq1: BinnedWindow
    stdp: BinnedWindow
    eq1_rate: BinnedWindow
    pearson_r: float
    pearson_r_rate: float
    sign_plus5: int
    sign_minus5: int
    n_pairs: int

    def summary(self) -> dict:
        return {
            "pearson_r_eq1_vs_stdp": self.pearson_r,
            "pearson_r_eq1_rate_vs_stdp": self.pearson_r_rate,
            "eq1_sign_at_+5": self.sign_plus5,
            "eq1_sign_at_-5": self.sign_minus5,
            "n_paired_pre_spikes": self.n_pairs,
            "unit": "step",
        }


def slow_activity(rng: np.random.Generator, n_trials: int, n_steps: int, tau_s: float,
                  mean: float, std: float) -> np.ndarray:
    """Smooth random state variables ``s``, shape (n_trials, n_steps).

    White noise through two first-order low-pass stages of ``tau_s`` steps; a burn-in of
    ``10·tau_s`` steps is discarded so the process is stationary from step 0.
    """
    if tau_s <= 0 or std < 0 or n_trials < 1 or n_steps < 3:
        raise PredictiveStdpError("need tau_s > 0, std >= 0, n_trials >= 1 and n_steps >= 3")
    burn = int(np.ceil(10 * tau_s))
    a = np.exp(-1.0 / tau_s)
    x = rng.standard_normal((n_trials, n_steps + burn))
    x = lfilter([1.0 - a], [1.0, -a], x, axis=1)
    x = lfilter([1.0 - a], [1.0, -a], x, axis=1)[:, burn:]
    sd = x.std()
    return mean + std * (x / sd if sd > 0 else x)


def rate(s: np.ndarray, rho_max: float) -> np.ndarray:
    """Spike probability per step ``ρ(s) = rho_max / (1 + exp(-s))``."""
    if not 0 < rho_max <= 1:
        raise PredictiveStdpError(f"rho_max={rho_max} must be a probability per step in (0, 1]")
    return rho_max / (1.0 + np.exp(-np.asarray(s, dtype=float)))


def binomial_spikes(rng: np.random.Generator, rho: np.ndarray) -> np.ndarray:
    """One Bernoulli (binomial n=1) spike draw per step with probability ``rho``."""
    return rng.random(np.shape(rho)) < rho


def run_reference(config: ReferenceConfig = ReferenceConfig()) -> ReferenceResult:
    """Run the paper's simulation and measure both windows.

    Returns the Eq. 1 window (spike version ``S_pre · ds_post/dt`` and rate version
    ``ρ(s_pre) · ds_post/dt``) and the nearest-neighbour STDP window, binned by
    ``Δ = t_post - t_pre`` in steps over ``±stdp.window``, with their Pearson correlation and the
    sign of the Eq. 1 window at Δ = ±5 steps.
    """
    rng = np.random.default_rng(config.seed)
    shape = (config.n_trials, config.n_steps)
    s_pre = slow_activity(rng, *shape, config.tau_s, config.s_mean, config.s_std)
    s_post = slow_activity(rng, *shape, config.tau_s, config.s_mean, config.s_std)
    rho_pre = rate(s_pre, config.rho_max)
    pre = binomial_spikes(rng, rho_pre)
    post = binomial_spikes(rng, rate(s_post, config.rho_max))
    ds_post = derivative(s_post, dt=1.0, half_width=1)
    delta = nearest_post_pairing(pre, post, config.stdp.window)
    paired = delta != 0
    d = delta[paired]
    w = config.stdp.window
    edges = np.arange(-w - 0.5, w + 0.5 + 1e-9, config.bin_width)
    eq1 = bin_window(d, eq1_updates(pre, ds_post)[paired], edges)
    eq1_rate = bin_window(d, eq1_updates(rho_pre, ds_post)[paired], edges)
    stdp = bin_window(d, stdp_updates(d, config.stdp), edges)
    return ReferenceResult(
        config=config, eq1=eq1, stdp=stdp, eq1_rate=eq1_rate,
        pearson_r=pearson_r(eq1.mean, stdp.mean),
        pearson_r_rate=pearson_r(eq1_rate.mean, stdp.mean),
        sign_plus5=sign_at(eq1, 5), sign_minus5=sign_at(eq1, -5), n_pairs=int(paired.sum()))


def mean_eq1_change(slope: float, fluctuation_std: float = 0.5, n_trials: int = 200,
                    n_steps: int = 1000, tau_s: float = 5.0, s_start: float = -2.0,
                    rho_max: float = 0.5, pre_rate: float = 0.1, seed: int = 0) -> dict:
    """Mean Eq. 1 change per presynaptic spike when ``s_post`` follows a ramp of ``slope``/step.

    ``s_post = s_start + slope·t + η(t)`` with stationary slow fluctuations η of standard
    deviation ``fluctuation_std``; presynaptic spikes are independent Bernoulli draws with
    probability ``pre_rate`` per step. ``slope = 0`` is a constant postsynaptic rate (the
    expected rate ρ is constant), for which Eq. 1 predicts zero mean change; a rising
    (falling) activity predicts potentiation (depression) of ``slope`` per step on average.

    Returns ``{"mean": ..., "sem": ..., "n_pre_spikes": ..., "mean_post_rate_first_half": ...,
    "mean_post_rate_second_half": ...}`` (rates as spike probability per step).
    """
    rng = np.random.default_rng(seed)
    t = np.arange(n_steps)
    eta = slow_activity(rng, n_trials, n_steps, tau_s, 0.0, fluctuation_std)
    s_post = s_start + slope * t[None, :] + eta
    pre = binomial_spikes(rng, np.full((n_trials, n_steps), pre_rate))
    updates = eq1_updates(pre, derivative(s_post))
    # the derivative is undefined on the first and last step: count spikes where it is defined
    spikes = pre[:, 1:-1]
    per_spike = updates[:, 1:-1][spikes]
    n = per_spike.size
    if n < 2:
        raise PredictiveStdpError("fewer than 2 presynaptic spikes; raise pre_rate or n_steps")
    post_rho = rate(s_post, rho_max)
    half = n_steps // 2
    return {
        "mean": float(per_spike.mean()),
        "sem": float(per_spike.std(ddof=1) / np.sqrt(n)),
        "n_pre_spikes": int(n),
        "mean_post_rate_first_half": float(post_rho[:, :half].mean()),
        "mean_post_rate_second_half": float(post_rho[:, half:].mean()),
    }
