"""In-the-loop training of the coding network with :mod:`neurohw.hil` (any PyNN backend).

Per iteration the host writes ``F``, the somatic lateral inhibition (``sum_j W_ijk`` for DB, ``V``
for SB) and the homeostatic bias into the PyNN network, presents one batch of images (one per
network copy and presentation), reads the spikes back, recomputes traces, delayed traces and
thereby the dendritic potentials ``u_ij`` on the host, and applies the same rules as the reference
simulation (:func:`.learning.apply_plasticity`). Mikulasch, Rudelt & Priesemann (2021).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from types import ModuleType
from typing import Any

import numpy as np

from neurohw.hil import Experiment, HILTrainer, LearningRule
from neurohw.networks.dendritic_balance import rules
from neurohw.networks.dendritic_balance.blas_threads import blas_single_threaded
from neurohw.networks.dendritic_balance.evaluation import bar_selectivity, decoder_loss, fit_decoder
from neurohw.networks.dendritic_balance.learning import apply_plasticity
from neurohw.networks.dendritic_balance.model import ModelConfig, NetworkState
from neurohw.networks.dendritic_balance.pynn_network import CodingNetwork, PyNNNetworkConfig
from neurohw.networks.dendritic_balance.tasks import BarsTask
from neurohw.spikes import psp_traces


class DendriticBalanceExperiment(Experiment):
    """Network side: presents a batch of task images per iteration and returns trace statistics."""

    def __init__(self, task, model: ModelConfig, net: PyNNNetworkConfig, iterations: int,
                 presentations: int = 1):
        self.task = task
        self.model = model
        self.net_config = replace(net, presentation_ms=model.steps_per_presentation * model.dt,
                                  tau_psp=model.tau_psp,
                                  extra_delay_ms=model.delay_steps * model.dt)
        self.network = CodingNetwork(task.n_inputs, model.n_z, self.net_config)
        self.iterations = max(int(iterations), 1)
        self.presentations = int(presentations)
        self._x: np.ndarray | None = None
        self.temperature_override: float | None = None

    def build(self, sim: ModuleType) -> None:
        self.network.build(sim)

    def write_parameters(self, params: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
        lateral = params["W"].sum(axis=1) if self.model.rule == "db" else params["V"]
        return self.network.write(params["F"], lateral, params["bias"])

    def noise_scale(self, iteration: int) -> float:
        """Noise-source rate factor: the escape-noise temperature enters squared (variance)."""
        if self.temperature_override is not None:
            T = self.temperature_override
        else:
            T = self.model.temperature(iteration / max(self.iterations - 1, 1))
        return (T / self.model.temperature_start) ** 2

    def run(self, iteration: int, seed: int):
        rng = np.random.default_rng(seed)
        c = self.net_config.copies
        x = self.task.sample(c * self.presentations, rng).reshape(c, self.presentations, -1)
        self._x = x
        return self.network.run(x, self.noise_scale(iteration), rng)

    @blas_single_threaded
    def observe(self, block, iteration: int) -> dict[str, Any]:
        m, c, n_z = self.model, self.net_config.copies, self.model.n_z
        steps = m.steps_per_presentation * self.presentations
        duration = steps * m.dt
        # trace at the end of each 1-ms step: grid points dt, 2 dt, ..., duration
        t0 = self.network.last_start_ms
        r_all = psp_traces(block, m.tau_psp, m.dt, t_start=t0 + m.dt,
                           t_stop=t0 + duration + m.dt)[:steps]
        spikes = np.diff(np.vstack([np.zeros((1, r_all.shape[1])), r_all]), axis=0)
        spikes = spikes - (m.trace_decay - 1.0) * np.vstack([np.zeros((1, r_all.shape[1])),
                                                              r_all[:-1]])
        lag = 1 + m.delay_steps
        pad = np.zeros((lag, r_all.shape[1]))
        r_shift = np.vstack([pad, r_all])
        r_d = r_shift[:steps]                                   # r(t - 1 - delay)
        r_self = r_shift[lag - 1: lag - 1 + steps]              # r(t - 1)
        x_t = np.repeat(self._x, m.steps_per_presentation, axis=1)      # [c, steps, n_x]

        def per_copy(a):                                        # [steps, c*n_z] -> [c*steps, n_z]
            return a.reshape(steps, c, n_z).transpose(1, 0, 2).reshape(c * steps, n_z)

        X = x_t.reshape(c * steps, -1)
        R = per_copy(r_all)
        stats = rules.TraceStatistics(X.shape[1], n_z)
        stats.add(X, R, per_copy(r_d), per_copy(np.clip(np.round(spikes), 0, None)),
                  per_copy(r_self) if m.delay_steps > 0 else None)
        return {"stats": stats, "x": X, "r": R}


class DendriticBalanceRule(LearningRule):
    """Host side: the dendritic- or somatic-balance rules applied to the recorded statistics."""

    def __init__(self, model: ModelConfig, n_x: int):
        self.model = model
        self.n_x = n_x

    def _keys(self):
        return ("F", "W", "bias", "D") if self.model.rule == "db" else ("F", "V", "bias", "D")

    def initial_parameters(self, rng: np.random.Generator) -> dict[str, np.ndarray]:
        state = NetworkState.initial(self.model, self.n_x, rng)
        arrays = state.as_arrays()
        return {k: arrays[k] for k in self._keys()}

    def _state(self, params) -> NetworkState:
        n_z = self.model.n_z
        W = params.get("W", np.zeros((n_z, self.n_x, n_z)))
        V = params.get("V", np.zeros((n_z, n_z)))
        return NetworkState(F=np.array(params["F"]), W=np.array(W), V=np.array(V),
                            bias=np.array(params["bias"]), D=np.array(params["D"]))

    @blas_single_threaded
    def update(self, params, realised, observables, iteration, rng):
        state = self._state(params)
        apply_plasticity(self.model, state, observables["stats"])
        arrays = state.as_arrays()
        return {k: arrays[k] for k in self._keys()}

    def metrics(self, params, realised, observables, iteration) -> dict[str, float]:
        stats: rules.TraceStatistics = observables["stats"]
        return {"online_decoder_loss": decoder_loss(observables["x"], observables["r"], params["D"]),
                "mean_rate_hz": float(stats.rate_per_sample.mean()) / self.model.dt * 1000.0}


def hil_model_config(**overrides) -> ModelConfig:
    """Model settings for in-the-loop runs: batches of 50 presentations, so a larger input
    learning rate than the reference's batches of 20 (checked on the reference simulation)."""
    return replace(ModelConfig(eta_input=0.2, streams=50), **overrides)


