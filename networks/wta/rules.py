"""The plasticity rules of Nessler et al. (2013) as vectorised functions of spike times.

Nessler, Pfeiffer, Buesing & Maass (2013), PLoS Comput Biol 9:e1003037 ("Bayesian computation
emerges in generic cortical microcircuits through STDP"):

* **input synapses** (their Eq. 5): at every spike of z-neuron k, each synapse from input i changes
  by ``dw_ki = eta (c exp(-w_ki) - 1)`` if input i spiked within ``window`` ms before (it is
  "active", ``y_i = 1``), and by ``-eta`` otherwise. The expected change vanishes at
  ``w_ki = log p(y_i = 1 | z_k fired) + log c``: the weights become the log-likelihoods of an
  implicit generative model (offset by ``log c``).
* **excitabilities** (the analogous rule for ``w_k0``): at every spike of the circuit, the
  excitability of the neuron that fired changes by ``eta (exp(-w_k0) - 1)`` and every other one by
  ``-eta``. The fixed point is ``w_k0 = log p(z_k fires)``: the prior of the mixture.
* **adaptive learning rates** (their "variance tracking" heuristic, Methods): each parameter keeps
  running estimates of its first and second moments, ``Q <- Q + eta (w - Q)``,
  ``S <- S + eta (w^2 - S)``, and learns with ``eta = (S - Q^2) / (exp(-Q) + 1)``: fast while it
  still moves, slow once it has settled. ``ConstantRate`` is the simpler alternative.

These functions only see spike times (ms), so they serve the numpy reference simulation, NEST and
the emulated chip alike. Updates are summed over the postsynaptic spikes of one batch with the
weights held fixed during the batch (learning rates must keep ``eta * spikes per batch`` small).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from neurohw.errors import NeurohwError

__all__ = [
    "WtaRuleError",
    "time_since_last_spike",
    "inputs_active_before",
    "input_weight_update",
    "excitability_update",
    "homeostatic_excitability_update",
    "equilibrium_weight",
    "ConstantRate",
    "VarianceTrackingRate",
]


class WtaRuleError(NeurohwError, ValueError):
    """Spike data or rule parameters the WTA rules cannot use."""


def _as_train_list(trains: Sequence) -> list[np.ndarray]:
    arrays = [np.asarray(t, dtype=float).ravel() for t in trains]
    return arrays


def time_since_last_spike(pre_times: Sequence, query_times: np.ndarray) -> np.ndarray:
    """Time (ms) from each neuron's latest spike strictly before each query time.

    Parameters
    ----------
    pre_times
        one array of spike times (ms) per presynaptic neuron.
    query_times
        times (ms) at which to look back, shape (n_query,).

    Returns
    -------
    array of shape (n_query, n_pre): ``t_query - t_last`` (> 0), ``inf`` where the neuron has not
    spiked before ``t_query``. Vectorised: all trains are merged into one sorted key array
    ``neuron * span + time`` and searched once.
    """
    trains = _as_train_list(pre_times)
    query = np.asarray(query_times, dtype=float).ravel()
    n_pre = len(trains)
    out = np.full((query.size, n_pre), np.inf)
    if query.size == 0 or n_pre == 0:
        return out
    lengths = np.fromiter((t.size for t in trains), dtype=np.int64, count=n_pre)
    times = np.concatenate(trains) if lengths.sum() else np.empty(0)
    if times.size == 0:
        return out
    neurons = np.repeat(np.arange(n_pre), lengths)
    low = min(times.min(), query.min())
    span = max(times.max(), query.max()) - low + 1.0
    keys = neurons * span + (times - low)
    order = np.argsort(keys, kind="stable")
    keys, times, neurons = keys[order], times[order], neurons[order]
    wanted = np.arange(n_pre)[None, :] * span + (query[:, None] - low)
    idx = np.searchsorted(keys, wanted, side="left") - 1
    valid = idx >= 0
    safe = np.where(valid, idx, 0)
    same = valid & (neurons[safe] == np.arange(n_pre)[None, :])
    out[same] = (query[:, None] - times[safe])[same]
    out[out <= 0] = np.inf  # guards against round-off; "before" is strict
    return out


def inputs_active_before(pre_times: Sequence, post_times: np.ndarray, window: float) -> np.ndarray:
    """``y[m, i] = 1`` when input i spiked within ``window`` ms before postsynaptic spike m.

    This is the rectangular STDP window of Nessler et al. (2013), ``t_post - window <= t_pre <
    t_post``. Returns uint8 of shape (n_post_spikes, n_inputs).
    """
    if not window > 0:
        raise WtaRuleError(f"the STDP window must be a positive duration in ms, got {window}")
    return (time_since_last_spike(pre_times, post_times) <= window).astype(np.uint8)


def _check_winners(winners: np.ndarray, n_neurons: int) -> np.ndarray:
    winners = np.asarray(winners, dtype=np.int64).ravel()
    if winners.size and (winners.min() < 0 or winners.max() >= n_neurons):
        raise WtaRuleError(f"winner indices must lie in [0, {n_neurons}), got "
                           f"[{winners.min()}, {winners.max()}]")
    return winners


def input_weight_update(weights: np.ndarray, winners: np.ndarray, active: np.ndarray, c: float,
                        eta: float | np.ndarray) -> np.ndarray:
    """Summed STDP change of the input weights over one batch of postsynaptic spikes.

    Parameters
    ----------
    weights
        current weights ``w_ki``, shape (K, N) (log-domain, dimensionless).
    winners
        index of the z-neuron of each postsynaptic spike, shape (M,).
    active
        ``y[m, i]``: input i was active before spike m (0/1), shape (M, N).
    c
        the constant of the rule (weights settle at ``log p + log c``), > 0.
    eta
        learning rate, scalar or per synapse (K, N).

    Returns
    -------
    ``dW`` of shape (K, N): ``sum_m [winner_m = k] eta (c exp(-w_ki) y_mi - 1)``. This is
    :func:`neurohw.plasticity_rules.em_weight_change` (which the chip's plasticity-processor
    program runs) evaluated with numpy, so that host results do not depend on numba's
    ``exp`` (they differ in the last bit).
    """
    weights = np.asarray(weights, dtype=float)
    if weights.ndim != 2:
        raise WtaRuleError(f"weights must be (K, N), got shape {weights.shape}")
    if not c > 0:
        raise WtaRuleError(f"c must be positive, got {c}")
    n_k, n_in = weights.shape
    winners = _check_winners(winners, n_k)
    active = np.asarray(active, dtype=float).reshape(winners.size, n_in)
    onehot = np.zeros((winners.size, n_k))
    onehot[np.arange(winners.size), winners] = 1.0
    pre_counts = onehot.T @ active                       # (K, N): spikes of k with input i active
    post_counts = onehot.sum(axis=0)[:, None]           # (K, 1): spikes of k
    return eta * (c * np.exp(-weights) * pre_counts - post_counts)


def excitability_update(bias: np.ndarray, winners: np.ndarray,
                        eta: float | np.ndarray) -> np.ndarray:
    """Summed change of the excitabilities ``w_k0`` over one batch of circuit spikes.

    ``dw_k0 = sum_m eta ([winner_m = k] exp(-w_k0) - 1)``; fixed point ``w_k0 = log p(k)``.
    """
    bias = np.asarray(bias, dtype=float).ravel()
    winners = _check_winners(winners, bias.size)
    counts = np.bincount(winners, minlength=bias.size).astype(float)
    return eta * (np.exp(-bias) * counts - winners.size)


def homeostatic_excitability_update(bias: np.ndarray, winners: np.ndarray,
                                    eta: float) -> np.ndarray:
    """Homeostatic excitability change towards equal use of all z-neurons, one batch.

    ``dw_k0 = eta (1 - K n_k / M)`` for ``n_k`` spikes of neuron k among ``M`` in the batch: the
    fixed point is a uniform share ``1/K`` for every neuron (the posterior constraint of
    Habenschuss, Bill & Nessler 2012, NIPS 25, "Homeostatic plasticity in Bayesian spiking
    networks as Expectation Maximization with posterior constraints"). On a chip it also evens out
    neurons whose thresholds fixed-pattern noise made too high or too low.
    """
    bias = np.asarray(bias, dtype=float).ravel()
    winners = _check_winners(winners, bias.size)
    if winners.size == 0:
        return np.zeros_like(bias)
    counts = np.bincount(winners, minlength=bias.size).astype(float)
    return eta * (1.0 - bias.size * counts / winners.size)


def equilibrium_weight(p_active: np.ndarray, c: float) -> np.ndarray:
    """The fixed point of the input rule, ``log p(y_i = 1 | z_k) + log c`` (-inf where p = 0)."""
    with np.errstate(divide="ignore"):
        return np.log(np.asarray(p_active, dtype=float)) + np.log(c)


@dataclass
class ConstantRate:
    """A fixed learning rate ``eta`` for every parameter (the simpler documented choice)."""

    eta: float

    def rates(self, shape: tuple[int, ...]) -> np.ndarray:
        """Learning rate of every parameter, array of ``shape``."""
        return np.full(shape, float(self.eta))

    def observe(self, values: np.ndarray, changed: np.ndarray) -> None:
        """Constant rates keep no statistics."""

    def state_dict(self) -> dict[str, np.ndarray]:
        return {}

    def load_state_dict(self, state: dict[str, np.ndarray]) -> None:
        return None


class VarianceTrackingRate:
    """Per-parameter adaptive learning rate of Nessler et al. (2013), "variance tracking".

    ``eta = (S - Q^2) / (exp(-Q) + 1)`` with running moments ``Q``, ``S`` updated (with that same
    ``eta``) each time the parameter changes. Rates are kept in ``[eta_min, eta_max]`` so that one
    batch of several spikes stays a small step.

    Parameters
    ----------
    initial
        initial parameter values (``Q`` starts there).
    initial_variance
        initial ``S - Q^2``: how uncertain the starting values are.
    eta_min, eta_max
        bounds on the rate.
    """

    def __init__(self, initial: np.ndarray, initial_variance: float = 1.0,
                 eta_min: float = 1e-3, eta_max: float = 0.05) -> None:
        if not 0 < eta_min <= eta_max:
            raise WtaRuleError(f"need 0 < eta_min <= eta_max, got {eta_min}, {eta_max}")
        initial = np.asarray(initial, dtype=float)
        self.q = initial.copy()
        self.s = initial ** 2 + float(initial_variance)
        self.eta_min, self.eta_max = float(eta_min), float(eta_max)

    def rates(self, shape: tuple[int, ...] | None = None) -> np.ndarray:
        """Current learning rate of every parameter (same shape as the parameters)."""
        raw = (self.s - self.q ** 2) / (np.exp(-self.q) + 1.0)
        return np.clip(raw, self.eta_min, self.eta_max)

    def observe(self, values: np.ndarray, changed: np.ndarray) -> None:
        """Update the moments of the parameters flagged in ``changed`` with their new values."""
        eta = self.rates()
        mask = np.broadcast_to(np.asarray(changed, dtype=bool), self.q.shape)
        values = np.asarray(values, dtype=float)
        self.q = np.where(mask, self.q + eta * (values - self.q), self.q)
        self.s = np.where(mask, self.s + eta * (values ** 2 - self.s), self.s)

    def state_dict(self) -> dict[str, np.ndarray]:
        return {"q": self.q.copy(), "s": self.s.copy()}

    def load_state_dict(self, state: dict[str, np.ndarray]) -> None:
        q, s = np.asarray(state["q"], dtype=float), np.asarray(state["s"], dtype=float)
        if q.shape != self.q.shape or s.shape != self.s.shape:
            raise WtaRuleError(f"learning-rate state has shape {q.shape}, expected {self.q.shape}")
        self.q, self.s = q, s
