"""Synaptic sampling: discretised Langevin dynamics of synaptic parameters (Kappel et al. 2015).

Every potential synapse ``i`` has a real parameter ``theta_i``. It is *connected* when
``theta_i > 0`` and then has weight ``w_i = exp(theta_i - theta_0)``; otherwise it is absent
(weight 0). Plasticity is the Langevin equation (Kappel, Habenschuss, Legenstein & Maass 2015,
PLoS Comput Biol 11:e1004485, eqs. 2-4)::

    d theta_i = b * ( d/dtheta_i log p_S(theta)
                      + N * exp(theta_i - theta_0) * d/dw_i log p_N(x | w) ) dt
                + sqrt(2 T b) dW_i

with a Gaussian prior ``p_S = N(mu, sigma^2)``, temperature ``T`` and ``N`` the weight of the
likelihood (the number of "data points" it stands for). Its stationary distribution is
``p*(theta)^(1/T)`` with ``p*`` proportional to ``p_S(theta) * p_N(x|w(theta))^N``. Absent synapses
(theta <= 0) do not take part in the network, so only the prior and the noise act on them: they
diffuse until they cross 0 and (re)connect — rewiring.

Time here is biological seconds; one step of length ``dt_s`` is Euler–Maruyama.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np

from neurohw.errors import NeurohwError


class SamplingConfigError(NeurohwError, ValueError):
    """Hyper-parameters of synaptic sampling that cannot work."""


@dataclass(frozen=True)
class SamplingParameters:
    """Hyper-parameters of the synaptic-sampling rule.

    Attributes
    ----------
    prior_mean, prior_std
        mean and standard deviation of the Gaussian prior on theta (dimensionless).
    theta0
        offset of the weight map ``w = exp(theta - theta0)``; a synapse that has just appeared
        (theta slightly above 0) has weight ``exp(-theta0)``.
    learning_rate
        ``b`` in 1/s (biological time).
    likelihood_weight
        ``N``: how strongly the likelihood term counts against the prior.
    max_drift_step
        bound on the drift part of one Euler step (|b dt drift| <= this). The likelihood term
        contains ``exp(exp(theta - theta0))`` and is stiff far above the equilibrium weight;
        without the bound one Euler step from a prior-tail theta overshoots by orders of
        magnitude. Near equilibrium the bound is inactive and the stationary distribution is
        unchanged (checked by :mod:`.stationary`).
    """

    prior_mean: float = 0.0
    prior_std: float = 2.0
    theta0: float = 2.0
    learning_rate: float = 0.02
    likelihood_weight: float = 1.0
    max_drift_step: float = 0.5

    def __post_init__(self) -> None:
        if not self.prior_std > 0:
            raise SamplingConfigError(f"prior_std must be > 0, got {self.prior_std}")
        if not self.learning_rate > 0:
            raise SamplingConfigError(f"learning_rate must be > 0 (1/s), got {self.learning_rate}")
        if not self.max_drift_step > 0:
            raise SamplingConfigError("max_drift_step must be > 0")
        if self.likelihood_weight < 0:
            raise SamplingConfigError("likelihood_weight must be >= 0")

    def as_dict(self) -> dict[str, float]:
        return {k: float(v) for k, v in asdict(self).items()}


def weights_from_theta(theta: np.ndarray, theta0: float) -> np.ndarray:
    """``w = exp(theta - theta0)`` where ``theta > 0``, else exactly 0 (no synapse)."""
    theta = np.asarray(theta, dtype=float)
    return np.where(theta > 0.0, np.exp(np.minimum(theta, 50.0) - theta0), 0.0)


def prior_gradient(theta: np.ndarray, params: SamplingParameters) -> np.ndarray:
    """``d/dtheta log N(theta; mu, sigma^2) = (mu - theta) / sigma^2``."""
    return (params.prior_mean - theta) / params.prior_std ** 2


def langevin_step(theta: np.ndarray, likelihood_grad_w: np.ndarray, params: SamplingParameters,
                  temperature: float, dt_s: float, rng: np.random.Generator,
                  frozen: np.ndarray | None = None) -> np.ndarray:
    """One Euler–Maruyama step of synaptic sampling over all potential synapses at once.

    Parameters
    ----------
    theta
        current synaptic parameters (any shape).
    likelihood_grad_w
        estimate of ``d/dw log p_N(x|w)`` per synapse (same shape), per second of data; it is
        ignored where ``theta <= 0`` (an absent synapse has no likelihood term).
    temperature
        ``T`` (> 0); ``T = 1`` samples the posterior, ``T -> 0`` approaches its maximum.
    dt_s
        step length, biological seconds.
    frozen
        optional boolean mask of synapses that must not move (e.g. of lesioned neurons).

    Returns the new theta (a new array).
    """
    if not temperature > 0:
        raise SamplingConfigError(f"temperature must be > 0, got {temperature}")
    theta = np.asarray(theta, dtype=float)
    connected = theta > 0.0
    w_factor = np.where(connected, np.exp(np.minimum(theta, 50.0) - params.theta0), 0.0)
    drift = prior_gradient(theta, params) + params.likelihood_weight * w_factor * np.where(
        connected, likelihood_grad_w, 0.0)
    step = params.learning_rate * dt_s
    drift_step = np.clip(step * drift, -params.max_drift_step, params.max_drift_step)
    new = theta + drift_step + np.sqrt(2.0 * temperature * step) * rng.standard_normal(theta.shape)
    if frozen is not None:
        new = np.where(frozen, theta, new)
    return new


@dataclass(frozen=True)
class TemperatureSchedule:
    """Temperature per iteration: ``T_start`` until ``anneal_start``, then an exponential decay to
    ``T_end`` reached at ``anneal_end`` (simulated annealing), constant afterwards."""

    t_start: float = 1.0
    t_end: float = 1.0
    anneal_start: int = 0
    anneal_end: int = 0

    def __post_init__(self) -> None:
        if not (self.t_start > 0 and self.t_end > 0):
            raise SamplingConfigError("temperatures must be > 0")
        if self.anneal_end < self.anneal_start:
            raise SamplingConfigError("anneal_end must be >= anneal_start")

    def __call__(self, iteration: int) -> float:
        if iteration <= self.anneal_start or self.anneal_end == self.anneal_start:
            return self.t_start if iteration <= self.anneal_start else self.t_end
        if iteration >= self.anneal_end:
            return self.t_end
        frac = (iteration - self.anneal_start) / (self.anneal_end - self.anneal_start)
        return float(self.t_start * (self.t_end / self.t_start) ** frac)
