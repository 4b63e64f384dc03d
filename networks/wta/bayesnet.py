"""A Bayesian network learned by WTA modules through STDP, then queried by sampling.

Pecevski & Maass (2016), eNeuro 3:e0048-15.2016: every random variable ``x_k`` of a Bayesian
network gets a WTA module that sees ``x_k`` and its Markov blanket ``MB(x_k)``. Trained on samples
of the network, each module's STDP (Nessler et al. 2013) fits a mixture model to the joint of its
variables; a z-neuron's input weights encode ``p(x_j | z)``, its excitability ``p(z)``. During
inference the module hears only its Markov blanket, its z-neurons fire with ``p(z | MB) ∝ p(z)
prod_j p(x_j | z)``, and the winner sets ``x_k`` with ``p(x_k | z)`` -- one Gibbs step of
``p(x_k | MB(x_k)) = sum_z p(z | MB) p(x_k | z)``. Running the modules in turn samples the joint.

The example is the explaining-away network of Knill & Kersten (1991), as used by Pecevski, Buesing
& Maass (2011, PLoS Comput Biol 7:e1002294) and Pecevski & Maass (2016): ``x1`` the reflectance
of two surfaces differs (a step), ``x2`` the object is a cylinder (curved 3-D shape), ``x3`` the
observed luminance profile shows the Cornsweet-like shading, ``x4`` the observed contour is curved;
edges x1 -> x3 <- x2 -> x4. Observing the shading (x3) makes a reflectance step likely; also seeing
a curved contour (x4) explains the shading away through the cylinder. The conditional probability
tables below are our illustrative choice with these semantics (the papers' figures give only the
structure and qualitative effect).

Learned joint: the modules' conditionals define a random-scan Gibbs kernel on the 16 states; its
stationary distribution is the joint the network samples from. It is computed exactly (16 x 16
eigenproblem) for the KL divergence to the true joint and also estimated by Gibbs sampling.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from neurohw.errors import NeurohwError

__all__ = [
    "BayesNetError",
    "VARIABLES",
    "PARENTS",
    "CPT",
    "markov_blanket",
    "module_variables",
    "all_states",
    "true_joint",
    "sample_network",
    "module_conditional",
    "gibbs_kernel",
    "stationary_distribution",
    "gibbs_sample",
    "kl_divergence",
    "conditional_from_joint",
    "ExplainingAwayQuery",
]


class BayesNetError(NeurohwError, ValueError):
    """Bayesian-network inputs that do not fit together."""


#: The four binary variables (index order used everywhere).
VARIABLES = ("reflectance_step", "cylinder", "shading_profile", "curved_contour")
#: parents of each variable.
PARENTS: dict[int, tuple[int, ...]] = {0: (), 1: (), 2: (0, 1), 3: (1,)}
#: ``CPT[k][parent configuration] = p(x_k = 1 | parents)``; parent configurations are indexed by
#: ``sum_j x_parent_j 2^j`` in the order of ``PARENTS[k]``.
CPT: dict[int, np.ndarray] = {
    0: np.array([0.3]),
    1: np.array([0.4]),
    2: np.array([0.1, 0.8, 0.7, 0.9]),    # (x1, x2) = (0,0), (1,0), (0,1), (1,1)
    3: np.array([0.15, 0.85]),            # x2 = 0, 1
}
N_VARIABLES = len(VARIABLES)


def markov_blanket(k: int) -> tuple[int, ...]:
    """Parents, children and the children's other parents of variable ``k`` (sorted)."""
    children = [c for c, parents in PARENTS.items() if k in parents]
    blanket = set(PARENTS[k]) | set(children)
    for c in children:
        blanket |= set(PARENTS[c])
    blanket.discard(k)
    return tuple(sorted(blanket))


def module_variables(k: int) -> tuple[int, ...]:
    """The variables module ``k`` sees while learning: ``x_k`` first, then its Markov blanket."""
    return (k,) + markov_blanket(k)


def all_states(n: int = N_VARIABLES) -> np.ndarray:
    """Every binary state, (2^n, n) uint8; row ``s`` has ``x_j = bit j of s``."""
    s = np.arange(2 ** n)
    return ((s[:, None] >> np.arange(n)[None, :]) & 1).astype(np.uint8)


def _parent_index(states: np.ndarray, k: int) -> np.ndarray:
    parents = PARENTS[k]
    if not parents:
        return np.zeros(states.shape[0], dtype=np.int64)
    return (states[:, list(parents)] << np.arange(len(parents))).sum(axis=1)


def true_joint() -> np.ndarray:
    """``p(x)`` of the true network for every state of :func:`all_states` (sums to 1)."""
    states = all_states()
    p = np.ones(states.shape[0])
    for k in range(N_VARIABLES):
        on = CPT[k][_parent_index(states, k)]
        p *= np.where(states[:, k] == 1, on, 1.0 - on)
    return p


def sample_network(n: int, rng: np.random.Generator) -> np.ndarray:
    """``n`` ancestral samples of the true network, (n, 4) uint8."""
    x = np.zeros((n, N_VARIABLES), dtype=np.uint8)
    for k in range(N_VARIABLES):            # 0..3 is a topological order
        on = CPT[k][_parent_index(x, k)]
        x[:, k] = rng.random(n) < on
    return x


