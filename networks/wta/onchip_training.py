"""The WTA's input weights learned on the chip: the plasticity processor runs the STDP rule.

With ``WtaConfig(plasticity="on-chip")`` the input projection of the circuit (relays -> z) is an
``OnlineEMSynapse`` of the emulated BrainScaleS-2 chip (preset ``bss2``): Nessler et al.'s
(2013) online-EM rule, run by the chip's plasticity processor during the presentations from its
causal correlation sensors (:mod:`neurohw.backends.emulator.chip.plasticity`). The in-the-loop
loop of :mod:`neurohw.hil` stays the same; the division of labour changes:

* the chip learns the input weights while it runs; after each iteration the host reads them back
  (``prj.get("weight")``, the realised 6-bit codes) and never writes them again -- only the
  initial weights (and, after a resume, the checkpointed ones) are written;
* the host does what the chip's program does not: the excitabilities (bias currents) from the
  read-back z spikes (:func:`~neurohw.networks.wta.training.bias_update`), the learning-rate
  schedule of the program (``eta_chip / (1 + eta_decay * iteration)``, a program parameter
  written between runs), evaluation and checkpoints.

:class:`WtaOnChipRule` is the :class:`~neurohw.hil.LearningRule` of this mode: it computes no
weight update -- its new weights are the chip's, taken from the observables. Its parameters are
``weights`` (K, N; log domain, the chip's), ``bias`` (K,) and ``eta_chip`` (the program's rate).

How the chip's rule differs from the host's (same math, :func:`neurohw.plasticity_rules.
em_weight_change`): it sees *every* z spike of a presentation -- there is no winner rule on the
chip, and bss2's 0.1 ms routing delay does not stop every loser of the race (about 2 z spikes per
presentation late in training, each from a different z-neuron, the later ones 0-0.6 ms after the
first; see :mod:`~neurohw.networks.wta.circuit`) -- its window is the
sensor's exponential trace of the nearest presynaptic spike (time constant ``window``, with
fixed-pattern noise) instead of a rectangle, its rate is constant per spike (annealed per
iteration, no per-synapse variance tracking) and it is applied at every visit of the update
controller (every 20 ms biological on bss2) with stochastic rounding onto the weight codes.

Measured (digits 0-4, K = 20, calibrated bss2 chip 0, 1600 presentations, ``neurohw train wta
--backend emulator --plasticity on-chip --seed S``): held-out accuracy 78.9 / 78.1 / 75.2 / 77.4
/ 78.9 % for seeds 1-5 (mean 77.7 %), against 72.6 / 80.0 / 80.0 / 81.9 / 83.7 % (mean 79.6 %)
with the host-computed update on the same chip (``--preset bss2``); ~15 s each.

Evaluation freezes learning: :meth:`OnChipWtaExperiment.winners` sets ``eta`` to
:data:`FROZEN_ETA` (0: the plasticity processor's program then changes no code) and counts the
synapses that changed anyway (``eval_weight_changes``; expected 0).
"""

from __future__ import annotations

from types import ModuleType
from typing import Any

import numpy as np

from neurohw.hil import LearningRule
from neurohw.networks.wta.circuit import OnChipEm, OnChipPlasticityError, build_wta_circuit
from neurohw.networks.wta.training import (PLASTICITY_MODES, WtaConfig, WtaExperiment,
                                           bias_update, initial_weights, spike_metrics)

__all__ = ["FROZEN_ETA", "ON_CHIP_PRESET", "WtaOnChipRule", "OnChipWtaExperiment",
           "check_plasticity", "on_chip_setup_kwargs"]

#: The learning rate written while evaluating: learning paused (see module docstring).
FROZEN_ETA = 0.0

#: The preset whose plasticity processor runs the online-EM program.
ON_CHIP_PRESET = "bss2"

#: Weights (log domain) closer than this count as equal (codes are ~0.08 apart).
_SAME_WEIGHT = 1e-9


