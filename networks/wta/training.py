"""In-the-loop training of the WTA circuit with ``neurohw.hil``, and its numpy reference twin.

One iteration presents a batch of training samples (``batch`` presentations of ``duration`` ms
separated by ``gap`` ms of silence), reads every input and z spike back, and applies the rules of
:mod:`~neurohw.networks.wta.rules` on the host:

* :class:`WtaStdpRule` -- a :class:`~neurohw.hil.LearningRule`: input-weight STDP and the
  excitability rule with adaptive (variance-tracking) or constant learning rates;
* :class:`WtaExperiment` -- the PyNN circuit (NEST or emulator) as an :class:`~neurohw.hil.Experiment`;
* :class:`ReferenceWtaExperiment` -- the stochastic WTA of Nessler et al. (2013) simulated in numpy:
  the circuit fires as a Poisson process of total rate ``z_rate`` during a presentation and each
  spike is emitted by neuron ``k`` with probability ``softmax(u)_k``, ``u_k = sum_i w_ki y_i(t) +
  w_k0`` (``y_i(t)`` = input i spiked within ``window`` ms). It produces spike trains that go
  through exactly the same observation and rule code as the PyNN circuit.

Both experiments evaluate a parameter set without learning through :meth:`winners`.
"""

from __future__ import annotations

from abc import abstractmethod
from dataclasses import asdict, dataclass, field
from types import ModuleType
from typing import Any

import neo
import numpy as np

from neurohw.hil import Experiment, LearningRule
from neurohw.networks.wta.circuit import CircuitParameters, build_wta_circuit
from neurohw.networks.wta.data import (WtaDataError, budget_rates, on_off_code, on_only_code,
                                       rate_coded_spikes)
from neurohw.networks.wta.metrics import winners_from_spikes
from neurohw.networks.wta.rules import (ConstantRate, VarianceTrackingRate, WtaRuleError,
                                        excitability_update, homeostatic_excitability_update,
                                        input_weight_update, inputs_active_before)
from neurohw.networks.wta.winner_rule import check_winner_rule, decision_mask

__all__ = ["WtaConfig", "WtaStdpRule", "WtaExperiment", "ReferenceWtaExperiment",
           "SpikeRecord", "presentation_onsets", "spikes_to_observables",
           "mixture_log_likelihood", "bias_update", "spike_metrics", "initial_weights",
           "PLASTICITY_MODES"]

#: Where the input weights learn (``WtaConfig.plasticity``).
PLASTICITY_MODES = ("host", "on-chip")


