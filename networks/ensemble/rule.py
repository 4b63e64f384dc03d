"""Simultaneous contrastive-divergence training of every network of an ensemble.

Boltzmann learning with the exact moments of each network's target (Ackley, Hinton & Sejnowski
1985; the in-the-loop form of Petrovici et al. 2016 and Dold et al. 2019, Sec. 2.3), computed on
the host from the sampled states of all networks at once:

    dW_ij = eta_t (<z_i z_j>_target - <z_i z_j>_sampled),
    db_i  = eta_t (<z_i>_target - <z_i>_sampled),

with eta_t = eta_0 / (1 + t / t_decay), optionally smoothed by momentum (the step is a velocity
v <- mu v + eta_t dtheta): the first CD steps change every network's activity and hence everyone's
noise, so single noisy steps are damped. Parameters are the Boltzmann weights and biases of every
network, ``{"weights": (N, n, n), "biases": (N, n)}``; the experiment translates them into synaptic
weights and rest potentials. Training starts from the targets themselves (the "untrained mapping").
The schedule depends on the iteration only; the velocity is the optimiser state saved in the
trainer's checkpoint, so a resumed run continues with the same steps.
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
    momentum
        velocity decay mu in [0, 1) (0: plain steps).
    """

    def __init__(self, targets: Sequence, *, learning_rate: float = 1.0,
                 decay_iterations: float = 10.0, momentum: float = 0.0) -> None:
        if not targets or len({bm.n_units for bm in targets}) != 1:
            raise EnsembleRuleError("give one target per network, all with the same n_units")
        if learning_rate <= 0 or decay_iterations <= 0:
            raise EnsembleRuleError("learning_rate and decay_iterations must be positive, got "
                                    f"{learning_rate}, {decay_iterations}")
        if not 0.0 <= momentum < 1.0:
            raise EnsembleRuleError(f"momentum must lie in [0, 1), got {momentum}")
        self.momentum = float(momentum)
        self.targets = list(targets)
        self.learning_rate = float(learning_rate)
        self.decay_iterations = float(decay_iterations)
        self.target_p = target_distributions(self.targets)
        self.target_mean = np.stack([bm.moments()[0] for bm in self.targets])
        self.target_pair = np.stack([bm.moments()[1] for bm in self.targets])
        self.last_dkl: np.ndarray | None = None
        self.velocity_w = np.zeros_like(self.target_pair)
        self.velocity_b = np.zeros_like(self.target_mean)

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
        self.velocity_w = self.momentum * self.velocity_w + eta * d_pair
        self.velocity_b = self.momentum * self.velocity_b + eta * (self.target_mean - mean)
        return {"weights": params["weights"] + self.velocity_w,
                "biases": params["biases"] + self.velocity_b}

    def metrics(self, params: Parameters, realised: Parameters, observables: dict[str, Any],
                iteration: int) -> dict[str, float]:
        """D_KL(sampled || target) of this window: median, mean and max over networks."""
        dkl = network_kl(observables["distribution"], self.target_p)
        self.last_dkl = dkl
        return {"dkl_median": float(np.median(dkl)), "dkl_mean": float(np.mean(dkl)),
                "dkl_max": float(np.max(dkl)), "eta": self.eta(iteration)}

    def state_dict(self) -> dict[str, np.ndarray]:
        """The momentum velocities (Boltzmann units per iteration)."""
        return {"velocity_w": self.velocity_w.copy(), "velocity_b": self.velocity_b.copy()}

    def load_state_dict(self, state) -> None:
        """Restore the velocities of :meth:`state_dict`; refuses arrays of the wrong shape."""
        if not state:
            return
        velocity_w = np.asarray(state["velocity_w"], dtype=float)
        velocity_b = np.asarray(state["velocity_b"], dtype=float)
        if (velocity_w.shape != self.target_pair.shape
                or velocity_b.shape != self.target_mean.shape):
            raise EnsembleRuleError(
                f"checkpointed velocities have shapes {velocity_w.shape}, {velocity_b.shape}; "
                f"this ensemble needs {self.target_pair.shape}, {self.target_mean.shape} -- was "
                "the checkpoint written for another ensemble size?")
        self.velocity_w, self.velocity_b = velocity_w, velocity_b
