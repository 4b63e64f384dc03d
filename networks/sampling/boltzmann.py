"""Small Boltzmann machines: exact distributions, moments, sampled estimates and D_KL.

A Boltzmann machine over binary units z in {0, 1}^n has

    p(z) = exp(-E(z)) / Z,    E(z) = -1/2 z^T W z - b^T z,

with W symmetric and zero on the diagonal (Petrovici et al. 2016, PRE 94:042312, eq. 1). For the
small networks used here (n <= 20) all 2^n states are enumerated, so the target distribution, its
marginals and pair moments are exact.

State index convention: state k has unit i equal to bit i of k (unit 0 is the least significant
bit); :func:`all_states` lists the states in that order and :func:`state_indices` maps sampled
state vectors onto it.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from neurohw.errors import NeurohwError

#: Largest number of units whose 2^n states are enumerated.
MAX_EXACT_UNITS = 20


class BoltzmannError(NeurohwError, ValueError):
    """Weights, biases or distributions that do not describe a valid Boltzmann machine."""


@dataclass(frozen=True)
class BoltzmannMachine:
    """Weights ``W`` (n x n, symmetric, zero diagonal) and biases ``b`` (n), dimensionless."""

    weights: np.ndarray
    biases: np.ndarray

    def __post_init__(self) -> None:
        w = np.asarray(self.weights, dtype=float)
        b = np.asarray(self.biases, dtype=float)
        check_parameters(w, b)
        object.__setattr__(self, "weights", w)
        object.__setattr__(self, "biases", b)

    @property
    def n_units(self) -> int:
        """Number of binary units."""
        return self.biases.size

    def distribution(self) -> np.ndarray:
        """Exact p(z) over all 2^n states (see :func:`exact_distribution`)."""
        return exact_distribution(self.weights, self.biases)

    def moments(self) -> tuple[np.ndarray, np.ndarray]:
        """Exact (<z_i>, <z_i z_j>) under p(z)."""
        return moments_from_distribution(self.distribution(), self.n_units)


def check_parameters(weights: np.ndarray, biases: np.ndarray) -> None:
    """Raise :class:`BoltzmannError` unless W is a symmetric, zero-diagonal n x n matrix."""
    if biases.ndim != 1 or biases.size < 1:
        raise BoltzmannError(f"biases must be a 1-d array of n >= 1 values, got {biases.shape}")
    n = biases.size
    if weights.shape != (n, n):
        raise BoltzmannError(f"weights must be {n} x {n} to match {n} biases, got {weights.shape}")
    if not (np.all(np.isfinite(weights)) and np.all(np.isfinite(biases))):
        raise BoltzmannError("weights and biases must be finite numbers")
    if not np.allclose(weights, weights.T, atol=1e-12):
        raise BoltzmannError("weights must be symmetric (W[i, j] == W[j, i]); symmetrise with "
                             "(W + W.T) / 2")
    if np.any(np.diag(weights) != 0):
        raise BoltzmannError("weights must have a zero diagonal (no self-connections)")


def random_boltzmann_machine(n_units: int, rng: np.random.Generator,
                             weight_scale: float = 1.0, bias_scale: float = 1.0
                             ) -> BoltzmannMachine:
    """Draw a random BM: W_ij = W_ji ~ U(-weight_scale, weight_scale), b_i ~ U(-bias_scale, bias_scale).

    This is the distribution of the targets reported in the README (default scales 1.0).
    """
    if n_units < 1:
        raise BoltzmannError(f"n_units must be >= 1, got {n_units}")
    upper = np.triu(rng.uniform(-weight_scale, weight_scale, size=(n_units, n_units)), k=1)
    weights = upper + upper.T
    biases = rng.uniform(-bias_scale, bias_scale, size=n_units)
    return BoltzmannMachine(weights, biases)


def all_states(n_units: int) -> np.ndarray:
    """All 2^n binary states, shape (2^n, n), uint8; row k has unit i = bit i of k."""
    if not 1 <= n_units <= MAX_EXACT_UNITS:
        raise BoltzmannError(f"exact enumeration supports 1..{MAX_EXACT_UNITS} units, got {n_units}")
    k = np.arange(2 ** n_units)[:, None]
    return ((k >> np.arange(n_units)[None, :]) & 1).astype(np.uint8)


def energies(weights: np.ndarray, biases: np.ndarray) -> np.ndarray:
    """E(z) = -1/2 z^T W z - b^T z for every state, in the order of :func:`all_states`."""
    z = all_states(np.asarray(biases).size).astype(float)
    return -0.5 * np.einsum("ki,ij,kj->k", z, weights, z) - z @ biases


def exact_distribution(weights: np.ndarray, biases: np.ndarray) -> np.ndarray:
    """Exact Boltzmann distribution p(z) = exp(-E(z)) / Z over all 2^n states (sums to 1)."""
    w = np.asarray(weights, dtype=float)
    b = np.asarray(biases, dtype=float)
    check_parameters(w, b)
    log_p = -energies(w, b)
    log_p -= log_p.max()
    p = np.exp(log_p)
    return p / p.sum()


def state_indices(states: np.ndarray) -> np.ndarray:
    """Index (0 .. 2^n - 1) of each sampled state vector; ``states`` has shape (n_samples, n)."""
    states = np.asarray(states)
    if states.ndim != 2:
        raise BoltzmannError(f"states must have shape (n_samples, n_units), got {states.shape}")
    if states.shape[1] > MAX_EXACT_UNITS:
        raise BoltzmannError(f"at most {MAX_EXACT_UNITS} units can be indexed, got {states.shape[1]}")
    return (states.astype(np.int64) << np.arange(states.shape[1])[None, :]).sum(axis=1)


def sampled_distribution(states: np.ndarray) -> np.ndarray:
    """Relative frequency of each of the 2^n states among the samples (joint estimator)."""
    states = np.asarray(states)
    if states.shape[0] == 0:
        raise BoltzmannError("no samples: the sampling window was empty")
    counts = np.bincount(state_indices(states), minlength=2 ** states.shape[1])
    return counts / counts.sum()


def sampled_moments(states: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Sample estimates (<z_i>, <z_i z_j>) from states of shape (n_samples, n)."""
    z = np.asarray(states, dtype=float)
    if z.ndim != 2 or z.shape[0] == 0:
        raise BoltzmannError(f"states must have shape (n_samples > 0, n_units), got {z.shape}")
    return z.mean(axis=0), (z.T @ z) / z.shape[0]


