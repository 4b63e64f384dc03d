"""LIF sampling, host-side maths: exact BM distributions, D_KL, estimators, fits, translation."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.integrate import solve_ivp

from neurohw.networks.sampling.activation import (ActivationFit, ActivationFitError, fit_logistic,
                                                  load_fit, save_fit)
from neurohw.networks.sampling.boltzmann import (BoltzmannError, BoltzmannMachine, all_states,
                                                 kl_divergence,
                                                 moments_from_distribution,
                                                 random_boltzmann_machine, sampled_distribution,
                                                 sampled_moments, state_indices)
from neurohw.networks.sampling.neuron import SamplingNeuronConfig, mean_psp_per_weight
from neurohw.networks.sampling.rule import ContrastiveDivergenceRule
from neurohw.networks.sampling.translation import (boltzmann_to_synaptic,
                                                   synaptic_to_boltzmann)


# -- D_KL against hand-checked values -----------------------------------------------------------
def test_kl_of_identical_distributions_is_zero():
    p = np.array([0.1, 0.2, 0.3, 0.4])
    assert kl_divergence(p, p) == 0.0


def test_kl_hand_checked_two_states():
    # D_KL([1/2, 1/2] || [1/4, 3/4]) = 1/2 ln 2 + 1/2 ln(2/3) = 1/2 ln(4/3)
    assert kl_divergence(np.array([0.5, 0.5]), np.array([0.25, 0.75])) == \
        pytest.approx(0.5 * np.log(4 / 3), rel=1e-12)


def test_kl_unsampled_states_contribute_nothing():
    # p never visits state 2: only the first two terms count, no pseudo-count is added
    p = np.array([0.5, 0.5, 0.0])
    q = np.array([0.25, 0.25, 0.5])
    assert kl_divergence(p, q) == pytest.approx(np.log(2), rel=1e-12)


def test_kl_is_infinite_where_target_has_no_mass_and_checks_inputs():
    assert kl_divergence(np.array([0.5, 0.5]), np.array([1.0, 0.0])) == float("inf")
    with pytest.raises(BoltzmannError):
        kl_divergence(np.array([0.5, 0.6]), np.array([0.5, 0.5]))
    with pytest.raises(BoltzmannError):
        kl_divergence(np.array([0.5, 0.5]), np.array([0.2, 0.3, 0.5]))


# -- exact distribution and estimators ----------------------------------------------------------
def test_exact_distribution_two_units_by_hand():
    w, b1, b2 = 0.7, -0.3, 0.4
    bm = BoltzmannMachine(np.array([[0, w], [w, 0]]), np.array([b1, b2]))
    # states in order (z1, z2) = 00, 10, 01, 11 (unit 0 is the least significant bit)
    unnormalised = np.exp([0.0, b1, b2, b1 + b2 + w])
    np.testing.assert_allclose(bm.distribution(), unnormalised / unnormalised.sum(), rtol=1e-12)
    np.testing.assert_array_equal(all_states(2), [[0, 0], [1, 0], [0, 1], [1, 1]])


def test_independent_units_give_logistic_marginals():
    b = np.array([-1.0, 0.0, 2.0])
    mean, corr = BoltzmannMachine(np.zeros((3, 3)), b).moments()
    np.testing.assert_allclose(mean, 1 / (1 + np.exp(-b)), rtol=1e-12)
    np.testing.assert_allclose(corr[0, 2], mean[0] * mean[2], rtol=1e-12)


def test_invalid_machines_are_refused():
    with pytest.raises(BoltzmannError, match="symmetric"):
        BoltzmannMachine(np.array([[0, 1.0], [0.5, 0]]), np.zeros(2))
    with pytest.raises(BoltzmannError, match="diagonal"):
        BoltzmannMachine(np.eye(2), np.zeros(2))


def test_random_machine_is_seeded_and_in_range():
    a = random_boltzmann_machine(5, np.random.default_rng(3))
    b = random_boltzmann_machine(5, np.random.default_rng(3))
    np.testing.assert_array_equal(a.weights, b.weights)
    assert np.all(np.abs(a.weights) <= 1) and np.all(np.abs(a.biases) <= 1)
    assert np.count_nonzero(a.weights) == 20


def test_sampled_estimators_match_hand_counts():
    states = np.array([[1, 0, 1], [1, 1, 0], [0, 0, 0], [1, 0, 1]], dtype=np.uint8)
    np.testing.assert_array_equal(state_indices(states), [5, 3, 0, 5])
    p = sampled_distribution(states)
    assert p[5] == 0.5 and p[3] == 0.25 and p[0] == 0.25 and p.sum() == 1
    mean, corr = sampled_moments(states)
    np.testing.assert_allclose(mean, [0.75, 0.25, 0.5])
    assert corr[0, 2] == 0.5 and corr[1, 2] == 0.0
    m2, c2 = moments_from_distribution(p, 3)
    np.testing.assert_allclose(m2, mean)
    np.testing.assert_allclose(c2, corr)


def test_exact_samples_converge_to_zero_kl():
    bm = random_boltzmann_machine(5, np.random.default_rng(0))
    p = bm.distribution()
    rng = np.random.default_rng(1)
    idx = rng.choice(p.size, size=200_000, p=p)
    states = all_states(5)[idx]
    d = kl_divergence(sampled_distribution(states), p)
    # the finite-sample bias of the plug-in estimator is about (K - 1) / (2 N) = 8e-5
    assert d < 5e-4


# -- activation fit -----------------------------------------------------------------------------
def test_logistic_fit_recovers_parameters_per_neuron(tmp_path):
    v_half = np.array([-52.0, -49.0, -55.0])
    alpha = np.array([8.0, 6.0, 10.0])
    grid = np.linspace(-75, -30, 10)[:, None] + np.zeros(3)[None, :]
    p = 1 / (1 + np.exp(-(grid - v_half) / alpha))
    fit = fit_logistic(grid, p, n_eff=1000)
    np.testing.assert_allclose(fit.v_half, v_half, atol=1e-9)
    np.testing.assert_allclose(fit.alpha, alpha, rtol=1e-9)
    loaded = load_fit(save_fit(fit, tmp_path / "fit.json"))
    np.testing.assert_allclose(loaded.alpha, fit.alpha)
    np.testing.assert_allclose(loaded.p_on, fit.p_on)


def test_logistic_fit_refuses_flat_sweeps_and_bad_files(tmp_path):
    grid = np.linspace(-80, -70, 5)[:, None] * np.ones((1, 2))
    with pytest.raises(ActivationFitError, match="widen the v_rest sweep"):
        fit_logistic(grid, np.zeros_like(grid), n_eff=100)
    bad = tmp_path / "bad.json"
    bad.write_text('{"format": "something else"}')
    with pytest.raises(ActivationFitError):
        load_fit(bad)
    with pytest.raises(ActivationFitError, match="positive"):
        ActivationFit(v_half=[-50.0], alpha=[-1.0])


# -- PSP and translation ------------------------------------------------------------------------
def test_mean_psp_matches_numerical_integration():
    cfg = SamplingNeuronConfig()
    mu, w = -50.0, 0.01
    g_tot, tau_s = cfg.g_total, cfg.tau_syn_E

    def rhs(t, y):  # C du/dt = -g_tot u + w exp(-t/tau_syn) (E - mu), u in mV
        return [(-g_tot * y[0] + w * np.exp(-t / tau_s) * (cfg.e_rev_E - mu)) / cfg.cm]

    t = np.linspace(0, cfg.tau_refrac, 20001)
    sol = solve_ivp(rhs, (0, cfg.tau_refrac), [0.0], t_eval=t, rtol=1e-10, atol=1e-12)
    numerical_mean = np.trapezoid(sol.y[0], t) / cfg.tau_refrac
    assert w * mean_psp_per_weight(cfg, cfg.e_rev_E, mu) == pytest.approx(numerical_mean,
                                                                          rel=1e-6)
    assert mean_psp_per_weight(cfg, cfg.e_rev_I, mu) < 0


def test_translation_signs_scale_and_round_trip():
    cfg = SamplingNeuronConfig()
    fit = ActivationFit(v_half=[-52.0, -53.0, -51.0], alpha=[8.0, 8.5, 7.5])
    bm = random_boltzmann_machine(3, np.random.default_rng(2))
    syn = boltzmann_to_synaptic(bm.weights, bm.biases, fit, cfg)
    assert np.all(syn.weights_exc >= 0) and np.all(syn.weights_inh >= 0)
    np.testing.assert_array_equal(syn.weights_exc > 0, bm.weights > 0)
    np.testing.assert_array_equal(syn.weights_inh > 0, bm.weights < 0)
    np.testing.assert_allclose(syn.v_rest, fit.v_half + fit.alpha * bm.biases)
    # W_ij alpha_mu_j equals the mean PSP the synapse causes in neuron j
    i, j = np.argwhere(bm.weights > 0)[0]
    mu_j = cfg.free_mean_potential(fit.v_half[j])
    psp = syn.weights_exc[i, j] * mean_psp_per_weight(cfg, cfg.e_rev_E, mu_j)
    assert psp == pytest.approx(bm.weights[i, j] * fit.alpha[j] * cfg.g_leak / cfg.g_total)
    w_back, b_back = synaptic_to_boltzmann(syn, fit, cfg)
    np.testing.assert_allclose(w_back, bm.weights, atol=1e-12)
    np.testing.assert_allclose(b_back, bm.biases, atol=1e-12)


def test_free_membrane_theory_is_consistent():
    cfg = SamplingNeuronConfig()
    assert cfg.tau_eff < cfg.tau_syn_E / 10          # high-conductance state
    assert cfg.free_mean_potential(cfg.v_rest_for_mean(-51.0)) == pytest.approx(-51.0)


# -- the rule -----------------------------------------------------------------------------------
def test_rule_moves_towards_the_target_moments():
    target = random_boltzmann_machine(4, np.random.default_rng(5))
    rule = ContrastiveDivergenceRule(target, learning_rate=0.5, decay_iterations=10)
    params = rule.initial_parameters(np.random.default_rng(0))
    mean_t, corr_t = target.moments()
    obs = {"mean": mean_t + 0.1, "corr": corr_t - 0.05, "p_sampled": target.distribution()}
    new = rule.update(params, {}, obs, 0, np.random.default_rng(0))
    np.testing.assert_allclose(new["biases"], target.biases - 0.05)
    off = ~np.eye(4, dtype=bool)
    np.testing.assert_allclose(new["weights"][off], target.weights[off] + 0.025)
    np.testing.assert_array_equal(np.diag(new["weights"]), 0)
    assert rule.eta(10) == pytest.approx(0.25)
    assert rule.metrics(params, {}, obs, 0)["dkl"] == pytest.approx(0.0, abs=1e-12)


def test_logistic_fit_ignores_the_refractory_ceiling():
    # a circuit that saturates at p = 0.8: only the rising part is used, alpha is not stretched
    grid = np.linspace(-95, 0, 20)[:, None]
    p = 0.8 / (1 + np.exp(-(grid - (-65.0)) / 8.0))
    fit = fit_logistic(grid, p, n_eff=1000)
    unrestricted = fit_logistic(grid, p, n_eff=1000, ceiling_fraction=1.0)
    assert abs(fit.alpha[0] - 8.0) < abs(unrestricted.alpha[0] - 8.0)
    assert 6.0 < fit.alpha[0] < 10.0