@dataclass(frozen=True)
class WtaConfig:
    """Settings of a WTA training run (times in ms, rates in Hz).

    ``input_replicas`` copies every ON/OFF input neuron (copies adjacent), which scales the drive
    of small inputs up to what the LIF circuit is tuned for. ``log_c`` is ``log c`` of the STDP rule: weights live in ``[0, log_c]``, i.e. probabilities
    down to ``exp(-log_c)`` are represented. ``eta_*`` bound the adaptive learning rates (or give
    the constant one, ``learning_rate="constant"`` uses ``eta_max``). ``bias_rule`` picks the
    excitability rule: ``"prior"`` (Nessler et al. 2013; ``w_k0 -> log p(k)``) or
    ``"homeostatic"`` (every neuron used equally; evens out a chip's mismatch).

    ``input_code`` is ``"on_off"`` (Nessler et al. 2013: two neurons per pixel) or ``"on_only"``
    (only the pixels that are 1 drive a neuron: half the host events). ``input_budget`` (events
    per biological ms for the whole input population, or None) replaces ``rate_on``: each
    presentation's active inputs then fire at ``1000 * input_budget / n_active`` Hz, so the total
    input rate is fixed -- set it below a chip's host budget (bss1: 4 events/ms per 10 ms window)
    and no input event is dropped.

    ``eta_decay`` anneals the input-weight learning rates as ``1 / (1 + eta_decay * iteration)``
    (a Robbins-Monro schedule, as stochastic approximation and online EM need for convergence:
    Cappé & Moulines 2009, J R Stat Soc B 71:593); 0 keeps them as the rate rule gives them.

    ``winner_rule`` picks the z spikes that count as the circuit's decision, for the update and
    for the accuracy read-out (:mod:`~neurohw.networks.wta.winner_rule`): ``"all"`` (every spike,
    the paper's rule with instantaneous inhibition), ``"first"`` (the first spike of each
    presentation: the winner of the race, a sample of ``softmax(u)``) or ``"latency"`` (the first
    neuron of every race, races separated by ``loop_latency`` ms of silence). With a synaptic
    delay (a bss1 chip routes every synapse with 1 ms) the spikes fired before the inhibition
    arrives are not samples of the posterior; ``"first"`` ignores them.

    ``plasticity`` says where the input weights learn: ``"host"`` (the rule above, computed on
    the host from the read-back spikes and written into the network every iteration) or
    ``"on-chip"`` (:mod:`~neurohw.networks.wta.onchip_training`: the emulated bss2 chip's
    plasticity processor runs the same rule during the runs, ``OnlineEMSynapse``, with constant
    learning rate ``eta_chip`` per z spike -- every z spike, the chip has no winner rule --
    annealed by ``eta_decay``, ``log_c`` and ``window`` as the sensor's time constant; the host
    keeps the excitabilities). ``eta_chip`` is unused by the host rule.
    """

    n_z: int = 20
    log_c: float = 5.0
    window: float = 10.0
    duration: float = 50.0
    gap: float = 30.0
    rate_on: float = 100.0
    rate_off: float = 0.0
    batch: int = 10
    learning_rate: str = "variance"
    eta_min: float = 0.0005
    eta_max: float = 0.005
    initial_variance: float = 0.5
    eta_decay: float = 0.0
    learn_bias: bool = True
    bias_rule: str = "prior"
    eta_bias: float = 0.0003
    eta_homeostasis: float = 0.05
    bias_min: float = -6.0
    bias_max: float = 0.0
    z_rate: float = 200.0
    w_init_spread: float = 0.2
    input_replicas: int = 1
    input_code: str = "on_off"
    input_budget: float | None = None
    winner_rule: str = "all"
    loop_latency: float = 2.5
    circuit: CircuitParameters = field(default_factory=CircuitParameters)
    plasticity: str = "host"
    eta_chip: float = 0.04

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)

    def fingerprint(self) -> dict[str, Any]:
        """The settings that identify a run (checkpoint fingerprint): :meth:`as_dict` without
        the on-chip settings when the host learns, so that checkpoints of host-learning runs
        written before on-chip learning existed stay valid."""
        out = self.as_dict()
        if self.plasticity == "host":
            out.pop("plasticity")
            out.pop("eta_chip")
        return out


def presentation_onsets(n: int, duration: float, gap: float, start: float = 1.0) -> np.ndarray:
    """Onset (ms) of each of ``n`` presentations of ``duration`` ms with ``gap`` ms between."""
    return start + np.arange(n) * (duration + gap)


@dataclass
class SpikeRecord:
    """Spikes of one run as plain arrays (ms): one array per input neuron and per z-neuron.

    ``annotations`` carries what the backend reported about the run (the emulator annotates its
    neo Blocks with dropped input events, lost synapses, hardware time, ...).
    """

    inputs: list[np.ndarray]
    z: list[np.ndarray]
    annotations: dict[str, Any] = field(default_factory=dict)


def _neo_to_arrays(block: neo.Block, size: int) -> list[np.ndarray]:
    """Spike times (ms) of a PyNN population's neo Block, one array per neuron (index order).

    PyNN writes spike trains in ms; the unit is checked once per train by name so that the
    slow unit-conversion machinery of ``quantities`` is only used when a backend differs.
    """
    out: list[np.ndarray] = [np.empty(0)] * size
    for position, train in enumerate(block.segments[0].spiketrains):
        index = int(train.annotations.get("source_index", position))
        if train.dimensionality.string == "ms":
            out[index] = np.asarray(train.magnitude, dtype=float)
        else:
            out[index] = np.asarray(train.rescale("ms").magnitude, dtype=float)
    return out


