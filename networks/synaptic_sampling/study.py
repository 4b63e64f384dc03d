"""Experiments (a)-(d) of synaptic sampling as one function each, shared by the CLI, examples and tests.

:func:`run_training` learns the mixture (experiment a) on a backend, optionally with the lesion
protocol (b): after ``pre`` iterations a fraction of the WTA neurons is removed; after ``recover``
more iterations every synapse from input population 0 is removed; ``recover`` iterations follow.
It reports performance before each lesion, right after it (mean of its first ``after_window``
iterations, scored with the label map learnt before the lesion) and recovered (mean of the last
``window`` iterations of the recovery phase), plus the rewiring statistics (c): connected
fraction, turnover per simulated minute and the survival curve of new synapses. The mean rate of
the living WTA neurons before/right after/recovered is reported too: it shows the loss of drive
that a population lesion causes and its return as the lost synapses grow back.
:func:`temperature_comparison` is experiment (d).

The defaults here are the settings that reproduce the numbers in the README.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np

from neurohw.errors import NeurohwError
from neurohw.hil import HILTrainer
from neurohw.networks.synaptic_sampling.experiments import (PyNNWTAExperiment,
                                                            ReferenceWTAExperiment)
from neurohw.networks.synaptic_sampling.inputs import MixtureInputs
from neurohw.networks.synaptic_sampling.langevin import SamplingParameters, TemperatureSchedule
from neurohw.networks.synaptic_sampling.rule import Lesion, SynapticSamplingRule

BACKENDS = ("reference", "nest", "emulator")
#: synapse rows per neuron of the emulated chip's presets (DESIGN.md).
ROW_BUDGET = {"bss1": 224, "bss2": 256}


class StudyError(NeurohwError):
    """A study configuration that cannot be run."""


@dataclass(frozen=True)
class StudyConfig:
    """Everything that defines a run (becomes the checkpoint fingerprint)."""

    n_z: int = 10
    alpha: float = 0.1
    sampling: SamplingParameters = SamplingParameters(prior_mean=-0.5, prior_std=1.5, theta0=0.5,
                                                      learning_rate=0.005, likelihood_weight=3.0)
    inputs: MixtureInputs = field(default_factory=MixtureInputs)
    temperature: float = 1.0
    anneal_to: float | None = None       # final temperature of an annealing schedule
    pre: int = 60                        # iterations before the first lesion (or of training)
    recover: int = 60                    # iterations after each lesion
    neuron_lesion_fraction: float = 0.5
    window: int = 10                     # iterations averaged for "before"/"recovered"
    after_window: int = 3                # iterations averaged for "right after"
    weight_scale_us: float = 0.004       # PyNN backends: conductance of w = 1, uS
    reference_rate_hz: float = 80.0      # reference WTA: candidate spike rate, Hz

    def total_iterations(self, lesion: bool) -> int:
        return self.pre + 2 * self.recover if lesion else self.pre

    def fingerprint(self, backend: str, lesion: bool) -> dict[str, Any]:
        d = asdict(self)
        d["inputs"] = {k: (v.tolist() if isinstance(v, np.ndarray) else v)
                       for k, v in asdict(self.inputs).items()}
        d.update(network="synaptic-sampling", backend=backend, lesion=bool(lesion))
        return d


def make_experiment(backend: str, config: StudyConfig, setup_kwargs: dict | None = None):
    """The WTA experiment for ``backend`` ("reference", "nest" or "emulator")."""
    if backend == "reference":
        return ReferenceWTAExperiment(config.inputs, config.n_z, config.sampling.theta0,
                                      total_rate_hz=config.reference_rate_hz)
    if backend not in BACKENDS:
        raise StudyError(f"unknown backend {backend!r}; choose one of {', '.join(BACKENDS)}")
    budget = None
    if backend == "emulator":
        budget = ROW_BUDGET[(setup_kwargs or {}).get("preset", "bss1")]
    return PyNNWTAExperiment(config.inputs, config.n_z, config.sampling.theta0,
                             weight_scale_us=config.weight_scale_us, row_budget=budget,
                             setup_kwargs=setup_kwargs)


def make_rule(config: StudyConfig, lesion: bool) -> SynapticSamplingRule:
    lesions: tuple[Lesion, ...] = ()
    if lesion:
        lesions = (Lesion(config.pre, "neurons", config.neuron_lesion_fraction),
                   Lesion(config.pre + config.recover, "population", 0))
    total = config.total_iterations(lesion)
    if config.anneal_to is None:
        schedule = TemperatureSchedule(config.temperature, config.temperature)
    else:
        schedule = TemperatureSchedule(config.temperature, config.anneal_to, anneal_start=total // 4,
                                       anneal_end=(3 * total) // 4)
    inp = config.inputs
    return SynapticSamplingRule(config.n_z, inp.n_inputs, inp.population_of_input(), inp.n_causes,
                                config.sampling, schedule, config.alpha, inp.duration_ms * 1e-3,
                                lesions)


def _mean(history: list[dict], key: str, start: int, stop: int) -> float:
    values = [r[key] for r in history[max(start, 0):stop] if key in r]
    return float(np.mean(values)) if values else float("nan")


def rewiring_statistics(history: list[dict], rule: SynapticSamplingRule, iterations: int,
                        iteration_s: float, start: int = 0) -> dict[str, Any]:
    """Connected fraction, turnover per simulated minute and the survival curve (experiment c).

    Turnover per minute is ``(created + eliminated) / 2`` per minute, divided by the mean number
    of connected synapses of living neurons, from iteration ``start`` on.
    """
    part = history[start:]
    per_min = 60.0 / iteration_s
    connected = np.array([r["connected_fraction"] * r["alive_neurons"] for r in part])
    n_in = rule.n_inputs
    changes = np.array([(r["created"] + r["eliminated"]) / 2.0 for r in part])
    survival = rule.log.survival_curve(iterations)
    return {
        "connected_fraction": float(np.mean([r["connected_fraction"] for r in part])),
        "turnover_per_min": float(np.mean(changes) * per_min / max(np.mean(connected) * n_in, 1)),
        "created_per_min": float(np.mean([r["created"] for r in part]) * per_min),
        "survival_age_s": (np.arange(survival.size) * iteration_s).tolist(),
        "survival": survival.tolist(),
        "rows_max": float(max(r.get("rows_max", 0.0) for r in history)),
        "rows_mean": float(np.mean([r.get("rows_mean", 0.0) for r in history])),
    }


def run_training(backend: str, sim=None, config: StudyConfig | None = None, lesion: bool = True,
                 seed: int = 1, checkpoint_path: str | Path | None = None,
                 setup_kwargs: dict | None = None, progress: bool = False) -> dict[str, Any]:
    """Run experiment (a) [and (b)] on ``backend``; return a JSON-able summary with history."""
    config = config or StudyConfig()
    experiment = make_experiment(backend, config, setup_kwargs)
    rule = make_rule(config, lesion)
    total = config.total_iterations(lesion)
    trainer = HILTrainer(sim, experiment, rule, iterations=total, seed=seed,
                         checkpoint_path=checkpoint_path, checkpoint_every=20, progress=progress,
                         fingerprint=config.fingerprint(backend, lesion))
    result = trainer.train()
    h = result.history
    iteration_s = config.inputs.duration_ms * 1e-3
    summary: dict[str, Any] = {
        "backend": backend, "seed": seed, "iterations": total,
        "simulated_minutes": total * iteration_s / 60.0,
        "final_accuracy": _mean(h, "accuracy", total - config.window, total),
        "chance_level": 1.0 / config.inputs.n_causes,
    }
    summary.update(rewiring_statistics(h, rule, total, iteration_s, start=min(20, total // 2)))
    if backend != "reference":
        # the all-to-all projection occupies one row per potential source on the emulator's
        # mapping; rows_max/rows_mean above are what the connected synapses need
        summary["rows_reserved_per_neuron"] = config.inputs.n_inputs + config.n_z - 1
    if lesion:
        lesions = []
        for n, les in enumerate(rule.lesions):
            end = rule.lesions[n + 1].iteration if n + 1 < len(rule.lesions) else total
            before = _mean(h, "accuracy", les.iteration - config.window, les.iteration)
            after = _mean(h, "accuracy", les.iteration, les.iteration + config.after_window)
            recovered = _mean(h, "accuracy", end - config.window, end)
            rates = [_mean(h, "post_rate_hz", a, b) for a, b in
                     ((les.iteration - config.window, les.iteration),
                      (les.iteration, les.iteration + config.after_window), (end - config.window, end))]
            lesions.append({"kind": les.kind, "amount": les.amount, "iteration": les.iteration,
                            "before": before, "right_after": after, "recovered": recovered,
                            "recovered_within_10pct": bool(recovered >= 0.9 * before),
                            "wta_rate_hz": dict(zip(("before", "right_after", "recovered"), rates))})
        summary["lesions"] = lesions
        summary["target_met"] = all(l["recovered_within_10pct"] for l in lesions)
    summary["history"] = h
    summary["trainer"] = trainer
    return summary


def temperature_comparison(backend: str = "reference", sim=None, seed: int = 1,
                           low_temperature: float = 0.1, iterations: int = 120,
                           config: StudyConfig | None = None,
                           setup_kwargs: dict | None = None) -> dict[str, Any]:
    """Experiment (d): the same training at T = 1 throughout vs annealed from 1 to ``low_temperature``.

    Returns final accuracy, connected fraction and mean |realised - requested| weight of both
    (each run calls ``sim.setup`` again, so one backend module serves both runs).
    """
    base = replace(config or StudyConfig(), pre=iterations)
    out = {}
    for name, cfg in (("T=1", replace(base, anneal_to=None)),
                      (f"annealed to T={low_temperature}", replace(base, anneal_to=low_temperature))):
        r = run_training(backend, sim, cfg, lesion=False, seed=seed, setup_kwargs=setup_kwargs)
        out[name] = {"final_accuracy": r["final_accuracy"],
                     "connected_fraction": _mean(r["history"], "connected_fraction",
                                                 iterations - base.window, iterations),
                     "mean_weight_error": _mean(r["history"], "weight_error", 0, iterations)}
    return out
