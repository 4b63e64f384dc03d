"""Simultaneous contrastive-divergence training of every network of an ensemble.

Boltzmann learning with the exact moments of each network's target (Ackley, Hinton & Sejnowski
1985; the in-the-loop form of Petrovici et al. 2016 and Dold et al. 2019, Sec. 2.3), computed on
the host from the sampled states of all networks at once:

    dW_ij = eta_t (<z_i z_j>_target - <z_i z_j>_sampled),   db_i = eta_t (<z_i>_target - <z_i>_sampled),

with eta_t = eta_0 / (1 + t / t_decay). Parameters are the Boltzmann weights and biases of every
network, ``{"weights": (N, n, n), "biases": (N, n)}``; the experiment translates them into synaptic
weights and rest potentials. Training starts from the targets themselves (the "untrained mapping").
The schedule depends on the iteration only, so the rule is stateless and a resumed run continues
with the same learning rates.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from neurohw.errors import NeurohwError
from neurohw.hil import LearningRule, Parameters

from .statistics import network_kl, target_distributions


class EnsembleRuleError(NeurohwError, ValueError):
    """Learning-rule settings or observables that cannot be used."""


class EnsembleCDRule(LearningRule):
    """CD updates of N Boltzmann machines in parallel, each towards its own target.

    Parameters
    ----------
    targets
        one :class:`~neurohw.networks.sampling.boltzmann.BoltzmannMachine` per network (same n).
    learning_rate
        eta_0 (dimensionless, Boltzmann units per unit of moment difference).
    decay_iterations
        t_decay of the 1 / t schedule (iterations).
    """

    def __init__(self, targets: Sequence, *, learning_rate: float = 1.0,
                 decay_iterations: float = 10.0) -> None:
        if not targets or len({bm.n_units for bm in targets}) != 1:
            raise EnsembleRuleError("give one target per network, all with the same n_units")
        if learning_rate <= 0 or decay_iterations <= 0:
            raise EnsembleRuleError("learning_rate and decay_iterations must be positive, got "
                                    f"{learning_rate}, {decay_iterations}")
        self.targets = list(targets)
        self.learning_rate = float(learning_rate)
        self.decay_iterations = float(decay_iterations)
        self.target_p = target_distributions(self.targets)
        self.target_mean = np.stack([bm.moments()[0] for bm in self.targets])
        self.target_pair = np.stack([bm.moments()[1] for bm in self.targets])
        self.last_dkl: np.ndarray | None = None

    def eta(self, iteration: int) -> float:
        """Learning rate of an iteration."""
        return self.learning_rate / (1.0 + iteration / self.decay_iterations)

    def initial_parameters(self, rng: np.random.Generator) -> Parameters:
        """The targets' own weights and biases: the direct (untrained) mapping."""
        return {"weights": np.stack([bm.weights for bm in self.targets]),
                "biases": np.stack([bm.biases for bm in self.targets])}

    def update(self, params: Parameters, realised: Parameters, observables: dict[str, Any],
               iteration: int, rng: np.random.Generator) -> Parameters:
        """One simultaneous CD step for all networks (symmetric, zero-diagonal weights)."""
        mean, pair = observables["mean"], observables["pair"]
        if np.shape(mean) != self.target_mean.shape or np.shape(pair) != self.target_pair.shape:
            raise EnsembleRuleError(f"observables have shapes {np.shape(mean)}, {np.shape(pair)}; "
                                    f"the rule expects {self.target_mean.shape}, "
                                    f"{self.target_pair.shape}")
        eta = self.eta(iteration)
        d_pair = self.target_pair - pair
        d_pair = 0.5 * (d_pair + np.swapaxes(d_pair, 1, 2))
        idx = np.arange(d_pair.shape[1])
        d_pair[:, idx, idx] = 0.0
        return {"weights": params["weights"] + eta * d_pair,
                "biases": params["biases"] + eta * (self.target_mean - mean)}

    def metrics(self, params: Parameters, realised: Parameters, observables: dict[str, Any],
                iteration: int) -> dict[str, float]:
        """D_KL(sampled || target) of this iteration's window: median, mean and max over networks."""
        dkl = network_kl(observables["distribution"], self.target_p)
        self.last_dkl = dkl
        return {"dkl_median": float(np.median(dkl)), "dkl_mean": float(np.mean(dkl)),
                "dkl_max": float(np.max(dkl)), "eta": self.eta(iteration)}