def module_conditional(weights: np.ndarray, bias: np.ndarray, n_module_vars: int,
                       replicas: int = 1) -> np.ndarray:
    """``p(x_k = 1 | MB configuration)`` computed by a trained module.

    Parameters
    ----------
    weights
        (K, 2 * replicas * n_module_vars) log-domain weights of the module's ON/OFF inputs (ON
        block first; inside a block variable j's ``replicas`` copies are adjacent); variable 0 of
        the module is ``x_k``, the rest its Markov blanket.
    bias
        (K,) excitabilities (log prior of the z-neurons, up to a constant).
    replicas
        copies of every input neuron (weights of the copies are averaged).

    Returns
    -------
    array of 2^(n_module_vars - 1) probabilities indexed by ``sum_j mb_j 2^j``.
    """
    weights = np.asarray(weights, dtype=float)
    n_in = 2 * replicas * n_module_vars
    if weights.ndim != 2 or weights.shape[1] != n_in:
        raise BayesNetError(f"module weights must be (K, {n_in}), got {weights.shape}")
    per_var = weights.reshape(weights.shape[0], 2, n_module_vars, replicas).mean(axis=3)
    w_on, w_off = per_var[:, 0, :], per_var[:, 1, :]            # (K, n_module_vars)
    log_on = w_on - np.logaddexp(w_on, w_off)
    log_off = w_off - np.logaddexp(w_on, w_off)
    mb = all_states(n_module_vars - 1).astype(float)            # (C, m)
    log_post = (np.asarray(bias, dtype=float)[None, :] + mb @ log_on[:, 1:].T
                + (1 - mb) @ log_off[:, 1:].T)                 # (C, K)
    log_post -= np.logaddexp.reduce(log_post, axis=1, keepdims=True)
    return np.exp(log_post) @ np.exp(log_on[:, 0])


def gibbs_kernel(conditionals: list[np.ndarray]) -> np.ndarray:
    """Random-scan Gibbs transition matrix (16 x 16, rows sum to 1) of per-variable conditionals.

    ``conditionals[k]`` is indexed by the Markov-blanket configuration of variable k (order of
    :func:`markov_blanket`).
    """
    states = all_states()
    n_states = states.shape[0]
    kernel = np.zeros((n_states, n_states))
    rows = np.arange(n_states)
    for k in range(N_VARIABLES):            # four variables: the per-variable kernel is built
        blanket = list(markov_blanket(k))   # for all 16 states at once
        index = (states[:, blanket] << np.arange(len(blanket))).sum(axis=1) if blanket else \
            np.zeros(n_states, dtype=np.int64)
        p_on = np.asarray(conditionals[k], dtype=float)[index]
        on_state = rows | (1 << k)
        off_state = rows & ~(1 << k)
        np.add.at(kernel, (rows, on_state), p_on / N_VARIABLES)
        np.add.at(kernel, (rows, off_state), (1 - p_on) / N_VARIABLES)
    return kernel


def stationary_distribution(kernel: np.ndarray) -> np.ndarray:
    """The stationary distribution ``pi = pi K`` of a transition matrix (leading eigenvector)."""
    values, vectors = np.linalg.eig(kernel.T)
    pi = np.real(vectors[:, np.argmin(np.abs(values - 1.0))])
    pi = np.abs(pi)
    return pi / pi.sum()


def gibbs_sample(conditionals: list[np.ndarray], n_chains: int, n_sweeps: int,
                 rng: np.random.Generator, evidence: dict[int, int] | None = None,
                 burn_in: int = 20) -> np.ndarray:
    """Systematic-scan Gibbs samples with clamped ``evidence``: (n_chains * kept sweeps, 4).

    Vectorised over chains; each sweep updates the free variables in turn with the modules'
    conditionals.
    """
    evidence = evidence or {}
    x = (rng.random((n_chains, N_VARIABLES)) < 0.5).astype(np.uint8)
    for k, v in evidence.items():
        x[:, k] = v
    free = [k for k in range(N_VARIABLES) if k not in evidence]
    kept = []
    for sweep in range(burn_in + n_sweeps):
        for k in free:
            blanket = list(markov_blanket(k))
            index = (x[:, blanket].astype(np.int64) << np.arange(len(blanket))).sum(axis=1)
            x[:, k] = rng.random(n_chains) < np.asarray(conditionals[k])[index]
        if sweep >= burn_in:
            kept.append(x.copy())
    return np.concatenate(kept, axis=0)


def kl_divergence(p: np.ndarray, q: np.ndarray) -> float:
    """``KL(p || q)`` in nats (q is floored at 1e-12)."""
    p = np.asarray(p, dtype=float)
    q = np.clip(np.asarray(q, dtype=float), 1e-12, None)
    mask = p > 0
    return float(np.sum(p[mask] * np.log(p[mask] / q[mask])))


def conditional_from_joint(joint: np.ndarray, query: int, evidence: dict[int, int]) -> float:
    """``p(x_query = 1 | evidence)`` from a joint over :func:`all_states`."""
    states = all_states()
    keep = np.ones(states.shape[0], dtype=bool)
    for k, v in evidence.items():
        keep &= states[:, k] == v
    total = joint[keep].sum()
    if total <= 0:
        raise BayesNetError(f"the evidence {evidence} has probability 0")
    return float(joint[keep & (states[:, query] == 1)].sum() / total)


@dataclass(frozen=True)
class ExplainingAwayQuery:
    """``p(reflectance step | shading)`` and ``p(reflectance step | shading, curved contour)``."""

    query: int = 0
    shading: dict = None  # type: ignore[assignment]
    both: dict = None     # type: ignore[assignment]

    def __post_init__(self):
        object.__setattr__(self, "shading", self.shading or {2: 1})
        object.__setattr__(self, "both", self.both or {2: 1, 3: 1})

    def evaluate(self, joint: np.ndarray) -> dict[str, float]:
        """The two conditionals under ``joint``."""
        return {"p_step_given_shading": conditional_from_joint(joint, self.query, self.shading),
                "p_step_given_shading_contour": conditional_from_joint(joint, self.query,
                                                                       self.both)}
