"""Theory check: the sampled theta distribution equals ``p*(theta)^(1/T)``.

A single potential synapse with a fixed, known likelihood: its postsynaptic neuron fires at rate
``r`` (Hz) and at each of its spikes the presynaptic trace is ``x_bar`` on average, so the
likelihood gradient of the generative model (Kappel et al. 2015, eq. 12) is
``d/dw log p_N = r * (x_bar - alpha * exp(w))``. Integrating the drift of :func:`langevin_step`
gives the analytic log-density (up to a constant)::

    log p*(theta) = -(theta - mu)^2 / (2 sigma^2)
                    + [theta > 0] * N r * (x_bar (w - w_0+) - alpha (e^w - e^{w_0+}))

with ``w = exp(theta - theta0)`` and ``w_0+ = exp(-theta0)`` (the term is continuous at 0 because
the drift, not the weight, is what the dynamics integrate). Many independent chains are run with
the very function used for learning, and their end points are compared with the normalised
``p*^(1/T)`` by a Kolmogorov–Smirnov test and a histogram KL divergence.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import stats

from neurohw.networks.synaptic_sampling.langevin import (SamplingParameters, langevin_step,
                                                         weights_from_theta)


@dataclass(frozen=True)
class SingleSynapseProblem:
    """The known-answer problem (see module docstring). Rates in Hz, traces dimensionless."""

    params: SamplingParameters = SamplingParameters(prior_mean=0.0, prior_std=1.0, theta0=1.0,
                                                    learning_rate=1.0, likelihood_weight=1.0)
    post_rate_hz: float = 2.0
    x_bar: float = 1.0
    alpha: float = 0.3

    def likelihood_grad_w(self, theta: np.ndarray) -> np.ndarray:
        w = weights_from_theta(theta, self.params.theta0)
        return self.post_rate_hz * (self.x_bar - self.alpha * np.exp(w))

    def log_target(self, theta: np.ndarray, temperature: float = 1.0) -> np.ndarray:
        """``log p*(theta) / T`` up to an additive constant."""
        p = self.params
        theta = np.asarray(theta, dtype=float)
        w = np.exp(np.minimum(theta, 5.0 + p.theta0) - p.theta0)
        w0 = np.exp(-p.theta0)
        lik = p.likelihood_weight * self.post_rate_hz * (
            self.x_bar * (w - w0) - self.alpha * (np.exp(w) - np.exp(w0)))
        log_p = -(theta - p.prior_mean) ** 2 / (2 * p.prior_std ** 2) + np.where(theta > 0, lik, 0)
        return log_p / temperature

    def target_cdf(self, temperature: float = 1.0, n_grid: int = 20001):
        """Grid and normalised CDF of ``p*^(1/T)`` (trapezoidal integration)."""
        p = self.params
        half = 8.0 * p.prior_std * np.sqrt(max(temperature, 1.0))
        grid = np.linspace(p.prior_mean - half, p.prior_mean + half, n_grid)
        log_d = self.log_target(grid, temperature)
        dens = np.exp(log_d - log_d.max())
        cdf = np.concatenate([[0.0], np.cumsum(0.5 * (dens[1:] + dens[:-1]) * np.diff(grid))])
        return grid, cdf / cdf[-1]


def sample_stationary(problem: SingleSynapseProblem, temperature: float, seed: int,
                      n_chains: int = 3000, n_steps: int = 16000, dt_s: float = 0.0005) -> np.ndarray:
    """End points of ``n_chains`` independent synaptic-sampling chains (vectorised)."""
    rng = np.random.default_rng(seed)
    p = problem.params
    theta = rng.normal(p.prior_mean, p.prior_std, size=n_chains)
    for _ in range(n_steps):
        theta = langevin_step(theta, problem.likelihood_grad_w(theta), p, temperature, dt_s, rng)
    return theta


def stationary_check(temperature: float = 1.0, seed: int = 0, n_chains: int = 3000,
                     n_steps: int = 16000, dt_s: float = 0.0005,
                     problem: SingleSynapseProblem | None = None,
                     target_temperature: float | None = None) -> dict[str, float]:
    """Sample at ``temperature`` and compare with ``p*^(1/target_temperature)``.

    ``target_temperature`` defaults to ``temperature`` (the claim under test); passing another
    value shows that the check can tell distributions apart. Returns KS statistic and p-value,
    histogram KL(sampled || target) in nats, and the connected fraction sampled vs predicted.
    """
    problem = problem or SingleSynapseProblem()
    target_t = temperature if target_temperature is None else target_temperature
    samples = sample_stationary(problem, temperature, seed, n_chains, n_steps, dt_s)
    grid, cdf = problem.target_cdf(target_t)
    ks = stats.kstest(samples, lambda x: np.interp(x, grid, cdf))
    edges = np.linspace(np.quantile(samples, 0.005), np.quantile(samples, 0.995), 31)
    hist, _ = np.histogram(samples, bins=edges)
    p_emp = (hist + 0.5) / (hist + 0.5).sum()
    p_tgt = np.diff(np.interp(edges, grid, cdf))
    p_tgt = np.maximum(p_tgt, 1e-12) / np.maximum(p_tgt, 1e-12).sum()
    kl = float(np.sum(p_emp * np.log(p_emp / p_tgt)))
    return {
        "temperature": float(temperature),
        "target_temperature": float(target_t),
        "ks_statistic": float(ks.statistic),
        "ks_pvalue": float(ks.pvalue),
        "kl_nats": kl,
        "connected_fraction_sampled": float(np.mean(samples > 0)),
        "connected_fraction_predicted": float(1.0 - np.interp(0.0, grid, cdf)),
        "n_chains": int(n_chains),
    }
