"""Learning the explaining-away network with one WTA module per variable, in the loop.

Each iteration draws ``batch`` samples of the true network (Knill & Kersten 1991; see
:mod:`~neurohw.networks.wta.bayesnet`) and presents each module the ON/OFF-coded values of its
variable and Markov blanket as rate-coded spike trains. Every module learns with the WTA rules of
Nessler et al. (2013) (:class:`~neurohw.networks.wta.training.WtaStdpRule`). After every iteration
the modules' conditionals give the joint their Gibbs sampler converges to; the history records its
KL divergence to the true joint and the explaining-away query (Pecevski & Maass 2016).

On PyNN backends all modules are circuits of one network and run in the same simulation; they
share the chip's host input budget (:data:`MODULE_INPUT_BUDGET` events/ms each), and on the
emulator :func:`calibrate_bayesnet_chip` first calibrates the circuits they occupy.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, replace
from types import ModuleType
from typing import Any

import numpy as np

from neurohw.hil import Experiment, LearningRule
from neurohw.networks.wta.bayesnet import (N_VARIABLES, ExplainingAwayQuery, gibbs_kernel,
                                           kl_divergence, module_conditional, module_variables,
                                           sample_network, stationary_distribution, true_joint)
from neurohw.networks.wta.circuit import CircuitParameters, build_wta_circuit
from neurohw.networks.wta.training import (ReferenceWtaExperiment, SpikeRecord, WtaConfig,
                                           WtaExperiment, WtaStdpRule, _neo_to_arrays)

__all__ = ["BayesNetConfig", "BayesNetExperiment", "BayesNetRule", "module_configs",
           "bayesnet_calibration_targets", "calibrate_bayesnet_chip",
           "learned_joint", "learned_conditionals", "default_config", "train_bayesnet"]


@dataclass(frozen=True)
class BayesNetConfig:
    """Settings of the Bayesian-network run.

    ``z_per_state`` z-neurons per joint state of a module's variables (a module with m variables
    gets ``z_per_state * 2^m`` neurons, enough for its mixture to hold the module's joint exactly).
    ``module`` holds the WTA settings shared by all modules (``n_z`` is set per module).
    """

    z_per_state: int = 1
    n_samples: int = 5000
    module: WtaConfig = field(default_factory=lambda: WtaConfig(
        batch=20, duration=40.0, gap=20.0, eta_max=0.005, eta_min=0.0005, eta_bias=0.0003,
        rate_on=300.0))

    def as_dict(self) -> dict[str, Any]:
        out = asdict(self)
        out["module"] = self.module.fingerprint()   # host learning: as before on-chip existed
        return out


#: Active input neurons the LIF circuit's ``weight_scale`` is tuned for (64 ON/OFF pairs).
TUNED_ACTIVE_INPUTS = 64


def module_configs(config: BayesNetConfig) -> list[WtaConfig]:
    """The WTA settings of each variable's module.

    Without an input budget (fixed rate per active input) the LIF circuit's ``weight_scale`` is
    divided by the module's number of active inputs (variables x replicas) relative to the 64 it
    is tuned for, so every module gets the same drive. With ``module.input_budget`` (events per
    ms for each module's whole input population) the total input rate is already the same for
    every module and ``weight_scale`` is used as given (only the PyNN backends use it).
    """
    out = []
    for k in range(N_VARIABLES):
        n_vars = len(module_variables(k))
        circuit = config.module.circuit
        if config.module.input_budget is None:
            active = n_vars * config.module.input_replicas
            circuit = replace(circuit, weight_scale=circuit.weight_scale
                              * TUNED_ACTIVE_INPUTS / active)
        out.append(replace(config.module, n_z=config.z_per_state * 2 ** n_vars, circuit=circuit))
    return out


def bayesnet_calibration_targets(experiment: "BayesNetExperiment") -> dict[str, np.ndarray]:
    """Per-circuit calibration targets of all modules, in the order the emulator places them.

    :meth:`BayesNetExperiment.build` creates module 0's relays, z-neurons and interneurons, then
    module 1's, ...; spike sources take no circuit. Each block gets the targets of
    :func:`~neurohw.networks.wta.chip_calibration.wta_calibration_targets`.
    """
    from neurohw.networks.wta.chip_calibration import wta_calibration_targets

    blocks = [wta_calibration_targets(m.config.circuit, m.n_inputs, m.config.n_z)
              for m in experiment.modules]
    return {name: np.concatenate([b[name] for b in blocks]) for name in blocks[0]}


def calibrate_bayesnet_chip(experiment: "BayesNetExperiment", chip_seed: int = 0,
                            preset: str = "bss1"):
    """Calibrate the circuits all modules occupy on chip ``chip_seed`` (measure-and-fit, through
    the emulator only); returns the :class:`neurohw.hw_calibration.Calibration` for
    ``sim.setup(calibration=...)``."""
    from neurohw.hw_calibration import calibrate_chip

    targets = bayesnet_calibration_targets(experiment)
    n_circuits = int(next(iter(targets.values())).size)
    return calibrate_chip(int(chip_seed), preset, targets=targets, n_circuits=n_circuits)


def learned_conditionals(params: dict[str, np.ndarray], replicas: int) -> list[np.ndarray]:
    """``p(x_k = 1 | Markov blanket)`` of every trained module."""
    return [module_conditional(params[f"w{k}"], params[f"b{k}"], len(module_variables(k)),
                               replicas) for k in range(N_VARIABLES)]


def learned_joint(params: dict[str, np.ndarray], replicas: int) -> np.ndarray:
    """Stationary joint of the Gibbs sampler the trained modules implement (16 states)."""
    return stationary_distribution(gibbs_kernel(learned_conditionals(params, replicas)))


class BayesNetExperiment(Experiment):
    """Four WTA modules fed with samples of the true network; reference or PyNN backend."""

    def __init__(self, config: BayesNetConfig, backend: str, data_seed: int = 0,
                 setup_kwargs: dict | None = None) -> None:
        self.config = config
        self.backend = backend
        self.samples = sample_network(config.n_samples, np.random.default_rng(data_seed))
        kind = ReferenceWtaExperiment if backend == "reference" else WtaExperiment
        self.modules = [kind(self.samples[:, list(module_variables(k))], cfg)
                        for k, cfg in enumerate(module_configs(config))]
        self.setup_kwargs = dict(setup_kwargs or {})
        self.sim: ModuleType | None = None
        self._dropped_so_far = 0

    def build(self, sim: ModuleType | None) -> None:
        self.sim = sim
        if self.backend == "reference":
            for module in self.modules:
                module.build(None)
            return
        sim.setup(timestep=self.config.module.circuit.timestep, **self.setup_kwargs)
        for k, module in enumerate(self.modules):
            module.circuit = build_wta_circuit(sim, module.n_inputs, module.config.n_z,
                                               module.config.circuit, prefix=f"bn{k}")

    def write_parameters(self, params):
        realised = {}
        for k, module in enumerate(self.modules):
            out = module.write_parameters({"weights": params[f"w{k}"], "bias": params[f"b{k}"]})
            realised[f"w{k}"], realised[f"b{k}"] = out["weights"], out["bias"]
        return realised

    def run(self, iteration: int, seed: int) -> list[SpikeRecord]:
        """One batch for every module (the same samples: each module draws them with ``seed``)."""
        if self.backend == "reference":
            return [module.run(iteration, seed) for module in self.modules]
        start = float(self.sim.get_current_time())
        total = 0.0
        all_trains = []
        for module in self.modules:
            rng = np.random.default_rng(seed)
            chosen = rng.integers(0, module.x_train.shape[0], size=module.config.batch)
            module._batch_x = module.x_train[chosen]
            onsets, trains, total = module._schedule(module.codes_train[chosen], rng)
            module._batch_onsets = onsets
            module.circuit.load_inputs(trains, start)
            all_trains.append(trains)
        self.sim.run(total)
        records = []
        for module, trains in zip(self.modules, all_trains):
            input_block, z_block = module.circuit.collect()
            records.append(SpikeRecord(
                [t - start for t in _neo_to_arrays(input_block, module.n_inputs)],
                [t - start for t in _neo_to_arrays(z_block, module.config.n_z)],
                {"input_events": int(sum(t.size for t in trains)),
                 "dropped_input_events": 0}))
        # the emulator counts dropped host events cumulatively since setup() for the whole chip;
        # this run's share is reported once (with module 0)
        dropped_total = int(z_block.annotations.get("dropped_input_events", 0))
        records[0].annotations["dropped_input_events"] = dropped_total - self._dropped_so_far
        self._dropped_so_far = dropped_total
        return records

    def observe(self, block, iteration: int) -> dict[str, Any]:
        return {"modules": [module.observe(record, iteration)
                            for module, record in zip(self.modules, block)]}


class BayesNetRule(LearningRule):
    """The WTA rule in every module; metrics: KL(true || learned joint) and the query."""

    def __init__(self, experiment: BayesNetExperiment) -> None:
        self.replicas = experiment.config.module.input_replicas
        self.rules = [WtaStdpRule(m.n_inputs, m.config) for m in experiment.modules]
        self.truth = true_joint()
        self.query = ExplainingAwayQuery()

    def initial_parameters(self, rng):
        params = {}
        for k, rule in enumerate(self.rules):
            init = rule.initial_parameters(rng)
            params[f"w{k}"], params[f"b{k}"] = init["weights"], init["bias"]
        return params

    def update(self, params, realised, observables, iteration, rng):
        new = {}
        for k, (rule, obs) in enumerate(zip(self.rules, observables["modules"])):
            out = rule.update({"weights": params[f"w{k}"], "bias": params[f"b{k}"]}, {}, obs,
                              iteration, rng)
            new[f"w{k}"], new[f"b{k}"] = out["weights"], out["bias"]
        return new

    def metrics(self, params, realised, observables, iteration):
        joint = learned_joint(params, self.replicas)
        out = {"kl_true_learned": kl_divergence(self.truth, joint)}
        out.update(self.query.evaluate(joint))
        out["z_spikes_per_presentation"] = float(np.mean(
            [obs.get("n_z_spikes", obs["winners"].size) / max(obs["n_presentations"], 1)
             for obs in observables["modules"]]))
        out["input_events"] = float(sum(obs.get("input_events", 0)
                                        for obs in observables["modules"]))
        out["dropped_input_events"] = float(sum(obs.get("dropped_input_events", 0)
                                                for obs in observables["modules"]))
        return out

    def state_dict(self):
        state = {}
        for k, rule in enumerate(self.rules):
            state.update({f"m{k}/{key}": value for key, value in rule.state_dict().items()})
        return state

    def load_state_dict(self, state):
        for k, rule in enumerate(self.rules):
            rule.load_state_dict({key.split("/", 1)[1]: value for key, value in state.items()
                                  if key.startswith(f"m{k}/")})


#: Host input events per biological ms given to each module on the PyNN backends: the four
#: modules share a bss1 chip's ~4 events/ms (enforced per 10 ms window), so 4 x 0.75 = 3 events/ms
#: in total (0.7 % dropped at chip_seed 0).
MODULE_INPUT_BUDGET = 0.75


def default_config(backend: str) -> BayesNetConfig:
    """The settings the README's numbers come from.

    The numpy reference codes each variable by one ON/OFF pair at 300 Hz. The LIF circuits (NEST
    and the emulated chip run the same settings) get 4 copies of every ON/OFF input neuron; each
    module's whole input population emits :data:`MODULE_INPUT_BUDGET` events per ms (so the
    four modules stay inside the chip's host budget), with 0.03 nA per log unit of weight (a
    matching z-neuron then reaches threshold within ~10 ms). The first z spike of a presentation
    is the module's decision (``winner_rule="first"``: the bss1 routing delay of 1 ms lets several
    z-neurons answer before the inhibition arrives); the excitabilities follow the prior rule
    (``w_k0 -> log p(k)``, which the Bayesian network needs) with a weak bias current
    (0.01 nA per unit): with the circuit's 0.05 nA per unit a rare state's z-neuron, its
    excitability driven towards ``log p(k)`` ~ -5, was held 8 mV below rest, stopped winning its
    own state and the modules unlearned (KL 0.34-0.99 nats on the chip). Learning rates in
    [0.007, 0.07] (the digits WTA's), annealed as ``1 / (1 + 0.05 iteration)`` (Robbins-Monro,
    see :class:`~neurohw.networks.wta.training.WtaConfig`), and 0.003 for the excitabilities
    (one counted spike per presentation instead of the reference's ~8). On the emulator the
    circuits of all modules are calibrated first (``train_bayesnet(calibrate=True)``; the CLI
    does it by default). Emulator, chip_seed 0, 60 iterations: KL 0.0045 nats (README).
    """
    config = BayesNetConfig()
    if backend == "reference":
        return config
    circuit = replace(config.module.circuit, weight_scale=0.03, bias_scale=0.01)
    return replace(config, module=replace(
        config.module, input_code="on_off", input_replicas=4, input_budget=MODULE_INPUT_BUDGET,
        batch=40, eta_max=0.07, eta_min=0.007, eta_decay=0.05, eta_bias=0.003, bias_rule="prior",
        winner_rule="first", circuit=circuit))


def train_bayesnet(backend: str = "reference", config: BayesNetConfig | None = None,
                   iterations: int = 400, seed: int = 1, data_seed: int = 0,
                   checkpoint=None, progress: bool = False, setup_kwargs: dict | None = None,
                   n_chains: int = 2000, n_sweeps: int = 50,
                   calibrate: bool = False) -> dict[str, Any]:
    """Learn the explaining-away network in the loop; return KL and queries over training.

    After training, the query is also answered by Gibbs sampling with the modules'
    conditionals (``n_chains`` chains, ``n_sweeps`` sweeps after burn-in, evidence clamped).
    ``calibrate`` (emulator only): calibrate the circuits of all modules to their own parameters
    first (:func:`calibrate_bayesnet_chip`; ignored when ``setup_kwargs`` names a calibration or
    asks for an ideal chip).
    """
    import time

    from neurohw.hil import HILTrainer
    from neurohw.networks.wta.bayesnet import gibbs_sample

    config = config or default_config(backend)
    sim = None
    if backend != "reference":
        import neurohw

        sim = neurohw.backend(backend)
    experiment = BayesNetExperiment(config, backend, data_seed, setup_kwargs)
    calibration_info = None
    kwargs = experiment.setup_kwargs
    if (backend == "emulator" and calibrate and kwargs.get("calibration") is None
            and not kwargs.get("ideal", False)):
        started = time.perf_counter()
        calibration = calibrate_bayesnet_chip(experiment, int(kwargs.get("chip_seed", 0)),
                                              str(kwargs.get("preset", "bss1")))
        kwargs["calibration"] = calibration
        calibration_info = {"id": calibration.id, "chip_seed": calibration.chip_seed,
                            "preset": calibration.preset,
                            "n_circuits": int(calibration.circuits.size),
                            "wall_s": time.perf_counter() - started}
    rule = BayesNetRule(experiment)
    trainer = HILTrainer(sim, experiment, rule, iterations=iterations, seed=seed,
                         checkpoint_path=checkpoint, checkpoint_every=25, progress=progress,
                         fingerprint={"network": "bayesnet", "backend": backend,
                                      "config": config.as_dict(), "data_seed": data_seed,
                                      "calibrated": calibration_info is not None})
    result = trainer.train()
    replicas = config.module.input_replicas
    joint = learned_joint(result.parameters, replicas)
    conditionals = learned_conditionals(result.parameters, replicas)
    rng = np.random.default_rng(seed + 1)
    query = ExplainingAwayQuery()
    sampled = {}
    for name, evidence in (("p_step_given_shading", query.shading),
                           ("p_step_given_shading_contour", query.both)):
        samples = gibbs_sample(conditionals, n_chains, n_sweeps, rng, evidence=evidence)
        sampled[name] = float(samples[:, query.query].mean())
    free = gibbs_sample(conditionals, n_chains, n_sweeps, rng)
    index = (free.astype(np.int64) << np.arange(N_VARIABLES)).sum(axis=1)
    sampled_joint = np.bincount(index, minlength=2 ** N_VARIABLES) / index.size
    truth = true_joint()
    return {
        "backend": backend,
        "iterations": iterations,
        "samples_presented": iterations * config.module.batch,
        "seed": seed,
        "kl_true_learned": kl_divergence(truth, joint),
        "kl_true_sampled": kl_divergence(truth, sampled_joint),
        "query_true": query.evaluate(truth),
        "query_learned": query.evaluate(joint),
        "query_sampled": sampled,
        "learned_joint": joint,
        "true_joint": truth,
        "history": result.history,
        "wall_s": result.wall_s,
        "calibration": calibration_info,
        "host_input": {"events": int(sum(h.get("input_events", 0) for h in result.history)),
                       "dropped": int(sum(h.get("dropped_input_events", 0)
                                          for h in result.history))},
        "parameters": result.parameters,
    }
