"""Learning the explaining-away network with one WTA module per variable, in the loop.

Each iteration draws ``batch`` samples of the true network (Knill & Kersten 1991; see
:mod:`~neurohw.networks.wta.bayesnet`) and presents each module the ON/OFF-coded values of its
variable and Markov blanket as rate-coded spike trains. Every module learns with the WTA rules of
Nessler et al. (2013) (:class:`~neurohw.networks.wta.training.WtaStdpRule`). After every iteration
the modules' conditionals give the joint their Gibbs sampler converges to; the history records its
KL divergence to the true joint and the explaining-away query (Pecevski & Maass 2016).

On PyNN backends all modules are circuits of one network and run in the same simulation.
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
        return asdict(self)


#: Active input neurons the LIF circuit's ``weight_scale`` is tuned for (64 ON/OFF pairs).
TUNED_ACTIVE_INPUTS = 64


def module_configs(config: BayesNetConfig) -> list[WtaConfig]:
    """The WTA settings of each variable's module.

    The LIF circuit's ``weight_scale`` is divided by the module's number of active inputs
    (variables x replicas) relative to the 64 it is tuned for, so every module gets the same
    drive (only the PyNN backends use it).
    """
    out = []
    for k in range(N_VARIABLES):
        n_vars = len(module_variables(k))
        active = n_vars * config.module.input_replicas
        circuit = replace(config.module.circuit, weight_scale=config.module.circuit.weight_scale
                          * TUNED_ACTIVE_INPUTS / active)
        out.append(replace(config.module, n_z=config.z_per_state * 2 ** n_vars, circuit=circuit))
    return out


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

    def build(self, sim: ModuleType | None) -> None:
        self.sim = sim
        if self.backend == "reference":
            for module in self.modules:
                module.build(None)
            return
        circuit = self.config.module.circuit
        sim.setup(timestep=circuit.timestep, **self.setup_kwargs)
        for k, module in enumerate(self.modules):
            module.circuit = build_wta_circuit(sim, module.n_inputs, module.config.n_z, circuit,
                                               prefix=f"bn{k}")

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
        for module in self.modules:
            rng = np.random.default_rng(seed)
            chosen = rng.integers(0, module.x_train.shape[0], size=module.config.batch)
            module._batch_x = module.x_train[chosen]
            onsets, trains, total = module._schedule(module.codes_train[chosen], rng)
            module._batch_onsets = onsets
            module.circuit.load_inputs(trains, start)
        self.sim.run(total)
        records = []
        for module in self.modules:
            input_block, z_block = module.circuit.collect()
            records.append(SpikeRecord(
                [t - start for t in _neo_to_arrays(input_block, module.n_inputs)],
                [t - start for t in _neo_to_arrays(z_block, module.config.n_z)]))
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


def default_config(backend: str) -> BayesNetConfig:
    """The settings the README's numbers come from.

    The numpy reference codes each variable by one ON/OFF pair at 300 Hz; the LIF circuits get 16
    copies of each input neuron at 100 Hz (enough drive for the circuit, see ``module_configs``).
    """
    config = BayesNetConfig()
    if backend == "reference":
        return config
    return replace(config, module=replace(config.module, rate_on=100.0, input_replicas=16,
                                          batch=40, eta_max=0.01, eta_min=0.001,
                                          eta_bias=0.0005))


def train_bayesnet(backend: str = "reference", config: BayesNetConfig | None = None,
                   iterations: int = 400, seed: int = 1, data_seed: int = 0,
                   checkpoint=None, progress: bool = False, setup_kwargs: dict | None = None,
                   n_chains: int = 2000, n_sweeps: int = 50) -> dict[str, Any]:
    """Learn the explaining-away network in the loop; return KL and queries over training.

    After training, the query is also answered by Gibbs sampling with the modules'
    conditionals (``n_chains`` chains, ``n_sweeps`` sweeps after burn-in, evidence clamped).
    """
    from neurohw.hil import HILTrainer
    from neurohw.networks.wta.bayesnet import gibbs_sample

    config = config or default_config(backend)
    sim = None
    if backend != "reference":
        import neurohw

        sim = neurohw.backend(backend)
    experiment = BayesNetExperiment(config, backend, data_seed, setup_kwargs)
    rule = BayesNetRule(experiment)
    trainer = HILTrainer(sim, experiment, rule, iterations=iterations, seed=seed,
                         checkpoint_path=checkpoint, checkpoint_every=25, progress=progress,
                         fingerprint={"network": "bayesnet", "backend": backend,
                                      "config": config.as_dict(), "data_seed": data_seed})
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
        "parameters": result.parameters,
    }