def spikes_to_observables(input_trains: list[np.ndarray], z_trains: list[np.ndarray],
                          window: float, onsets: np.ndarray | None = None,
                          duration: float = 0.0, winner_rule: str = "all",
                          loop_latency: float = 2.5) -> dict[str, np.ndarray]:
    """Winners and pre-before-post activity of the z spikes of a run that ``winner_rule`` counts.

    ``onsets`` / ``duration`` (ms) delimit the presentations (needed unless the rule is
    ``"all"``). Returns ``z_times`` (M,), ``winners`` (M,), ``active`` (M, N) uint8 for the
    counted spikes, and ``n_z_spikes``, the number of all z spikes.
    """
    lengths = np.array([t.size for t in z_trains], dtype=np.int64)
    times = np.concatenate(z_trains) if lengths.sum() else np.empty(0)
    ids = np.repeat(np.arange(len(z_trains)), lengths)
    order = np.argsort(times, kind="stable")
    times, ids = times[order], ids[order]
    n_all = times.size
    if winner_rule != "all":
        if onsets is None:
            raise WtaDataError(f"winner_rule {winner_rule!r} needs the presentation onsets")
        counted = decision_mask(times, ids, onsets, duration, winner_rule, loop_latency)
        times, ids = times[counted], ids[counted]
    active = inputs_active_before(input_trains, times, window)
    return {"z_times": times, "winners": ids, "active": active, "n_z_spikes": n_all}


def bias_update(config: WtaConfig, bias: np.ndarray, winners: np.ndarray) -> np.ndarray:
    """The excitabilities after one batch of counted z spikes (``winners``): the prior or the
    homeostatic rule of ``config.bias_rule``, clipped to ``[bias_min, bias_max]``; unchanged
    when ``config.learn_bias`` is off."""
    if not config.learn_bias:
        return bias
    if config.bias_rule == "prior":
        step = excitability_update(bias, winners, config.eta_bias)
    else:
        step = homeostatic_excitability_update(bias, winners, config.eta_homeostasis)
    return np.clip(bias + step, config.bias_min, config.bias_max)


def spike_metrics(config: WtaConfig, observables: dict[str, Any]) -> dict[str, float]:
    """History scalars of one iteration from its observables: z spikes (all and counted) per
    presentation, entropy (bits) of the counted winners, batch log-likelihood, input events."""
    winners = observables["winners"]
    n_pres = max(int(observables.get("n_presentations", 1)), 1)
    counts = np.bincount(winners, minlength=config.n_z)
    p = counts / max(counts.sum(), 1)
    return {
        "z_spikes_per_presentation": float(observables.get("n_z_spikes", winners.size))
        / n_pres,
        "counted_spikes_per_presentation": winners.size / n_pres,
        "winner_entropy_bits": float(-np.sum(p[p > 0] * np.log2(p[p > 0]))),
        "batch_log_likelihood": float(observables.get("log_likelihood", np.nan)),
        "dropped_input_events": float(observables.get("dropped_input_events", 0)),
        "input_events": float(observables.get("input_events", 0)),
    }


def initial_weights(config: WtaConfig, n_inputs: int, rng: np.random.Generator) -> np.ndarray:
    """Initial log-domain input weights (K, N): ``log_c - log 2`` plus jitter, clipped."""
    # exp(w_on) + exp(w_off) = c / 2 per pixel on average: p(on) = p(off) = 1/2, plus jitter
    centre = config.log_c - np.log(2.0)
    weights = centre + config.w_init_spread * rng.standard_normal((config.n_z, n_inputs))
    return np.clip(weights, 0.0, config.log_c)


