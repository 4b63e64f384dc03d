"""Sampled statistics of every network of an ensemble, vectorised over networks.

``states`` are the ensemble's sampled states z(t), shape (n_samples, N * n) with neuron
k = m * n + i (network m, unit i). State indices follow
:func:`neurohw.networks.sampling.boltzmann.all_states` (unit i is bit i).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from neurohw.networks.sampling.boltzmann import BoltzmannMachine, kl_divergence


def _split(states: np.ndarray, n_networks: int) -> np.ndarray:
    z = np.asarray(states)
    if z.ndim != 2 or z.shape[0] == 0 or z.shape[1] % n_networks:
        raise ValueError(f"states must be (n_samples > 0, N * n) with N = {n_networks}, got "
                         f"{z.shape}")
    return z.reshape(z.shape[0], n_networks, z.shape[1] // n_networks)


def network_moments(states: np.ndarray, n_networks: int) -> tuple[np.ndarray, np.ndarray]:
    """Per network (<z_i>, <z_i z_j>): shapes (N, n) and (N, n, n)."""
    z = _split(states, n_networks).astype(float)
    return z.mean(axis=0), np.einsum("tmi,tmj->mij", z, z) / z.shape[0]


def network_distributions(states: np.ndarray, n_networks: int) -> np.ndarray:
    """Per network relative frequency of each of its 2^n states, shape (N, 2^n)."""
    z = _split(states, n_networks).astype(np.int64)
    n = z.shape[2]
    index = (z << np.arange(n)).sum(axis=2)                     # (T, N)
    flat = index + (np.arange(n_networks) * 2 ** n)[None, :]
    counts = np.bincount(flat.ravel(), minlength=n_networks * 2 ** n).reshape(n_networks, 2 ** n)
    return counts / z.shape[0]


def target_distributions(targets: Sequence[BoltzmannMachine]) -> np.ndarray:
    """Exact p(z) of each target Boltzmann machine, shape (N, 2^n)."""
    return np.stack([bm.distribution() for bm in targets])


def network_kl(sampled: np.ndarray, targets: np.ndarray) -> np.ndarray:
    """D_KL(p_sampled || p_target) in nats for each network, shape (N,)."""
    return np.array([kl_divergence(p, q) for p, q in zip(sampled, targets)])
