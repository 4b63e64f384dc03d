"""The synaptic-sampling learning rule for in-the-loop training (a :class:`LearningRule`).

theta (n_z, n_inputs) lives on the host and is the trainer's parameter ``"theta"``; the experiment
writes only its connected part (theta > 0, weight ``exp(theta - theta0)``) into the network. Per
iteration the rule (1) scores the WTA's answers, (2) turns the recorded spikes into the likelihood
gradient of the generative WTA model, (3) makes one Langevin step at the scheduled temperature,
(4) applies any lesion scheduled for the next iteration and (5) logs rewiring statistics.

Lesions (experiment b, after Kappel et al. 2015, Fig. 4):

* ``("neurons", fraction)``: a random ``fraction`` of the living WTA neurons is removed — all
  their synapses disappear for good (theta set to :data:`REMOVED_THETA` and frozen), so the
  backend gets no synapse onto them and they stay silent;
* ``("population", p)``: every synapse from input population ``p`` is removed — its theta is
  redrawn from the negative half of the prior (``mu - |N(0, sigma^2)|``), so those synapses are
  absent but free to grow back by the dynamics (rewiring).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from neurohw.errors import NeurohwError
from neurohw.hil import LearningRule
from neurohw.networks.synaptic_sampling.langevin import (SamplingParameters, TemperatureSchedule,
                                                         langevin_step, weights_from_theta)
from neurohw.networks.synaptic_sampling.observables import likelihood_gradient
from neurohw.networks.synaptic_sampling.performance import OnlineLabelMap
from neurohw.networks.synaptic_sampling.rewiring_stats import RewiringLog

#: theta of the synapses of a removed neuron: far below 0 and never updated again.
REMOVED_THETA = -1.0e3


class LesionError(NeurohwError, ValueError):
    """A lesion that cannot be applied."""


@dataclass(frozen=True)
class Lesion:
    """A lesion taking effect at the start of ``iteration`` (see module docstring)."""

    iteration: int
    kind: str            # "neurons" or "population"
    amount: float        # fraction of living neurons, or the population index

    def __post_init__(self) -> None:
        if self.kind not in ("neurons", "population"):
            raise LesionError(f"lesion kind must be 'neurons' or 'population', got {self.kind!r}")
        if self.kind == "neurons" and not 0 < self.amount < 1:
            raise LesionError(f"a neuron lesion removes a fraction in (0, 1), got {self.amount}")
        if self.iteration < 1:
            raise LesionError("a lesion needs iteration >= 1 (there must be something to damage)")


class SynapticSamplingRule(LearningRule):
    """Synaptic sampling with rewiring over all ``n_z x n_inputs`` potential synapses.

    Parameters
    ----------
    n_z, n_inputs
        WTA neurons and input neurons (every input is a potential synapse onto every neuron).
    population_of_input
        (n_inputs,) population index of each input (for population lesions).
    n_causes
        number of hidden causes (for the accuracy score).
    params, schedule
        hyper-parameters and temperature schedule.
    alpha
        the constant of the generative model's likelihood term ``x - alpha exp(w)``.
    dt_s
        biological duration of one iteration, s (the Langevin step length).
    lesions
        lesions to apply during the run.
    survival_horizon
        longest lifetime (iterations) resolved by the survival curve.
    """

    def __init__(self, n_z: int, n_inputs: int, population_of_input: np.ndarray, n_causes: int,
                 params: SamplingParameters, schedule: TemperatureSchedule, alpha: float,
                 dt_s: float, lesions: tuple[Lesion, ...] = (), survival_horizon: int = 60) -> None:
        self.n_z, self.n_inputs = int(n_z), int(n_inputs)
        self.population_of_input = np.asarray(population_of_input, dtype=int)
        self.params, self.schedule = params, schedule
        self.alpha, self.dt_s = float(alpha), float(dt_s)
        self.lesions = tuple(sorted(lesions, key=lambda l: l.iteration))
        for lesion in self.lesions:
            if lesion.kind == "population" and not (
                    0 <= int(lesion.amount) <= self.population_of_input.max()):
                raise LesionError(f"population lesion names population {lesion.amount}, but "
                                  f"there are {self.population_of_input.max() + 1}")
        self.alive = np.ones(self.n_z, dtype=bool)
        self.label_map = OnlineLabelMap(self.n_z, n_causes)
        self.log = RewiringLog((self.n_z, self.n_inputs), survival_horizon)
        self.last_changes = np.zeros(2)

    # -- LearningRule interface ---------------------------------------------------------------
    def initial_parameters(self, rng: np.random.Generator) -> dict[str, np.ndarray]:
        """theta drawn from the prior (synapses connect where the draw is > 0)."""
        p = self.params
        return {"theta": rng.normal(p.prior_mean, p.prior_std, size=(self.n_z, self.n_inputs))}

    def update(self, params, realised, observables, iteration, rng):
        theta = params["theta"]
        self.label_map.add(observables["winners"], observables["causes"])
        w = weights_from_theta(theta, self.params.theta0)
        grad = likelihood_gradient(observables["x_sum"], observables["n_post"], w, self.alpha,
                                   observables["duration_s"])
        frozen = np.broadcast_to(~self.alive[:, None], theta.shape)
        new = langevin_step(theta, grad, self.params, self.schedule(iteration), self.dt_s, rng,
                            frozen=frozen)
        counted = np.broadcast_to(self.alive[:, None], theta.shape)
        self.last_changes = np.array(self.log.step(theta > 0, new > 0, iteration + 1, counted),
                                     dtype=float)
        for lesion in self.lesions:
            if lesion.iteration == iteration + 1:
                new = self.apply_lesion(new, lesion, rng)
        return {"theta": new}

    def metrics(self, params, realised, observables, iteration) -> dict[str, float]:
        theta = params["theta"]
        alive_syn = np.broadcast_to(self.alive[:, None], theta.shape)
        connected = (theta > 0) & alive_syn
        out = {
            "accuracy": self.label_map.accuracy(observables["winners"], observables["causes"]),
            "connected_fraction": float(connected.sum() / max(alive_syn.sum(), 1)),
            "created": float(self.last_changes[0]),
            "eliminated": float(self.last_changes[1]),
            "temperature": float(self.schedule(iteration)),
            "alive_neurons": float(self.alive.sum()),
            "post_rate_hz": float(observables["n_post"].sum() / observables["duration_s"]
                                  / max(self.alive.sum(), 1)),
            "silent_windows": float(np.mean(observables["winners"] < 0)),
        }
        if "weight" in realised:
            w = weights_from_theta(theta, self.params.theta0)
            on = connected
            if on.any():
                out["weight_error"] = float(np.mean(np.abs(realised["weight"][on] - w[on])))
        if "rows_max" in observables:
            out["rows_max"] = float(observables["rows_max"])
            out["rows_mean"] = float(observables["rows_mean"])
        return out

    def state_dict(self) -> dict[str, Any]:
        state = {"alive": self.alive.astype(np.int8), "confusion": self.label_map.confusion,
                 "last_changes": self.last_changes}
        state.update(self.log.state("log/"))
        return state

    def load_state_dict(self, state: dict[str, Any]) -> None:
        self.alive = np.asarray(state["alive"]).astype(bool)
        self.label_map.confusion = np.asarray(state["confusion"], dtype=float)
        self.last_changes = np.asarray(state["last_changes"], dtype=float)
        self.log.load("log/", state)

    # -- lesions --------------------------------------------------------------------------------
    def apply_lesion(self, theta: np.ndarray, lesion: Lesion, rng: np.random.Generator) -> np.ndarray:
        """Return theta after ``lesion`` (and update the living-neuron mask and the log)."""
        theta = theta.copy()
        if lesion.kind == "neurons":
            living = np.flatnonzero(self.alive)
            n_remove = int(round(lesion.amount * living.size))
            if n_remove >= living.size:
                raise LesionError(f"removing {lesion.amount:.0%} of {living.size} neurons leaves "
                                  "none; use a smaller fraction")
            removed = rng.choice(living, size=n_remove, replace=False)
            mask = np.zeros_like(theta, dtype=bool)
            mask[removed] = True
            self.log.censor(mask, lesion.iteration)
            self.alive[removed] = False
            theta[removed] = REMOVED_THETA
        else:
            cols = self.population_of_input == int(lesion.amount)
            mask = np.zeros_like(theta, dtype=bool)
            mask[:, cols] = True
            mask &= self.alive[:, None]
            self.log.censor(mask, lesion.iteration)
            p = self.params
            theta[mask] = p.prior_mean - np.abs(rng.normal(0.0, p.prior_std, size=int(mask.sum())))
            theta[mask] = np.minimum(theta[mask], -1e-9)
        return theta