class WtaStdpRule(LearningRule):
    """STDP of the input weights and the excitability rule (Nessler et al. 2013), on the host.

    Parameters ``weights`` (K, N) and ``bias`` (K,) are the log-domain ``w_ki`` and ``w_k0``.
    The update uses the host's continuous parameters (the backend may realise quantised values;
    the rule keeps the unquantised "shadow" values so that small steps accumulate).
    """

    def __init__(self, n_inputs: int, config: WtaConfig) -> None:
        if config.learning_rate not in ("variance", "constant"):
            raise WtaRuleError(f"learning_rate must be 'variance' or 'constant', got "
                               f"{config.learning_rate!r}")
        if not config.eta_decay >= 0:
            raise WtaRuleError(f"eta_decay must be >= 0 (per iteration), got {config.eta_decay}")
        self.n_inputs = int(n_inputs)
        self.config = config
        self.rate: VarianceTrackingRate | ConstantRate | None = None

    def _make_rate(self, weights: np.ndarray) -> None:
        cfg = self.config
        if cfg.learning_rate == "variance":
            self.rate = VarianceTrackingRate(weights, cfg.initial_variance, cfg.eta_min,
                                             cfg.eta_max)
        else:
            self.rate = ConstantRate(cfg.eta_max)

    def initial_parameters(self, rng: np.random.Generator) -> dict[str, np.ndarray]:
        cfg = self.config
        weights = initial_weights(cfg, self.n_inputs, rng)
        self._make_rate(weights)
        return {"weights": weights, "bias": np.full(cfg.n_z, -np.log(cfg.n_z))}

    def update(self, params, realised, observables, iteration, rng):
        cfg = self.config
        weights, bias = params["weights"], params["bias"]
        if self.rate is None:
            self._make_rate(weights)
        winners, active = observables["winners"], observables["active"]
        if winners.size == 0:
            return {"weights": weights, "bias": bias}
        eta = self.rate.rates(weights.shape) / (1.0 + cfg.eta_decay * iteration)
        delta = input_weight_update(weights, winners, active, np.exp(cfg.log_c), eta)
        new_weights = np.clip(weights + delta, 0.0, cfg.log_c)
        fired = np.bincount(winners, minlength=cfg.n_z) > 0
        self.rate.observe(new_weights, fired[:, None])
        return {"weights": new_weights, "bias": bias_update(cfg, bias, winners)}

    def metrics(self, params, realised, observables, iteration):
        out = spike_metrics(self.config, observables)
        out["mean_rate"] = float(np.mean(self.rate.rates(params["weights"].shape))) \
            if self.rate is not None else float("nan")
        return out

    def state_dict(self) -> dict[str, np.ndarray]:
        return {} if self.rate is None else self.rate.state_dict()

    def load_state_dict(self, state) -> None:
        if not state:
            return
        self.rate = VarianceTrackingRate(np.asarray(state["q"]), 0.0, self.config.eta_min,
                                         self.config.eta_max)
        self.rate.load_state_dict(state)


def mixture_log_likelihood(x: np.ndarray, weights: np.ndarray, bias: np.ndarray) -> float:
    """Mean log-likelihood (nats per sample) of binary ``x`` under the WTA's implicit mixture.

    Component k has ``p(pixel on) = e^w_on / (e^w_on + e^w_off)`` and prior ``softmax(bias)_k``.
    """
    n = x.shape[1]
    on, off = weights[:, :n], weights[:, n:]
    log_on = on - np.logaddexp(on, off)
    log_off = off - np.logaddexp(on, off)
    log_px = x @ log_on.T + (1 - x) @ log_off.T                      # (S, K)
    log_prior = bias - np.logaddexp.reduce(bias)
    return float(np.mean(np.logaddexp.reduce(log_px + log_prior, axis=1)))


