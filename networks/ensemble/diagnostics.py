"""Where a network's D_KL comes from: wrong moments or structure a Boltzmann machine cannot have.

For a sampled distribution p and a Boltzmann target q, let p_ME be the Boltzmann machine with the
same first and second moments (<z_i>, <z_i z_j>) as p -- the maximum-entropy distribution with
those moments, i.e. the information projection of p onto the Boltzmann family. Because q lies in
that exponential family, the divergence splits exactly (the Pythagorean relation of information
geometry; Amari & Nagaoka 2000, Methods of Information Geometry, Thm. 3.8):

    D_KL(p || q) = D_KL(p || p_ME)  +  D_KL(p_ME || q)
                   higher-order part   moment part

The moment part vanishes when training has matched the moments (what CD can fix); the higher-order
part is structure beyond pairwise correlations -- e.g. from shared or non-Poisson background
noise -- which no choice of weights and biases can remove (plus the finite-sample bias of a
window, about (2^n - 1 - n(n+1)/2) / (2 N_eff) nats for N_eff independent samples).
"""

from __future__ import annotations

import numpy as np

from neurohw.networks.sampling.boltzmann import all_states, exact_distribution, kl_divergence

from .natural_gradient import natural_gradient_step, sufficient_statistics


def moment_projection(distributions: np.ndarray, steps: int = 40, damping: float = 1e-6,
                      max_step: float = 2.0, limit: float = 30.0) -> np.ndarray:
    """p_ME of each of N distributions over the 2^n states, shape (N, 2^n) -> (N, 2^n).

    Newton (natural-gradient) iterations on the Boltzmann parameters, from the independent
    model with the same marginals. Parameters are kept within +-``limit``: a distribution whose
    moments lie on the boundary (a state pattern never seen) has its projection at infinity,
    which this approximates closely enough for the divergence.
    """
    p = np.asarray(distributions, dtype=float)
    n = int(round(np.log2(p.shape[1])))
    stats, iu, ju = sufficient_statistics(n)
    states = all_states(n).astype(float)
    target_stats = p @ stats
    mean = np.clip(p @ states, 1e-4, 1 - 1e-4)
    biases = np.log(mean / (1 - mean))
    weights = np.zeros((p.shape[0], n, n))
    model = _distributions(weights, biases)
    for _ in range(steps):
        model_stats = model @ stats
        d_mean = target_stats[:, :n] - model_stats[:, :n]
        d_pair = np.zeros_like(weights)
        d_pair[:, iu, ju] = target_stats[:, n:] - model_stats[:, n:]
        d_pair[:, ju, iu] = d_pair[:, iu, ju]
        db, dw = natural_gradient_step(d_mean, d_pair, model, damping, max_step)
        biases = np.clip(biases + db, -limit, limit)
        weights = np.clip(weights + dw, -limit, limit)
        model = _distributions(weights, biases)
    return model


def _distributions(weights: np.ndarray, biases: np.ndarray) -> np.ndarray:
    return np.stack([exact_distribution(w, b) for w, b in zip(weights, biases)])


def dkl_decomposition(sampled: np.ndarray, targets: np.ndarray) -> dict[str, np.ndarray]:
    """Per network D_KL(p || q), its higher-order part D_KL(p || p_ME) and moment part
    D_KL(p_ME || q), in nats; ``sampled`` and ``targets`` have shape (N, 2^n)."""
    projected = moment_projection(sampled)
    total = np.array([kl_divergence(p, q) for p, q in zip(sampled, targets)])
    higher = np.array([kl_divergence(p, m) for p, m in zip(sampled, projected)])
    moment = np.array([kl_divergence(m, q) for m, q in zip(projected, targets)])
    return {"total": total, "higher_order": higher, "moment": moment}