def moments_from_distribution(p: np.ndarray, n_units: int) -> tuple[np.ndarray, np.ndarray]:
    """(<z_i>, <z_i z_j>) of a distribution over the 2^n states of :func:`all_states`."""
    p = np.asarray(p, dtype=float)
    if p.shape != (2 ** n_units,):
        raise BoltzmannError(f"a distribution over {n_units} units has {2 ** n_units} entries, "
                             f"got shape {p.shape}")
    z = all_states(n_units).astype(float)
    return p @ z, np.einsum("k,ki,kj->ij", p, z, z)


def marginals_from_distribution(p: np.ndarray, n_units: int) -> np.ndarray:
    """p(z_i = 1) of each unit under a joint distribution over the 2^n states."""
    return moments_from_distribution(p, n_units)[0]


def kl_divergence(p: np.ndarray, q: np.ndarray) -> float:
    """D_KL(p || q) = sum_k p_k ln(p_k / q_k) in nats.

    Used as D_KL(p_sampled || p_target) (Petrovici et al. 2016). States with p_k = 0 contribute
    0 (the limit of x ln x), so states the network never visited need no pseudo-counts and none
    are added: adding them would bias the estimate. A state with p_k > 0 but q_k = 0 makes the
    divergence infinite; a Boltzmann target is positive everywhere, so for D_KL(sampled ||
    target) this cannot happen. Both inputs must be distributions over the same states.
    """
    p = np.asarray(p, dtype=float)
    q = np.asarray(q, dtype=float)
    if p.shape != q.shape or p.ndim != 1:
        raise BoltzmannError(f"p and q must be 1-d over the same states, got {p.shape}, {q.shape}")
    for name, d in (("p", p), ("q", q)):
        if np.any(d < 0) or not np.isclose(d.sum(), 1.0, atol=1e-9):
            raise BoltzmannError(f"{name} must be a probability distribution (>= 0, summing to 1)")
    support = p > 0
    if np.any(q[support] == 0):
        return float("inf")
    return float(np.sum(p[support] * np.log(p[support] / q[support])))
