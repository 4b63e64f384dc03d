"""Fisher-preconditioned (natural-gradient) Boltzmann updates, vectorised over networks.

A Boltzmann machine p(z) ~ exp(b^T z + sum_{i<j} W_ij z_i z_j) is an exponential family with
sufficient statistics s(z) = (z_1 .. z_n, z_i z_j for i < j) and natural parameters
theta = (b, W_ij). The log-likelihood gradient of the target data is the moment difference
g = E_target[s] - E_model[s] (what plain CD follows) and its Hessian is minus the Fisher matrix
F = Cov_model[s] (Amari 1998, Neural Comput. 10:251-276; Amari, Kurata & Nagaoka 1992, IEEE
Trans. Neural Netw. 3:260-271, for Boltzmann machines). Plain CD converges along each eigenvector
of F at a rate eta * lambda: directions in which the sampled statistics hardly vary (units that
are almost always on or off, strongly coupled pairs) have lambda ~ 0.01 and are still far from
the target after a few dozen steps, while the well-determined directions are already converged.
The natural-gradient step

    d_theta = (F + damping * I)^-1 g

moves all directions at the same rate (a damped Newton step of the likelihood). For the small
networks here F is computed exactly from a distribution over all 2^n states, per network, on
the host. Which distribution is the caller's choice (:class:`.rule.EnsembleCDRule`):
the *target's* (``"target_fisher"``, the study's default) gives a fixed, noise-free
preconditioner that is always well conditioned (a Boltzmann target has full support) and equals
the Hessian at the optimum, where the sampled distribution is the target; the *sampled* one
(``"fisher"``) is the textbook natural gradient but is estimated from one short window, singular
where states were not visited, and in our ensemble runs it made training diverge.
``damping`` (Levenberg-Marquardt style) bounds the step along directions of small Fisher
information, where a moment difference measured in a short window is mostly sampling noise that
F^-1 would amplify; ``max_step`` clips every component (Boltzmann units).
"""

from __future__ import annotations

import numpy as np

from neurohw.networks.sampling.boltzmann import all_states


def sufficient_statistics(n_units: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """s(z) for every state of :func:`all_states`: (2^n, n + n(n-1)/2), and the (i, j), i < j,
    of the pair columns."""
    z = all_states(n_units).astype(float)
    iu, ju = np.triu_indices(n_units, k=1)
    return np.hstack([z, z[:, iu] * z[:, ju]]), iu, ju


def natural_gradient_step(d_mean: np.ndarray, d_pair: np.ndarray, sampled: np.ndarray,
                          damping: float = 0.01, max_step: float = 1.0
                          ) -> tuple[np.ndarray, np.ndarray]:
    """Preconditioned (d_b, d_W) for N networks.

    Parameters
    ----------
    d_mean
        (N, n) target minus sampled <z_i>.
    d_pair
        (N, n, n) target minus sampled <z_i z_j> (symmetric; the diagonal is ignored).
    sampled
        (N, 2^n) sampled state distribution of each network (the model expectation of F).
    damping
        added to F's diagonal (dimensionless, in units of the variance of a statistic).
    max_step
        largest absolute change of one bias or weight per step (Boltzmann units).

    Returns (d_b (N, n), d_W (N, n, n), symmetric with zero diagonal).
    """
    d_mean = np.asarray(d_mean, dtype=float)
    n_networks, n = d_mean.shape
    stats, iu, ju = sufficient_statistics(n)
    p = np.asarray(sampled, dtype=float)
    mean_s = p @ stats                                            # (N, d)
    second = np.einsum("mk,kd,ke->mde", p, stats, stats)
    fisher = second - mean_s[:, :, None] * mean_s[:, None, :]
    fisher += damping * np.eye(stats.shape[1])[None]
    grad = np.concatenate([d_mean, np.asarray(d_pair, dtype=float)[:, iu, ju]], axis=1)
    step = np.linalg.solve(fisher, grad[:, :, None])[:, :, 0]
    step = np.clip(step, -max_step, max_step)
    d_w = np.zeros((n_networks, n, n))
    d_w[:, iu, ju] = step[:, n:]
    d_w[:, ju, iu] = step[:, n:]
    return step[:, :n], d_w
