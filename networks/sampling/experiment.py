"""LIF sampling of a Boltzmann machine, trained in the loop on NEST or on the emulated chip.

:class:`SamplingExperiment` is the network side of :class:`neurohw.hil.HILTrainer`;
:func:`run_sampling_study` is the whole study the CLI (``neurohw train sampling``) and the demo
run: draw a target BM, measure the activation functions on the backend, sample the direct
translation (untrained), train in the loop, sample the trained parameters, report D_KL.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import numpy as np

import neurohw
from neurohw.errors import NeurohwError
from neurohw.hil import Experiment, HILTrainer, save_history, seed_for

from .activation import ActivationFit, load_fit, save_fit
from .boltzmann import (BoltzmannMachine, exact_distribution, kl_divergence,
                        random_boltzmann_machine, sampled_distribution, sampled_moments)
from .network import SamplingNetwork, calibrate_activation
from .neuron import SamplingNeuronConfig
from .rule import ContrastiveDivergenceRule
from .translation import boltzmann_to_synaptic, synaptic_to_boltzmann

#: Defaults of the study; the README's numbers come from these.
DEFAULTS: dict[str, Any] = {
    "n_units": 5,
    "iterations": 60,
    "iteration_ms": 5000.0,
    "sampling_ms": 1e5,
    "activation_ms": 5000.0,
    "activation_points": 9,
    "learning_rate": 1.0,
    "decay_iterations": 20.0,
    "momentum": 0.0,
    "seed": 1,
}

#: Seed offsets (passed through :func:`neurohw.hil.seed_for` with negative "iterations") of the
#: runs outside training, so they never coincide with a training iteration's seed.
EVALUATION_STREAM = -1
ACTIVATION_STREAM = -2


class SamplingStudyError(NeurohwError, ValueError):
    """Study settings that do not fit the chosen backend."""


class SamplingExperiment(Experiment):
    """The network side of in-the-loop training: Boltzmann (W, b) in, sampled moments out."""

    def __init__(self, network: SamplingNetwork, fit: ActivationFit, iteration_ms: float) -> None:
        if fit.n_units != network.n_units:
            raise SamplingStudyError(f"the activation fit covers {fit.n_units} neurons, the "
                                     f"network has {network.n_units}")
        self.network = network
        self.fit = fit
        self.iteration_ms = float(iteration_ms)
        self._last_run = None

    def build(self, sim) -> None:
        if self.network.sim is not sim:
            self.network.build(sim)

    def write_parameters(self, params):
        synaptic = boltzmann_to_synaptic(params["weights"], params["biases"], self.fit,
                                         self.network.config)
        realised = self.network.write(synaptic)
        weights, biases = synaptic_to_boltzmann(realised, self.fit, self.network.config)
        return {"weights": weights, "biases": biases}

    def run(self, iteration: int, seed: int):
        self._last_run = self.network.sample(self.iteration_ms, seed)
        return self._last_run.block

    def observe(self, block, iteration: int) -> dict[str, Any]:
        if self._last_run is None or self._last_run.block is not block:
            raise SamplingStudyError("observe() needs the block of the preceding run()")
        return observe_states(self.network.states(self._last_run))


def observe_states(states: np.ndarray) -> dict[str, Any]:
    """Moments and joint distribution of sampled states (the rule's observables)."""
    mean, corr = sampled_moments(states)
    return {"mean": mean, "corr": corr, "p_sampled": sampled_distribution(states),
            "n_samples": int(states.shape[0])}


def evaluate(network: SamplingNetwork, fit: ActivationFit, machine: BoltzmannMachine,
             target: BoltzmannMachine, duration_ms: float, seed: int) -> dict[str, Any]:
    """Sample the translation of ``machine`` for ``duration_ms`` and compare with ``target``.

    Returns D_KL(p_sampled || p_target) (nats), the sampled and target distributions and
    marginals, and the run's annotations (the emulator reports dropped events there).
    """
    experiment = SamplingExperiment(network, fit, duration_ms)
    experiment.write_parameters({"weights": machine.weights, "biases": machine.biases})
    run = network.sample(duration_ms, seed)
    obs = observe_states(network.states(run))
    p_target = exact_distribution(target.weights, target.biases)
    return {"dkl": kl_divergence(obs["p_sampled"], p_target), "p_sampled": obs["p_sampled"],
            "p_target": p_target, "marginals_sampled": obs["mean"],
            "marginals_target": target.moments()[0], "n_samples": obs["n_samples"],
            "noise_reseeded": run.reseeded, "annotations": _jsonable_annotations(run.annotations),
            "run": run}


def _jsonable_annotations(annotations: dict) -> dict:
    out = {}
    for key, value in annotations.items():
        if isinstance(value, (bool, int, float, str)) or value is None:
            out[key] = value
        elif isinstance(value, (np.integer, np.floating)):
            out[key] = value.item()
    return out


def _setup_kwargs(backend: str, chip_seed: int | None, calibration: Any, seed: int,
                  preset: str | None) -> dict[str, Any]:
    if backend == "emulator":
        kwargs: dict[str, Any] = {"chip_seed": 0 if chip_seed is None else int(chip_seed),
                                  "calibration": calibration, "seed": int(seed)}
        if preset is not None:
            kwargs["preset"] = preset
        return kwargs
    given = [name for name, value in (("chip_seed", chip_seed), ("calibration", calibration),
                                      ("preset", preset)) if value is not None]
    if given:
        raise SamplingStudyError(f"{', '.join(given)} only apply to the emulator backend; drop "
                                 f"them or use backend='emulator'")
    return {}


def run_sampling_study(backend: str = "nest", *, chip_seed: int | None = None,
                       calibration: Any = None, preset: str | None = None,
                       iterations: int = DEFAULTS["iterations"], seed: int = DEFAULTS["seed"],
                       n_units: int = DEFAULTS["n_units"],
                       iteration_ms: float = DEFAULTS["iteration_ms"],
                       sampling_ms: float = DEFAULTS["sampling_ms"],
                       activation_ms: float = DEFAULTS["activation_ms"],
                       learning_rate: float = DEFAULTS["learning_rate"],
                       decay_iterations: float = DEFAULTS["decay_iterations"],
                       momentum: float = DEFAULTS["momentum"],
                       activation_fit: ActivationFit | str | Path | None = None,
                       config: SamplingNeuronConfig | None = None,
                       out: str | Path | None = None, checkpoint: str | Path | None = None,
                       progress: bool = False) -> dict[str, Any]:
    """Train a LIF-sampling network to a random 5-unit BM in the loop and report D_KL.

    Steps: draw the target (W_ij ~ U(-1, 1), b_i ~ U(-1, 1), from ``seed``); build the network
    on ``backend``; measure the activation functions (or load ``activation_fit``); sample the
    direct translation of the target for ``sampling_ms`` (D_KL initial); train ``iterations``
    iterations of ``iteration_ms`` each with :class:`ContrastiveDivergenceRule`; sample the
    trained parameters for ``sampling_ms`` (D_KL final, same noise seed as the initial one).

    Parameters
    ----------
    backend
        "nest" or "emulator".
    chip_seed, calibration, preset
        emulator only: which chip, its calibration (None, a file, an object or "auto"), preset.
    out
        folder for plots (KL vs iteration, sampled vs target, activation), history and
        ``result.json``; None writes nothing.
    checkpoint
        checkpoint file of the trainer (resume when it exists).

    Returns a JSON-able dict with at least dkl_initial, dkl_final, iterations,
    sampling_time_ms, backend and wall_s.
    """
    started = time.perf_counter()
    backend = backend.strip().lower()
    setup_kwargs = _setup_kwargs(backend, chip_seed, calibration, seed, preset)
    sim = neurohw.backend(backend)
    config = config or SamplingNeuronConfig()
    target = random_boltzmann_machine(n_units, np.random.default_rng(seed))
    network = SamplingNetwork(n_units, config, setup_kwargs=setup_kwargs)
    network.build(sim)

    if activation_fit is None:
        fit = calibrate_activation(network, activation_ms, seed_for(seed, ACTIVATION_STREAM),
                                   DEFAULTS["activation_points"])
    elif isinstance(activation_fit, ActivationFit):
        fit = activation_fit
    else:
        fit = load_fit(activation_fit)
    if fit.n_units != n_units:
        raise SamplingStudyError(f"activation fit for {fit.n_units} neurons, network has "
                                 f"{n_units}")

    eval_seed = seed_for(seed, EVALUATION_STREAM)
    initial = evaluate(network, fit, target, target, sampling_ms, eval_seed)

    rule = ContrastiveDivergenceRule(target, learning_rate, decay_iterations, momentum)
    experiment = SamplingExperiment(network, fit, iteration_ms)
    fingerprint = {"network": "sampling", "backend": backend, "chip_seed": chip_seed,
                   "calibration": None if calibration is None else str(calibration),
                   "preset": preset, "seed": seed, "n_units": n_units,
                   "iteration_ms": iteration_ms, "learning_rate": learning_rate,
                   "decay_iterations": decay_iterations, "momentum": momentum,
                   "config": config.as_dict()}
    trainer = HILTrainer(sim, experiment, rule, iterations=int(iterations), seed=seed,
                         checkpoint_path=checkpoint, checkpoint_every=10, progress=progress,
                         fingerprint=fingerprint)
    result = trainer.train()
    trained = BoltzmannMachine(_symmetric(result.parameters["weights"]),
                               result.parameters["biases"])
    final = evaluate(network, fit, trained, target, sampling_ms, eval_seed)
    realised = experiment.write_parameters({"weights": trained.weights,
                                            "biases": trained.biases})

    summary: dict[str, Any] = {
        "backend": backend,
        "chip_seed": chip_seed if backend == "emulator" else None,
        "calibration": None if calibration is None else str(calibration),
        "preset": preset,
        "seed": seed,
        "n_units": n_units,
        "target_distribution": "W_ij = W_ji ~ U(-1, 1), b_i ~ U(-1, 1)",
        "dkl_initial": initial["dkl"],
        "dkl_final": final["dkl"],
        "improvement": initial["dkl"] / final["dkl"] if final["dkl"] > 0 else float("inf"),
        "iterations": int(iterations),
        "resumed_from": result.resumed_from,
        "iteration_ms": float(iteration_ms),
        "sampling_time_ms": float(sampling_ms),
        "noise_reseeded": bool(initial["noise_reseeded"]),
        "wall_s": time.perf_counter() - started,
        "target": {"weights": target.weights, "biases": target.biases},
        "trained": {"weights": trained.weights, "biases": trained.biases},
        "realised": realised,
        "activation": {"v_half_mV": fit.v_half, "alpha_mV": fit.alpha},
        "p_target": initial["p_target"],
        "p_sampled_initial": initial["p_sampled"],
        "p_sampled_final": final["p_sampled"],
        "annotations_final": final["annotations"],
        "history": result.history,
        # elephant statistics of the sampling neurons in the final evaluation (rates, ISI CVs)
        "spike_statistics": spike_statistics(final["run"].block,
                                             (final["run"].t_start, final["run"].t_stop)),
    }
    if hasattr(sim, "energy_report"):
        # the whole study (activation measurement, sampling, training) is one segment
        summary["energy"] = dict(sim.energy_report())
    if out is not None:
        summary["files"] = write_report(summary, fit, out, final_run=final["run"])
    return summary


def spike_statistics(block, window_ms: tuple[float, float]) -> dict[str, Any]:
    """:func:`neurohw.analysis.spike_statistics` of the sampling neurons in ``window_ms``."""
    from neurohw import analysis

    return analysis.spike_statistics(analysis.spiketrain_list(block, window_ms))


def _symmetric(weights: np.ndarray) -> np.ndarray:
    w = 0.5 * (np.asarray(weights, dtype=float) + np.asarray(weights, dtype=float).T)
    np.fill_diagonal(w, 0.0)
    return w


def write_report(summary: dict[str, Any], fit: ActivationFit, out: str | Path,
                 final_run=None) -> dict[str, str]:
    """Write history, plots, the activation fit and ``result.json`` to ``out``; with
    ``final_run`` (the final evaluation's :class:`SampleRun`) also the spike analysis
    (``spikes_analysis.json``: rates, ISI CVs, correlations; ``spikes_raster.png``)."""
    from neurohw.cliutil import write_json_atomic

    from .plots import plot_activation, plot_distributions, plot_kl

    folder = Path(out)
    folder.mkdir(parents=True, exist_ok=True)
    files = {k: str(v) for k, v in save_history(summary["history"], folder,
                                                keys=["dkl"], logy=True).items()}
    files["kl_vs_iteration"] = str(plot_kl(summary, folder / "kl_vs_iteration.png"))
    files["sampled_vs_target"] = str(plot_distributions(summary,
                                                        folder / "sampled_vs_target.png"))
    if fit.p_on.size:
        files["activation_plot"] = str(plot_activation(fit, folder / "activation.png"))
    files["activation_fit"] = str(save_fit(fit, folder / "activation_fit.json"))
    if final_run is not None:
        from neurohw.analysis import write_spike_analysis

        written = write_spike_analysis(
            {f"{summary['backend']}, trained": final_run.block}, folder, stem="spikes",
            raster_ms=min(500.0, final_run.t_stop - final_run.t_start),
            window_ms=(final_run.t_start, final_run.t_stop),
            title="sampling neurons, final evaluation")
        files["spike_raster"] = written["files"]["raster"]
        files["spike_analysis"] = written["files"]["analysis"]
    files["result"] = str(folder / "result.json")
    write_json_atomic(folder / "result.json", {**summary, "files": files})
    return files