def check_plasticity(mode: str, backend: str | None = None) -> str:
    """Return ``mode`` if it is a plasticity mode the ``backend`` can run; otherwise raise
    :class:`~neurohw.networks.wta.circuit.OnChipPlasticityError` saying what to use instead."""
    if mode not in PLASTICITY_MODES:
        raise OnChipPlasticityError(f"plasticity must be one of {', '.join(PLASTICITY_MODES)}, "
                                    f"got {mode!r}")
    if mode == "on-chip" and backend is not None and backend != "emulator":
        what = {"nest": "NEST has no on-chip plasticity processor (no OnlineEMSynapse)",
                "reference": "the numpy reference simulates no chip"}.get(
                    backend, f"backend {backend!r} has no chip")
        raise OnChipPlasticityError(
            f"plasticity 'on-chip' needs the emulated BrainScaleS-2 chip: {what}. Use "
            f"--backend emulator --preset {ON_CHIP_PRESET} --plasticity on-chip, or compute the "
            f"update on the host with --plasticity host")
    return mode


def on_chip_setup_kwargs(setup_kwargs: dict[str, Any] | None) -> dict[str, Any]:
    """``setup()`` keywords of an on-chip run: preset ``bss2`` unless given; bss1 is refused
    (its update controller applies fixed STDP tables, it has no plasticity processor)."""
    kwargs = dict(setup_kwargs or {})
    preset = kwargs.setdefault("preset", ON_CHIP_PRESET)
    if preset != ON_CHIP_PRESET:
        raise OnChipPlasticityError(
            f"plasticity 'on-chip' runs the online-EM rule on the plasticity processor of "
            f"BrainScaleS-2 (preset {ON_CHIP_PRESET!r}); preset {preset!r} has no programmable "
            f"processor. Use --preset {ON_CHIP_PRESET}, or --plasticity host to compute the "
            f"update on the host")
    return kwargs


class WtaOnChipRule(LearningRule):
    """The host's part when the chip learns the input weights (see the module docstring).

    ``update`` takes the weights the chip learned from the observables (``learned_weights``,
    read back by :class:`OnChipWtaExperiment`), updates the excitabilities from the counted z
    spikes (``config.bias_rule``) and sets the program's rate for the next iteration.
    """

    def __init__(self, n_inputs: int, config: WtaConfig) -> None:
        check_plasticity(config.plasticity)
        if not config.eta_chip > 0 or not config.eta_decay >= 0:
            raise OnChipPlasticityError(f"need eta_chip > 0 and eta_decay >= 0, got "
                                        f"{config.eta_chip}, {config.eta_decay}")
        self.n_inputs = int(n_inputs)
        self.config = config

    def eta(self, iteration: int) -> float:
        """The program's learning rate (per z spike, log-domain units) during ``iteration``."""
        return self.config.eta_chip / (1.0 + self.config.eta_decay * iteration)

    def initial_parameters(self, rng: np.random.Generator) -> dict[str, np.ndarray]:
        cfg = self.config
        return {"weights": initial_weights(cfg, self.n_inputs, rng),
                "bias": np.full(cfg.n_z, -np.log(cfg.n_z)),
                "eta_chip": np.asarray(self.eta(0))}

    def update(self, params, realised, observables, iteration, rng):
        if "learned_weights" not in observables:
            raise OnChipPlasticityError("the observables hold no weights read back from the "
                                        "chip; run this rule with OnChipWtaExperiment")
        return {"weights": np.asarray(observables["learned_weights"], dtype=float),
                "bias": bias_update(self.config, params["bias"], observables["winners"]),
                "eta_chip": np.asarray(self.eta(iteration + 1))}

    def metrics(self, params, realised, observables, iteration):
        out = spike_metrics(self.config, observables)
        before = np.asarray(realised.get("weights", params["weights"]), dtype=float)
        learned = np.asarray(observables.get("learned_weights", before), dtype=float)
        change = np.abs(learned - before)
        out["eta_chip"] = float(params["eta_chip"])
        out["weight_change_mean_abs"] = float(change.mean()) if change.size else 0.0
        out["weights_changed_fraction"] = float(np.mean(change > _SAME_WEIGHT)) \
            if change.size else 0.0
        return out


