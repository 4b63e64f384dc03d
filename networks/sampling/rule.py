"""Contrastive-divergence-style training of a sampling network towards a target Boltzmann machine.

With the target's exact moments and the network's sampled moments the host computes

    dW_ij = eta_t (<z_i z_j>_target - <z_i z_j>_sampled)     (i != j),
    db_i  = eta_t (<z_i>_target     - <z_i>_sampled),

the gradient of the log-likelihood of the target distribution under the Boltzmann machine the
network samples from (Ackley, Hinton & Sejnowski 1985), applied in the loop as by Kungl et al.
2019 (Front. Neurosci. 13:1201): the update uses the states the network (NEST or the chip)
really sampled with its realised weights, so that everything the translation gets wrong -- the
imperfect activation function, PSP shapes, weight quantisation, fixed-pattern noise, shared noise
sources -- is absorbed into the host-side Boltzmann parameters. The learning rate decays as
eta_t = eta_0 / (1 + t / tau_eta); an optional momentum term keeps its velocity in the
checkpointed optimiser state. The host keeps the parameters as floats; the chip's quantised
realisation of them is read back every iteration and reported, and small updates accumulate in
the host copy instead of being lost below one weight step.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from neurohw.errors import CheckpointError, NeurohwError
from neurohw.hil import LearningRule

from .boltzmann import BoltzmannMachine, exact_distribution, kl_divergence


class RuleSettingsError(NeurohwError, ValueError):
    """Hyper-parameters of the rule outside their valid range."""


class ContrastiveDivergenceRule(LearningRule):
    """Moment matching of a sampling network to a target Boltzmann machine.

    Parameters
    ----------
    target
        the Boltzmann machine to reproduce; its exact moments are the "data" term.
    learning_rate
        eta_0 (dimensionless Boltzmann units per unit of moment difference).
    decay_iterations
        tau_eta of the 1 / (1 + t / tau_eta) schedule (iterations).
    momentum
        velocity decay in [0, 1) (0: plain gradient steps).
    initial
        starting Boltzmann parameters (default: the target's, i.e. the direct translation).
    """

    def __init__(self, target: BoltzmannMachine, learning_rate: float = 1.0,
                 decay_iterations: float = 20.0, momentum: float = 0.0,
                 initial: BoltzmannMachine | None = None) -> None:
        if learning_rate <= 0 or decay_iterations <= 0 or not 0 <= momentum < 1:
            raise RuleSettingsError(
                f"need learning_rate > 0, decay_iterations > 0 and 0 <= momentum < 1; got "
                f"{learning_rate}, {decay_iterations}, {momentum}")
        self.target = target
        self.learning_rate = float(learning_rate)
        self.decay_iterations = float(decay_iterations)
        self.momentum = float(momentum)
        self.initial = initial or target
        self.p_target = exact_distribution(target.weights, target.biases)
        self.mean_target, self.corr_target = target.moments()
        n = target.n_units
        self.velocity_w = np.zeros((n, n))
        self.velocity_b = np.zeros(n)

    def eta(self, iteration: int) -> float:
        """Learning rate of an iteration."""
        return self.learning_rate / (1.0 + iteration / self.decay_iterations)

    def initial_parameters(self, rng: np.random.Generator) -> dict[str, np.ndarray]:
        return {"weights": self.initial.weights.copy(), "biases": self.initial.biases.copy()}

    def gradients(self, observables: dict[str, Any]) -> tuple[np.ndarray, np.ndarray]:
        """(dW, db) before the learning rate: target minus sampled moments, zero diagonal."""
        grad_w = self.corr_target - np.asarray(observables["corr"], dtype=float)
        grad_w = 0.5 * (grad_w + grad_w.T)
        np.fill_diagonal(grad_w, 0.0)
        return grad_w, self.mean_target - np.asarray(observables["mean"], dtype=float)

    def update(self, params, realised, observables, iteration, rng):
        grad_w, grad_b = self.gradients(observables)
        eta = self.eta(iteration)
        self.velocity_w = self.momentum * self.velocity_w + eta * grad_w
        self.velocity_b = self.momentum * self.velocity_b + eta * grad_b
        return {"weights": params["weights"] + self.velocity_w,
                "biases": params["biases"] + self.velocity_b}

    def metrics(self, params, realised, observables, iteration) -> dict[str, float]:
        grad_w, grad_b = self.gradients(observables)
        n = self.target.n_units
        off = ~np.eye(n, dtype=bool)
        out = {
            "dkl": kl_divergence(np.asarray(observables["p_sampled"]), self.p_target),
            "max_marginal_error": float(np.max(np.abs(grad_b))),
            "max_correlation_error": float(np.max(np.abs(grad_w[off]))),
            "learning_rate": self.eta(iteration),
        }
        if realised:
            out["weight_realisation_error"] = float(
                np.mean(np.abs(realised["weights"] - params["weights"])[off]))
            out["bias_realisation_error"] = float(
                np.mean(np.abs(realised["biases"] - params["biases"])))
        return out

    def state_dict(self) -> dict[str, np.ndarray]:
        return {"velocity_w": self.velocity_w.copy(), "velocity_b": self.velocity_b.copy()}

    def load_state_dict(self, state) -> None:
        n = self.target.n_units
        velocity_w = np.asarray(state["velocity_w"], dtype=float)
        velocity_b = np.asarray(state["velocity_b"], dtype=float)
        if velocity_w.shape != (n, n) or velocity_b.shape != (n,):
            raise CheckpointError(f"the checkpointed optimiser state does not fit a {n}-unit "
                                  "machine; was it written for another network size?")
        self.velocity_w, self.velocity_b = velocity_w, velocity_b
