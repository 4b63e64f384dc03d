"""The ensemble on NEST: no random sources, bit-identical reruns, training lowers D_KL."""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from neurohw.hil import HILTrainer
from neurohw.networks.ensemble import (
    EnsembleCDRule,
    EnsembleConfig,
    EnsembleExperiment,
    EnsembleNetwork,
    random_sources,
)
from neurohw.networks.ensemble.study import (
    DEFAULT_SETTINGS,
    draw_targets,
    ensemble_config,
    evaluate,
)
from neurohw.networks.sampling.network import default_activation_grid
from neurohw.spikes import spike_time_arrays

# A small ensemble for the structure/determinism tests: independently drawn partners (a
# 10-network ensemble is too small for a dense disjoint wiring).
SMALL = EnsembleConfig(n_networks=10, n_units=5, in_degree_exc=30, in_degree_inh=30,
                       background_weight_exc=0.007, background_weight_inh=0.007,
                       wiring="independent")


def run_ensemble_twice(sim, config: EnsembleConfig, setup_kwargs=None, duration_ms=400.0):
    """Build the ensemble from scratch twice, run it with the same parameters, return spikes."""
    rng = np.random.default_rng(11)
    n = config.n_neurons
    from neurohw.networks.ensemble.blocks import block_diagonal
    from neurohw.networks.sampling.translation import SynapticParameters

    w = block_diagonal(rng.uniform(0.0, 0.01, size=(config.n_networks, config.n_units,
                                                     config.n_units)))
    v_rest = rng.uniform(-58.0, -48.0, size=n)
    runs = []
    for _ in range(2):
        net = EnsembleNetwork(config, setup_kwargs=setup_kwargs)
        net.build(sim)
        net.write(SynapticParameters(w, w.T.copy(), v_rest))
        first = net.sample(duration_ms)
        second = net.sample(duration_ms)
        runs.append([spike_time_arrays(first.block), spike_time_arrays(second.block)])
    return runs


def assert_identical(runs):
    for window in range(2):
        a, b = runs[0][window], runs[1][window]
        assert len(a) == len(b)
        assert sum(t.size for t in a) > 100, "the ensemble went silent"
        for x, y in zip(a, b):
            np.testing.assert_array_equal(x, y)


def test_ensemble_has_no_random_sources_but_the_poisson_baseline_has(nest_sim):
    net = EnsembleNetwork(SMALL)
    net.build(nest_sim)
    report = random_sources(nest_sim)
    assert report.count == 0, report.found
    assert report.level == "nest-kernel"
    baseline = EnsembleNetwork(SMALL.with_background("poisson"))
    baseline.build(nest_sim)
    found = random_sources(nest_sim)
    assert found.count == 2 * SMALL.n_neurons        # the inspection does see Poisson sources
    assert all(model.startswith("poisson_generator") for model in found.found)


def test_repeating_an_ensemble_run_gives_identical_spikes_on_nest(nest_sim):
    assert_identical(run_ensemble_twice(nest_sim, SMALL))


def test_short_cd_training_lowers_the_median_dkl_of_the_ensemble_on_nest(nest_sim):
    # The default ensemble (20 networks): in a 10-network ensemble the noise is too poor for a
    # 12-iteration training to help reliably (measured on the ideal emulator).
    config = replace(ensemble_config(DEFAULT_SETTINGS, wiring_seed=1), warmup_ms=50.0)
    targets = draw_targets(config.n_networks, config.n_units, seed=3)
    baseline = EnsembleNetwork(config.with_background("poisson"))
    baseline.build(nest_sim)
    fit = baseline.measure_activation(default_activation_grid(config.neuron, 5, span_sd=3.0),
                                      300.0, seed=5)
    net = EnsembleNetwork(config)
    experiment = EnsembleExperiment(net, fit, sample_ms=400.0)
    # the study's update rule: natural-gradient steps, Polyak average of the last half
    settings = DEFAULT_SETTINGS
    rule = EnsembleCDRule(targets, learning_rate=settings.learning_rate,
                          decay_iterations=settings.decay_iterations,
                          preconditioner=settings.preconditioner, damping=settings.damping,
                          average_from=6)
    experiment.build(nest_sim)
    before, _ = evaluate(experiment, rule.initial_parameters(None), rule, 1500.0, seed=0)
    result = HILTrainer(nest_sim, experiment, rule, iterations=12, seed=2,
                        progress=False).train()
    after, _ = evaluate(experiment, rule.averaged_parameters(result.parameters), rule, 1500.0,
                        seed=0)
    assert np.median(after) < 0.6 * np.median(before), (np.median(before), np.median(after))
    assert random_sources(nest_sim).count == 0