class _WtaExperimentBase(Experiment):
    """Schedule and observation shared by the PyNN and the reference experiment."""

    def __init__(self, x_train: np.ndarray, config: WtaConfig) -> None:
        self.x_train = np.asarray(x_train, dtype=np.uint8)
        self.config = config
        check_winner_rule(config.winner_rule)
        self.codes_train = self.encode(self.x_train)
        self.n_inputs = self.codes_train.shape[1]
        self._batch_x: np.ndarray | None = None
        self._batch_onsets: np.ndarray | None = None
        self.params: dict[str, np.ndarray] = {}
        #: host input events generated and dropped (the emulator's neo annotation) in ``winners``
        self.eval_events = {"input_events": 0, "dropped_input_events": 0}

    def encode(self, x: np.ndarray) -> np.ndarray:
        """ON/OFF (or ON-only) code of binary samples, each input neuron repeated
        ``input_replicas`` times."""
        coder = {"on_off": on_off_code, "on_only": on_only_code}.get(self.config.input_code)
        if coder is None:
            raise WtaDataError(f"input_code must be 'on_off' or 'on_only', got "
                               f"{self.config.input_code!r}")
        return np.repeat(coder(np.asarray(x, dtype=np.uint8)), self.config.input_replicas, axis=1)

    def _schedule(self, codes: np.ndarray, rng: np.random.Generator):
        cfg = self.config
        onsets = presentation_onsets(codes.shape[0], cfg.duration, cfg.gap)
        rate_on = cfg.rate_on if cfg.input_budget is None else budget_rates(codes,
                                                                              cfg.input_budget)
        trains = rate_coded_spikes(codes, onsets, cfg.duration, rate_on, cfg.rate_off, rng,
                                   resolution=cfg.circuit.timestep)
        total = float(onsets[-1] + cfg.duration + cfg.gap) if codes.shape[0] else cfg.gap
        return onsets, trains, total

    @abstractmethod
    def _simulate(self, trains: list[np.ndarray], onsets: np.ndarray, total: float,
                  rng: np.random.Generator) -> SpikeRecord:
        """Run the network on these input spikes (ms); return every input and z spike."""

    def run(self, iteration: int, seed: int) -> SpikeRecord:
        """Present ``config.batch`` training samples drawn with ``seed``; return the spikes.

        (The PyNN experiment reads them from the neo Blocks PyNN returns; a plain
        :class:`SpikeRecord` keeps the per-iteration cost of neo/quantities out of the loop.)
        """
        rng = np.random.default_rng(seed)
        cfg = self.config
        chosen = rng.integers(0, self.x_train.shape[0], size=cfg.batch)
        self._batch_x = self.x_train[chosen]
        onsets, trains, total = self._schedule(self.codes_train[chosen], rng)
        self._batch_onsets = onsets
        return self._simulate(trains, onsets, total, rng)

    def observe(self, block, iteration: int) -> dict[str, Any]:
        cfg = self.config
        obs = spikes_to_observables(block.inputs, block.z, cfg.window, self._batch_onsets,
                                    cfg.duration, cfg.winner_rule, cfg.loop_latency)
        obs["n_presentations"] = self.config.batch
        obs["dropped_input_events"] = int(block.annotations.get("dropped_input_events", 0))
        obs["input_events"] = int(block.annotations.get("input_events", 0))
        if self._batch_x is not None and self.params and self.config.input_code == "on_off":
            weights = self.params["weights"]
            per_input = weights.reshape(weights.shape[0], -1, self.config.input_replicas)
            obs["log_likelihood"] = mixture_log_likelihood(self._batch_x, per_input.mean(axis=2),
                                                           self.params["bias"])
        return obs

    def winners(self, params: dict[str, np.ndarray], x: np.ndarray, seed: int,
                chunk: int = 100) -> np.ndarray:
        """The z-neuron answering each sample of ``x`` under ``params`` (no learning); -1: none."""
        self.write_parameters(params)
        codes = self.encode(x)
        rng = np.random.default_rng(seed)
        out = []
        for start in range(0, codes.shape[0], chunk):
            part = codes[start:start + chunk]
            onsets, trains, total = self._schedule(part, rng)
            record = self._simulate(trains, onsets, total, rng)
            z_trains = record.z
            for key in ("input_events", "dropped_input_events"):
                self.eval_events[key] += int(
                    record.annotations.get(key, 0))
            lengths = np.array([t.size for t in z_trains], dtype=np.int64)
            times = np.concatenate(z_trains) if lengths.sum() else np.empty(0)
            ids = np.repeat(np.arange(len(z_trains)), lengths)
            out.append(winners_from_spikes(times, ids, onsets, self.config.duration,
                                           self.config.n_z, self.config.winner_rule,
                                           self.config.loop_latency))
        return np.concatenate(out) if out else np.empty(0, dtype=np.int64)