class OnChipWtaExperiment(WtaExperiment):
    """The LIF WTA circuit whose input synapses learn on the emulated bss2 chip.

    ``setup_kwargs`` go to ``sim.setup`` (preset ``bss2`` unless given; bss1 is refused).
    ``weight_writes`` counts the host's writes of the input weights (1 per build: the initial or
    checkpointed weights), ``eval_weight_changes`` the synapses whose code moved during
    evaluation despite the frozen rate.
    """

    def __init__(self, x_train: np.ndarray, config: WtaConfig,
                 setup_kwargs: dict[str, Any] | None = None) -> None:
        super().__init__(x_train, config, on_chip_setup_kwargs(setup_kwargs))
        self.weight_writes = 0
        self.eval_weight_changes = 0
        self._chip_weights: np.ndarray | None = None
        self._eta_on_chip: float | None = None
        self._frozen = False

    def build(self, sim: ModuleType) -> None:
        if not hasattr(sim, "OnlineEMSynapse"):
            check_plasticity("on-chip", getattr(sim, "__name__", "this backend"))
        cfg = self.config
        sim.setup(timestep=cfg.circuit.timestep, **self.setup_kwargs)
        rule = OnChipEm(eta=cfg.eta_chip, log_c=cfg.log_c, window=cfg.window)
        self.circuit = build_wta_circuit(sim, self.n_inputs, cfg.n_z, cfg.circuit, on_chip=rule)
        self._eta_on_chip = cfg.eta_chip
        self._chip_weights = None

    def _set_eta(self, eta: float) -> None:
        if eta != self._eta_on_chip:
            self.circuit.set_learning_rate(eta)
            self._eta_on_chip = eta

    def write_parameters(self, params):
        """Write the excitabilities and the program's rate; the input weights only when the
        chip does not hold them yet (after a build, or to evaluate other weights)."""
        weights = np.asarray(params["weights"], dtype=float)
        if self._chip_weights is None or weights.shape != self._chip_weights.shape or \
                not np.allclose(weights, self._chip_weights, rtol=0.0, atol=_SAME_WEIGHT):
            self.circuit.write_weights(weights)
            self.weight_writes += 1
            self._chip_weights = self.circuit.read_weights()
        self._set_eta(FROZEN_ETA if self._frozen else
                      float(params.get("eta_chip", self.config.eta_chip)))
        bias = self.circuit.write_bias(params["bias"])
        self.params = {"weights": self._chip_weights.copy(), "bias": np.asarray(bias)}
        return {"weights": self._chip_weights.copy(), "bias": bias}

    def run(self, iteration: int, seed: int):
        """One iteration's presentations. The chip's random streams (stochastic rounding of the
        weight codes, noise) restart from ``seed``, so they do not depend on how many runs came
        before. A resumed run continues from the checkpointed weights and excitabilities, but not
        bit-identically: the chip's dynamic state (membranes, sensor traces, the update
        controller's phase) is not part of a checkpoint."""
        sim = self.circuit.sim
        if callable(getattr(sim, "reseed", None)):
            sim.reseed(int(seed))
        return super().run(iteration, seed)

    def observe(self, block, iteration: int) -> dict[str, Any]:
        obs = super().observe(block, iteration)
        self._chip_weights = self.circuit.read_weights()
        obs["learned_weights"] = self._chip_weights.copy()
        return obs

    def winners(self, params, x, seed, chunk=100):
        """As :meth:`WtaExperiment.winners`, with the chip's learning frozen."""
        self._frozen = True
        try:
            self.write_parameters(params)
            before = self.circuit.read_weights()
            out = super().winners(params, x, seed, chunk)
            after = self.circuit.read_weights()
            self.eval_weight_changes += int(np.sum(np.abs(after - before) > _SAME_WEIGHT))
            self._chip_weights = after
        finally:
            self._frozen = False
        return out
