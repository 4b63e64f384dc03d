"""Unit tests of the WTA plasticity rules (Nessler et al. 2013) on controlled spike inputs."""

from __future__ import annotations

import numpy as np
import pytest

from neurohw.networks.wta.rules import (ConstantRate, VarianceTrackingRate, WtaRuleError,
                                        equilibrium_weight, excitability_update,
                                        input_weight_update, inputs_active_before,
                                        time_since_last_spike)


def test_time_since_last_spike_matches_brute_force():
    rng = np.random.default_rng(3)
    trains = [np.sort(rng.uniform(0, 100, size=n)) for n in (0, 1, 5, 20)]
    queries = np.sort(rng.uniform(0, 110, size=30))
    got = time_since_last_spike(trains, queries)
    for i, train in enumerate(trains):
        for m, t in enumerate(queries):
            before = train[train < t]
            expected = t - before.max() if before.size else np.inf
            assert got[m, i] == pytest.approx(expected)


def test_active_window_is_strictly_before_and_bounded():
    trains = [np.array([10.0]), np.array([15.0]), np.array([4.9]), np.array([])]
    y = inputs_active_before(trains, np.array([15.0]), window=10.0)
    # 10 ms before: active; at the same time: not "before"; 10.1 ms before: outside the window
    assert y.tolist() == [[1, 0, 0, 0]]
    with pytest.raises(WtaRuleError):
        inputs_active_before(trains, np.array([15.0]), window=0.0)


def _controlled_run(p_active: np.ndarray, rng: np.random.Generator, n_post: int):
    """One postsynaptic neuron firing every 50 ms; input i spikes 5 ms before it with prob p_i,
    otherwise 25 ms before (outside the 10 ms window)."""
    post = 50.0 * (1 + np.arange(n_post))
    hit = rng.random((n_post, p_active.size)) < p_active
    times = np.where(hit, post[:, None] - 5.0, post[:, None] - 25.0)
    trains = [times[:, i] for i in range(p_active.size)]
    return trains, post


def test_input_rule_settles_at_log_p_plus_log_c():
    """Weight equilibrium w = log p(pre before post) + log c, from spike times."""
    rng = np.random.default_rng(0)
    p_active = np.array([0.9, 0.6, 0.3, 0.1, 0.05])
    c = np.exp(5.0)
    weights = np.full((1, p_active.size), 2.0)
    history = []
    for batch in range(600):
        trains, post = _controlled_run(p_active, rng, n_post=20)
        active = inputs_active_before(trains, post, window=10.0)
        winners = np.zeros(post.size, dtype=int)
        weights = weights + input_weight_update(weights, winners, active, c, eta=0.005)
        if batch >= 400:
            history.append(weights[0].copy())
    settled = np.mean(history, axis=0)
    np.testing.assert_allclose(settled, equilibrium_weight(p_active, c), atol=0.12)


def test_input_rule_moves_only_the_winner_and_has_the_right_signs():
    weights = np.zeros((3, 2))
    active = np.array([[1, 0]])
    delta = input_weight_update(weights, np.array([1]), active, c=np.e, eta=0.1)
    assert np.all(delta[[0, 2]] == 0)
    assert delta[1, 0] == pytest.approx(0.1 * (np.e - 1))     # potentiation c*exp(-w) - 1
    assert delta[1, 1] == pytest.approx(-0.1)                  # depression -1
    with pytest.raises(WtaRuleError):
        input_weight_update(weights, np.array([3]), active, c=np.e, eta=0.1)


def test_excitability_rule_settles_at_log_prior():
    rng = np.random.default_rng(1)
    prior = np.array([0.5, 0.3, 0.15, 0.05])
    bias = np.zeros(4)
    late = []
    for step in range(1500):
        winners = rng.choice(4, size=50, p=prior)
        bias = bias + excitability_update(bias, winners, eta=0.002)
        if step >= 1000:
            late.append(bias.copy())
    np.testing.assert_allclose(np.mean(late, axis=0), np.log(prior), atol=0.1)


def test_variance_tracking_rate_shrinks_when_a_weight_settles():
    rate = VarianceTrackingRate(np.zeros((1, 2)), initial_variance=1.0, eta_min=1e-4, eta_max=0.5)
    first = rate.rates().copy()
    for _ in range(300):
        rate.observe(np.array([[1.0, 1.0]]), np.array([[True, False]]))
    later = rate.rates()
    assert later[0, 0] < 0.05 * first[0, 0]                     # settled: slow learning
    assert later[0, 1] == first[0, 1]                           # untouched: unchanged
    restored = VarianceTrackingRate(np.zeros((1, 2)), eta_min=1e-4, eta_max=0.5)
    restored.load_state_dict(rate.state_dict())
    np.testing.assert_array_equal(restored.rates(), rate.rates())
    assert np.all(ConstantRate(0.01).rates((2, 3)) == 0.01)
