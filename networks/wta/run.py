"""Train a WTA circuit on a data set and score it: the one entry point of CLI, examples and tests.

>>> from neurohw.networks.wta.run import train_wta
>>> result = train_wta("reference", "digits", iterations=300, seed=1)
>>> result["test"]["accuracy"]
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import numpy as np

from neurohw.hil import HILTrainer, save_history
from neurohw.networks.wta.chip_calibration import calibrate_wta_chip
from neurohw.networks.wta.data import BinaryDataset, bernoulli_mixture, load_digits_binary
from neurohw.networks.wta.metrics import (cluster_scores, label_neurons, learned_on_probabilities,
                                          match_components, weight_images)
from neurohw.networks.wta.onchip_training import (OnChipWtaExperiment, WtaOnChipRule,
                                                  check_plasticity)
from neurohw.networks.wta.training import (ReferenceWtaExperiment, WtaConfig, WtaExperiment,
                                           WtaStdpRule)

__all__ = ["BACKENDS", "load_dataset", "make_experiment", "make_rule", "pixel_probabilities",
           "train_wta"]

BACKENDS = ("reference", "nest", "emulator")


def load_dataset(name: str, seed: int = 0) -> BinaryDataset:
    """``"digits"`` (digits 0-4, 30 % held out) or ``"synthetic"`` (4-component Bernoulli mixture)."""
    if name == "digits":
        return load_digits_binary(seed=seed)
    if name == "synthetic":
        return bernoulli_mixture(seed=seed)
    raise ValueError(f"unknown data set {name!r}; choose 'digits' or 'synthetic'")


def make_experiment(backend: str, x_train: np.ndarray, config: WtaConfig,
                    setup_kwargs: dict | None = None):
    """(sim module or None, experiment) for ``backend`` in :data:`BACKENDS`.

    ``config.plasticity == "on-chip"`` needs the emulator (preset bss2, the default then):
    :class:`~neurohw.networks.wta.onchip_training.OnChipWtaExperiment`.
    """
    if backend not in BACKENDS:
        raise ValueError(f"unknown backend {backend!r}; choose one of {', '.join(BACKENDS)}")
    on_chip = check_plasticity(config.plasticity, backend) == "on-chip"
    if backend == "reference":
        return None, ReferenceWtaExperiment(x_train, config)
    experiment = (OnChipWtaExperiment(x_train, config, setup_kwargs) if on_chip
                  else WtaExperiment(x_train, config, setup_kwargs))
    import neurohw

    return neurohw.backend(backend), experiment


def make_rule(n_inputs: int, config: WtaConfig):
    """The learning rule of ``config.plasticity``: the host's STDP update
    (:class:`~neurohw.networks.wta.training.WtaStdpRule`) or the host's part of on-chip
    learning (:class:`~neurohw.networks.wta.onchip_training.WtaOnChipRule`)."""
    if check_plasticity(config.plasticity) == "on-chip":
        return WtaOnChipRule(n_inputs, config)
    return WtaStdpRule(n_inputs, config)


def pixel_probabilities(weights: np.ndarray, n_features: int, config: WtaConfig) -> np.ndarray:
    """What each z-neuron's weights say about every pixel (K, n_features), for images/matching.

    ON/OFF code: ``p(pixel on | z_k)`` (see :func:`learned_on_probabilities`). ON-only code: the
    rule's fixed point is ``w = log p(input spiked in the window | z_k) + log c``, so
    ``exp(w - log c)`` (replicas averaged) is returned -- proportional to how often the pixel is
    on in the samples the neuron wins.
    """
    weights = np.asarray(weights, dtype=float)
    per_input = weights.reshape(weights.shape[0], -1, config.input_replicas).mean(axis=2)
    if config.input_code == "on_only":
        return np.exp(per_input - config.log_c)
    return learned_on_probabilities(per_input, n_features)


def train_wta(backend: str = "reference", dataset: str | BinaryDataset = "digits",
              config: WtaConfig | None = None, iterations: int = 300, seed: int = 1,
              data_seed: int = 0, out: str | Path | None = None,
              checkpoint: str | Path | None = None, progress: bool = False,
              setup_kwargs: dict | None = None, eval_train: int | None = 600,
              calibrate: bool = False) -> dict[str, Any]:
    """Train in the loop, then label the z-neurons on training data and score held-out data.

    Parameters
    ----------
    backend
        ``"reference"`` (numpy stochastic WTA), ``"nest"`` or ``"emulator"``.
    dataset
        ``"digits"``, ``"synthetic"`` or a :class:`BinaryDataset`.
    iterations
        HIL iterations (each presents ``config.batch`` samples).
    eval_train
        how many training samples label the neurons (None: all).
    calibrate
        emulator only: calibrate the circuits the WTA occupies to its own parameters before
        training (:func:`~neurohw.networks.wta.chip_calibration.calibrate_wta_chip`; ignored
        when ``setup_kwargs`` already names a calibration or asks for an ideal chip).

    ``config.plasticity = "on-chip"`` (emulator, preset bss2): the chip learns the input weights
    (:mod:`~neurohw.networks.wta.onchip_training`); the report's ``plasticity`` entry says how
    often the host wrote them (``weight_writes``: once, the initial weights) and whether
    evaluation moved any (``eval_weight_changes``).

    Returns a JSON-able dict: ``test`` and ``train`` scores (accuracy, H(label | winner) in bits),
    ``components`` (synthetic data: correlation of each true component with its best match),
    ``history`` and timing.
    """
    config = config or WtaConfig()
    data = load_dataset(dataset, data_seed) if isinstance(dataset, str) else dataset
    sim, experiment = make_experiment(backend, data.x_train, config, setup_kwargs)
    calibration_info = None
    kwargs = experiment.setup_kwargs if backend != "reference" else {}
    if (backend == "emulator" and calibrate and kwargs.get("calibration") is None
            and not kwargs.get("ideal", False)):
        started = time.perf_counter()
        calibration = calibrate_wta_chip(config.circuit, experiment.n_inputs, config.n_z,
                                         chip_seed=int(kwargs.get("chip_seed", 0)),
                                         preset=str(kwargs.get("preset", "bss1")))
        kwargs["calibration"] = calibration
        calibration_info = {"id": calibration.id, "chip_seed": calibration.chip_seed,
                            "preset": calibration.preset,
                            "n_circuits": int(calibration.circuits.size),
                            "wall_s": time.perf_counter() - started}
    rule = make_rule(experiment.n_inputs, config)
    fingerprint = {"network": "wta", "backend": backend, "dataset": data.name,
                   "config": config.fingerprint(), "data_seed": data_seed,
                   "calibrated": calibration_info is not None}
    trainer = HILTrainer(sim, experiment, rule, iterations=iterations, seed=seed,
                         checkpoint_path=checkpoint, checkpoint_every=25, progress=progress,
                         fingerprint=fingerprint)
    started = time.perf_counter()
    result = trainer.train()
    train_s = time.perf_counter() - started
    params = result.parameters
    n_label = data.x_train.shape[0] if eval_train is None else min(eval_train,
                                                                    data.x_train.shape[0])
    started = time.perf_counter()
    train_winners = experiment.winners(params, data.x_train[:n_label], seed=seed + 10_000)
    test_winners = experiment.winners(params, data.x_test, seed=seed + 20_000)
    eval_s = time.perf_counter() - started
    n_classes = int(max(data.y_train.max(), data.y_test.max())) + 1
    neuron_labels = label_neurons(train_winners, data.y_train[:n_label], config.n_z, n_classes)
    report: dict[str, Any] = {
        "backend": backend,
        "dataset": data.name,
        "classes": list(data.classes),
        "n_z": config.n_z,
        "iterations": iterations,
        "presentations": iterations * config.batch,
        "seed": seed,
        "test": cluster_scores(test_winners, data.y_test, neuron_labels, n_classes),
        "train": cluster_scores(train_winners, data.y_train[:n_label], neuron_labels, n_classes),
        "neuron_labels": neuron_labels,
        "train_wall_s": train_s,
        "eval_wall_s": eval_s,
        "history": result.history,
        "calibration": calibration_info,
        "plasticity": _plasticity_report(config, experiment),
    }
    train_events = sum(h.get("input_events", 0) for h in result.history)
    train_dropped = sum(h.get("dropped_input_events", 0) for h in result.history)
    report["host_input"] = {
        "train_events": int(train_events), "train_dropped": int(train_dropped),
        "eval_events": int(experiment.eval_events["input_events"]),
        "eval_dropped": int(experiment.eval_events["dropped_input_events"]),
        "dropped_fraction": float((train_dropped + experiment.eval_events["dropped_input_events"])
                                  / max(train_events + experiment.eval_events["input_events"], 1)),
    }
    probabilities = pixel_probabilities(params["weights"], data.n_features, config)
    if data.components is not None:
        match = match_components(probabilities, data.components)
        report["components"] = {"correlation": match["correlation"], "index": match["index"],
                                "min_correlation": match["min_correlation"]}
    if out is not None:
        out = Path(out)
        out.mkdir(parents=True, exist_ok=True)
        weight_images(probabilities, data.image_shape, out / "weights.png",
                      titles=[f"z{k}: {lab}" for k, lab in enumerate(neuron_labels)])
        save_history(result.history, out, keys=["batch_log_likelihood",
                                                "z_spikes_per_presentation"])
        np.savez(out / "parameters.npz", **{k: np.asarray(v) for k, v in params.items()})
        report["out"] = str(out)
    report["parameters"] = params
    return report


def _plasticity_report(config: WtaConfig, experiment) -> dict[str, Any]:
    """Where the input weights learned, and (on-chip) what the host did to them."""
    if config.plasticity != "on-chip":
        return {"mode": "host", "winner_rule": config.winner_rule}
    return {"mode": "on-chip", "synapse": "OnlineEMSynapse",
            "preset": experiment.setup_kwargs.get("preset"), "eta_chip": config.eta_chip,
            "eta_decay": config.eta_decay, "window_ms": config.window, "log_c": config.log_c,
            "w_max_nA": config.circuit.weight_scale * config.log_c,
            "weight_writes": int(experiment.weight_writes),
            "eval_weight_changes": int(experiment.eval_weight_changes)}
