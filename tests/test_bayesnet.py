"""The explaining-away Bayesian network: truth, module read-out, Gibbs sampling, learning."""

from __future__ import annotations

import numpy as np
import pytest

from neurohw.networks.wta.bayesnet import (ExplainingAwayQuery, all_states, gibbs_kernel,
                                           gibbs_sample, kl_divergence, markov_blanket,
                                           module_conditional, module_variables, sample_network,
                                           stationary_distribution, true_joint)
from neurohw.networks.wta.bayesnet_training import train_bayesnet


def test_true_network_samples_and_explaining_away():
    joint = true_joint()
    assert joint.sum() == pytest.approx(1.0)
    x = sample_network(40000, np.random.default_rng(0))
    index = (x.astype(int) << np.arange(4)).sum(axis=1)
    empirical = np.bincount(index, minlength=16) / index.size
    assert kl_divergence(empirical, joint) < 2e-3
    assert markov_blanket(0) == (1, 2) and markov_blanket(1) == (0, 2, 3)
    assert markov_blanket(3) == (1,)
    query = ExplainingAwayQuery().evaluate(joint)
    # the curved contour explains the shading away: the reflectance step becomes less likely
    assert query["p_step_given_shading_contour"] < query["p_step_given_shading"] - 0.05


def _exact_module(k: int, log_c: float = 5.0):
    """A module with one z-neuron per joint state of its variables, weights set by hand to
    log p(x_j | z) + log c and excitabilities to log p(state): it holds the joint exactly."""
    variables = list(module_variables(k))
    states = all_states(len(variables))
    joint = true_joint()
    full = all_states()
    index = (full[:, variables].astype(int) << np.arange(len(variables))).sum(axis=1)
    marginal = np.bincount(index, weights=joint, minlength=states.shape[0])
    eps = 1e-4
    p_on = np.where(states == 1, 1 - eps, eps)
    weights = np.concatenate([np.log(p_on), np.log(1 - p_on)], axis=1) + log_c
    return weights, np.log(marginal), len(variables)


def test_modules_holding_the_joint_make_gibbs_sample_the_true_joint():
    conditionals = [module_conditional(*_exact_module(k)) for k in range(4)]
    learned = stationary_distribution(gibbs_kernel(conditionals))
    assert kl_divergence(true_joint(), learned) < 1e-3
    samples = gibbs_sample(conditionals, 4000, 20, np.random.default_rng(1), evidence={2: 1})
    exact = ExplainingAwayQuery().evaluate(true_joint())["p_step_given_shading"]
    assert samples[:, 0].mean() == pytest.approx(exact, abs=0.02)
    assert np.all(samples[:, 2] == 1)


def test_replicated_inputs_read_out_like_single_ones():
    weights, bias, n_vars = _exact_module(1)
    replicated = np.repeat(weights, 3, axis=1)
    np.testing.assert_allclose(module_conditional(replicated, bias, n_vars, replicas=3),
                               module_conditional(weights, bias, n_vars))


def test_reference_modules_learn_the_network():
    report = train_bayesnet("reference", iterations=200, seed=2, n_chains=500, n_sweeps=20)
    kl = [r["kl_true_learned"] for r in report["history"]]
    assert kl[0] > 0.2
    assert report["kl_true_learned"] < 0.08
    q = report["query_learned"]
    assert q["p_step_given_shading_contour"] < q["p_step_given_shading"]


def test_emulated_chip_modules_learn_the_network():
    """Realistic bss1 chip, modules' circuits calibrated, the emulator defaults: a short run
    already removes most of the initial KL divergence within the host input budget."""
    report = train_bayesnet("emulator", iterations=8, seed=1, calibrate=True, n_chains=200,
                            n_sweeps=10)
    kl = [r["kl_true_learned"] for r in report["history"]]
    assert kl[0] > 0.5
    assert report["kl_true_learned"] < 0.35
    assert report["calibration"] is not None and report["calibration"]["n_circuits"] == 164
    assert np.mean([r["z_spikes_per_presentation"] for r in report["history"]]) > 1.0
    host = report["host_input"]
    assert host["events"] > 0 and host["dropped"] < 0.02 * host["events"]