@dataclass
class PyNNRunResult:
    """Result of :func:`train_in_the_loop`."""

    metrics: dict[str, float]
    parameters: dict[str, np.ndarray]
    history: list[dict[str, float]]
    trainer: HILTrainer


@blas_single_threaded
def evaluate_in_the_loop(experiment: DendriticBalanceExperiment, params: dict[str, np.ndarray],
                         seed: int, iterations: int = 2) -> dict[str, float]:
    """Frozen-weight test: fit a decoder on ``iterations`` batches, test on as many new ones."""
    experiment.write_parameters(params)
    experiment.temperature_override = experiment.model.temperature_end
    samples = []
    try:
        for k in range(2 * iterations):
            block = experiment.run(10**6 + k, int(np.random.SeedSequence([seed, k]).generate_state(1)[0]))
            obs = experiment.observe(block, 10**6 + k)
            samples.append((obs["x"], obs["r"], obs["stats"]))
    finally:
        experiment.temperature_override = None
    x_fit = np.concatenate([s[0] for s in samples[:iterations]])
    r_fit = np.concatenate([s[1] for s in samples[:iterations]])
    x_test = np.concatenate([s[0] for s in samples[iterations:]])
    r_test = np.concatenate([s[1] for s in samples[iterations:]])
    D = fit_decoder(x_fit, r_fit)
    rate = np.mean([s[2].rate_per_sample.mean() for s in samples[iterations:]]) / experiment.model.dt * 1000
    out = {"test_decoder_loss": decoder_loss(x_test, r_test, D),
           "zero_decoder_loss": decoder_loss(x_test, r_test, np.zeros_like(D)),
           "test_rate_hz": float(rate)}
    if isinstance(experiment.task, BarsTask):
        out.update(bar_selectivity(params["F"], experiment.task.bars()))
    return out


def train_in_the_loop(sim: ModuleType, rule: str, task, iterations: int, seed: int,
                      model: ModelConfig | None = None, net: PyNNNetworkConfig | None = None,
                      presentations: int = 50, checkpoint_path=None, progress: bool = False,
                      eval_iterations: int = 1) -> PyNNRunResult:
    """Train on ``sim`` through :class:`neurohw.hil.HILTrainer` and evaluate the test loss.

    Each iteration presents ``presentations`` images in sequence to each of ``net.copies``
    copies and performs one learning step (batch). Writing weights costs per postsynaptic cell
    on NEST, so one copy with many presentations per iteration is the fast choice.
    """
    model = replace(model or hil_model_config(), rule=rule)
    net = net or PyNNNetworkConfig()
    experiment = DendriticBalanceExperiment(task, model, net, iterations, presentations)
    learning_rule = DendriticBalanceRule(model, task.n_inputs)
    fingerprint = {"network": "dendritic-balance", "rule": rule, "task": task.name,
                   "task_settings": repr(task), "model": model.to_dict(),
                   "pynn": experiment.net_config.to_dict(), "presentations": presentations}
    trainer = HILTrainer(sim, experiment, learning_rule, iterations=iterations, seed=seed,
                         checkpoint_path=checkpoint_path, checkpoint_every=25, progress=progress,
                         fingerprint=fingerprint)
    result = trainer.train()
    metrics = evaluate_in_the_loop(experiment, result.parameters, seed, eval_iterations)
    return PyNNRunResult(metrics=metrics, parameters=result.parameters, history=result.history,
                         trainer=trainer)
