"""Simultaneous contrastive-divergence training of every network of an ensemble.

Boltzmann learning with the exact moments of each network's target (Ackley, Hinton & Sejnowski
1985; the in-the-loop form of Petrovici et al. 2016 and Dold et al. 2019, Sec. 2.3), computed on
the host from the sampled states of all networks at once:

    dW_ij = eta_t (<z_i z_j>_target - <z_i z_j>_sampled),
    db_i  = eta_t (<z_i>_target - <z_i>_sampled),

with eta_t = eta_0 / (1 + t / t_decay), optionally smoothed by momentum (the step is a velocity
v <- mu v + eta_t dtheta): the first CD steps change every network's activity and hence everyone's
noise, so single noisy steps are damped. With a ``preconditioner`` the moment difference is
first multiplied by the inverse Fisher matrix of the network's Boltzmann family (a natural-
gradient step, :mod:`.natural_gradient`), so that directions of small Fisher information are not
left unconverged.

Each step estimates the sampled moments from one short window, so the parameters after the last
step carry the noise of the last few windows. With ``average_from = t_0`` the rule also keeps the
Polyak-Ruppert average of the parameters produced by the updates of iterations t_0, t_0 + 1, ...
(Polyak & Juditsky 1992, SIAM J. Control Optim. 30:838-855): averaging the iterates of a
stochastic-approximation scheme cancels most of that noise while the schedule stays the same.
:meth:`EnsembleCDRule.averaged_parameters` returns it; the study evaluates and reports the
averaged parameters for both backgrounds.

Parameters are the Boltzmann weights and biases of every network,
``{"weights": (N, n, n), "biases": (N, n)}``; the experiment translates them into synaptic
weights and rest potentials. Training starts from the targets themselves (the "untrained mapping").
The schedule depends on the iteration only; the velocity and the Polyak sums are the optimiser
state saved in the trainer's checkpoint, so a resumed run continues with the same steps.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from neurohw.errors import NeurohwError
from neurohw.hil import LearningRule, Parameters

from .natural_gradient import natural_gradient_step
from .statistics import network_kl, target_distributions

#: Update directions :class:`EnsembleCDRule` can take.
PRECONDITIONERS = ("none", "fisher", "target_fisher")


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
    average_from
        first iteration whose updated parameters enter the Polyak average (None: no averaging).
    preconditioner
        ``"none"``: plain CD steps; ``"target_fisher"``: natural-gradient steps
        (:func:`.natural_gradient.natural_gradient_step`) with the Fisher matrix of each
        network's target distribution; ``"fisher"``: with that of its sampled distribution
        (observable ``"distribution"``). ``damping`` is added to the Fisher matrix's diagonal,
        step components are clipped to ``max_step`` (Boltzmann units).
    """

    def __init__(self, targets: Sequence, *, learning_rate: float = 1.0,
                 decay_iterations: float = 10.0, momentum: float = 0.0,
                 average_from: int | None = None, preconditioner: str = "none",
                 damping: float = 0.01, max_step: float = 1.0) -> None:
        if not targets or len({bm.n_units for bm in targets}) != 1:
            raise EnsembleRuleError("give one target per network, all with the same n_units")
        if learning_rate <= 0 or decay_iterations <= 0:
            raise EnsembleRuleError("learning_rate and decay_iterations must be positive, got "
                                    f"{learning_rate}, {decay_iterations}")
        if not 0.0 <= momentum < 1.0:
            raise EnsembleRuleError(f"momentum must lie in [0, 1), got {momentum}")
        if average_from is not None and average_from < 0:
            raise EnsembleRuleError(f"average_from must be an iteration >= 0 or None, got "
                                    f"{average_from}")
        if preconditioner not in PRECONDITIONERS:
            raise EnsembleRuleError(f"preconditioner must be one of {PRECONDITIONERS}, got "
                                    f"{preconditioner!r}")
        if damping <= 0 or max_step <= 0:
            raise EnsembleRuleError(f"damping and max_step must be positive, got {damping}, "
                                    f"{max_step}")
        self.preconditioner = preconditioner
        self.damping = float(damping)
        self.max_step = float(max_step)
        self.momentum = float(momentum)
        self.average_from = None if average_from is None else int(average_from)
        self.targets = list(targets)
        self.learning_rate = float(learning_rate)
        self.decay_iterations = float(decay_iterations)
        self.target_p = target_distributions(self.targets)
        self.target_mean = np.stack([bm.moments()[0] for bm in self.targets])
        self.target_pair = np.stack([bm.moments()[1] for bm in self.targets])
        self.last_dkl: np.ndarray | None = None
        self.velocity_w = np.zeros_like(self.target_pair)
        self.velocity_b = np.zeros_like(self.target_mean)
        self.sum_w = np.zeros_like(self.target_pair)
        self.sum_b = np.zeros_like(self.target_mean)
        self.n_averaged = 0

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
        d_mean = self.target_mean - mean
        if self.preconditioner != "none":
            model = (observables["distribution"] if self.preconditioner == "fisher"
                     else self.target_p)
            d_mean, d_pair = natural_gradient_step(d_mean, d_pair, model, self.damping,
                                                   self.max_step)
        self.velocity_w = self.momentum * self.velocity_w + eta * d_pair
        self.velocity_b = self.momentum * self.velocity_b + eta * d_mean
        new = {"weights": params["weights"] + self.velocity_w,
               "biases": params["biases"] + self.velocity_b}
        if self.average_from is not None and iteration >= self.average_from:
            self.sum_w += new["weights"]
            self.sum_b += new["biases"]
            self.n_averaged += 1
        return new

    def averaged_parameters(self, last: Parameters) -> Parameters:
        """The Polyak average of the parameters since ``average_from``; ``last`` (the trainer's
        final parameters) when averaging is off or no iteration has reached ``average_from``."""
        if self.n_averaged == 0:
            return {k: np.asarray(v, dtype=float).copy() for k, v in last.items()}
        return {"weights": self.sum_w / self.n_averaged, "biases": self.sum_b / self.n_averaged}

    def metrics(self, params: Parameters, realised: Parameters, observables: dict[str, Any],
                iteration: int) -> dict[str, float]:
        """D_KL(sampled || target) of this window: median, mean and max over networks."""
        dkl = network_kl(observables["distribution"], self.target_p)
        self.last_dkl = dkl
        return {"dkl_median": float(np.median(dkl)), "dkl_mean": float(np.mean(dkl)),
                "dkl_max": float(np.max(dkl)), "eta": self.eta(iteration)}

    def state_dict(self) -> dict[str, np.ndarray]:
        """Momentum velocities (Boltzmann units per iteration) and the Polyak sums."""
        return {"velocity_w": self.velocity_w.copy(), "velocity_b": self.velocity_b.copy(),
                "sum_w": self.sum_w.copy(), "sum_b": self.sum_b.copy(),
                "n_averaged": np.array(self.n_averaged)}

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
        if "sum_w" in state:
            sum_w = np.asarray(state["sum_w"], dtype=float)
            sum_b = np.asarray(state["sum_b"], dtype=float)
            if sum_w.shape != self.target_pair.shape or sum_b.shape != self.target_mean.shape:
                raise EnsembleRuleError("checkpointed Polyak sums do not fit this ensemble; was "
                                        "the checkpoint written for another ensemble size?")
            self.sum_w, self.sum_b = sum_w, sum_b
            self.n_averaged = int(np.asarray(state["n_averaged"]))