class ReferenceWtaExperiment(_WtaExperimentBase):
    """The stochastic WTA of Nessler et al. (2013) in numpy (no simulator needed; ``sim`` unused).

    During each presentation the circuit fires as a Poisson process of total rate
    ``config.z_rate`` (the effect of the shared inhibition); spike m is emitted by neuron k with
    probability ``softmax(u(t_m))_k``, ``u_k = sum_i w_ki y_i(t_m) + w_k0``, where ``y_i(t)`` = 1
    when input i spiked within ``config.window`` ms before t. Weights are clipped to
    ``[0, log_c]`` as on the LIF circuit.
    """

    def build(self, sim: ModuleType | None) -> None:
        self.params = {}

    def write_parameters(self, params):
        self.params = {"weights": np.clip(np.asarray(params["weights"], dtype=float), 0.0,
                                          self.config.log_c),
                       "bias": np.asarray(params["bias"], dtype=float)}
        return {k: v.copy() for k, v in self.params.items()}

    def _simulate(self, trains, onsets, total, rng):
        cfg = self.config
        counts = rng.poisson(cfg.z_rate * cfg.duration * 1e-3, size=onsets.size)
        times = np.repeat(onsets, counts) + rng.random(counts.sum()) * cfg.duration
        times = np.sort(np.round(times / cfg.circuit.timestep) * cfg.circuit.timestep)
        y = inputs_active_before(trains, times, cfg.window).astype(float)
        u = y @ self.params["weights"].T + self.params["bias"]                   # (M, K)
        p = np.exp(u - u.max(axis=1, keepdims=True))
        p /= p.sum(axis=1, keepdims=True)
        ids = (rng.random((times.size, 1)) > np.cumsum(p, axis=1)).sum(axis=1)
        ids = np.minimum(ids, cfg.n_z - 1)
        order = np.argsort(ids, kind="stable")
        bounds = np.searchsorted(ids[order], np.arange(cfg.n_z + 1))
        z_trains = np.split(times[order], bounds[1:-1])
        return SpikeRecord(trains, z_trains, {"backend": "reference", "dropped_input_events": 0,
                                              "input_events": int(sum(t.size for t in trains))})


class WtaExperiment(_WtaExperimentBase):
    """The LIF WTA circuit of :mod:`~neurohw.networks.wta.circuit` on a PyNN backend.

    ``setup_kwargs`` go to ``sim.setup`` (e.g. ``chip_seed`` on the emulator).
    """

    def __init__(self, x_train: np.ndarray, config: WtaConfig,
                 setup_kwargs: dict[str, Any] | None = None) -> None:
        super().__init__(x_train, config)
        self.setup_kwargs = dict(setup_kwargs or {})
        self.circuit = None
        self.last_annotations: dict[str, Any] = {}
        self._dropped_so_far = 0

    def build(self, sim: ModuleType) -> None:
        sim.setup(timestep=self.config.circuit.timestep, **self.setup_kwargs)
        self.circuit = build_wta_circuit(sim, self.n_inputs, self.config.n_z, self.config.circuit)

    def write_parameters(self, params):
        weights = np.clip(np.asarray(params["weights"], dtype=float), 0.0, self.config.log_c)
        self.params = {"weights": weights, "bias": np.asarray(params["bias"], dtype=float)}
        realised_w, realised_b = self.circuit.write(weights, self.params["bias"])
        return {"weights": realised_w, "bias": realised_b}

    def _simulate(self, trains, onsets, total, rng):
        input_block, z_block, start = self.circuit.present(trains, total)
        annotations = {k: v for k, v in z_block.annotations.items()
                       if isinstance(v, (int, float, str, bool))}
        # the emulator counts dropped host events cumulatively since setup(): take this run's share
        dropped_total = int(annotations.get("dropped_input_events", 0))
        annotations["dropped_input_events"] = dropped_total - self._dropped_so_far
        self._dropped_so_far = dropped_total
        annotations["input_events"] = int(sum(t.size for t in trains))
        self.last_annotations = annotations
        return SpikeRecord([t - start for t in _neo_to_arrays(input_block, self.n_inputs)],
                           [t - start for t in _neo_to_arrays(z_block, self.config.n_z)],
                           annotations)
