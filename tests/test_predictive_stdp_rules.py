"""Predictive-STDP rules, binning and the reference simulation (Bengio et al. 2015)."""

from __future__ import annotations

import numpy as np
import pytest

from neurohw.networks.predictive_stdp import (
    PredictiveStdpError,
    ReferenceConfig,
    StdpWindow,
    bin_window,
    derivative,
    mean_eq1_change,
    nearest_post_pairing,
    run_reference,
    stdp_updates,
)
from neurohw.networks.predictive_stdp.window import window_shape_report


def test_derivative_of_a_ramp_is_its_slope_and_edges_are_nan():
    s = 3.0 + 0.5 * np.arange(10) * 0.1          # 0.5 per ms, steps of 0.1 ms
    d = derivative(s, dt=0.1, half_width=2)
    assert np.all(np.isnan(d[:2])) and np.all(np.isnan(d[-2:]))
    np.testing.assert_allclose(d[2:-2], 0.5)


def test_nearest_pairing_one_side_only_rule():
    pre = np.zeros(60, bool)
    post = np.zeros(60, bool)
    pre[[10, 30, 50]] = True
    post[[13]] = True            # pre@10: post 3 after, none before -> +3
    post[[25, 34]] = True        # pre@30: posts on both sides -> no update
    post[[44]] = True            # pre@50: post 6 before (t=44), none after -> -6
    d = nearest_post_pairing(pre, post, window=20)[0]
    assert d[10] == 3 and d[30] == 0 and d[50] == -6
    assert np.count_nonzero(d) == 2
    # outside the window there is no pairing, and coincident spikes are not paired
    d5 = nearest_post_pairing(pre, post, window=5)[0]
    assert d5[50] == 0
    post2 = np.zeros(60, bool)
    post2[10] = True
    assert nearest_post_pairing(pre, post2, window=20)[0][10] == 0


def test_stdp_updates_signs_and_decay():
    p = StdpWindow(tau_plus=5.0, tau_minus=10.0, a_plus=2.0, a_minus=1.0)
    u = stdp_updates(np.array([-10, -1, 0, 1, 5]), p)
    expected = [-np.exp(-1), -np.exp(-0.1), 0.0, 2 * np.exp(-0.2), 2 * np.exp(-1)]
    np.testing.assert_allclose(u, expected)


def test_bin_window_means_and_bad_edges():
    w = bin_window(np.array([-1.0, -1.0, 1.0, 2.0]), np.array([1.0, 3.0, 5.0, 7.0]),
                   np.array([-1.5, -0.5, 0.5, 1.5, 2.5]))
    np.testing.assert_allclose(w.mean[[0, 2, 3]], [2.0, 5.0, 7.0])
    assert np.isnan(w.mean[1]) and list(w.counts) == [2, 0, 1, 1]
    with pytest.raises(PredictiveStdpError):
        bin_window(np.zeros(2), np.zeros(2), np.array([1.0, 0.0]))


def test_eq1_zero_mean_change_at_constant_postsynaptic_rate():
    """Stationary postsynaptic activity (constant expected rate): no mean weight change."""
    res = mean_eq1_change(slope=0.0, seed=4)
    assert abs(res["mean"]) < 3.0 * res["sem"]
    assert abs(res["mean_post_rate_first_half"] - res["mean_post_rate_second_half"]) < 0.01
    # without fluctuations the change is exactly zero at every presynaptic spike
    flat = mean_eq1_change(slope=0.0, fluctuation_std=0.0, seed=4)
    assert flat["mean"] == 0.0 and flat["sem"] == 0.0


@pytest.mark.parametrize("slope,sign", [(0.004, 1), (-0.004, -1)])
def test_eq1_sign_follows_rising_and_falling_postsynaptic_activity(slope, sign):
    res = mean_eq1_change(slope=slope, seed=5)
    assert sign * res["mean"] > 3.0 * res["sem"]
    rising = res["mean_post_rate_second_half"] > res["mean_post_rate_first_half"]
    assert rising == (sign > 0)


def test_reference_windows_correlate_and_have_stdp_signs():
    res = run_reference(ReferenceConfig(n_trials=200, seed=7))
    assert res.pearson_r >= 0.9
    assert res.pearson_r_rate >= 0.9
    assert res.sign_plus5 == 1 and res.sign_minus5 == -1
    shape = window_shape_report(res.eq1, probe=5)
    assert shape["stdp_shape"], shape


def test_reference_is_seeded():
    a = run_reference(ReferenceConfig(n_trials=20, n_steps=500, seed=3))
    b = run_reference(ReferenceConfig(n_trials=20, n_steps=500, seed=3))
    c = run_reference(ReferenceConfig(n_trials=20, n_steps=500, seed=4))
    np.testing.assert_array_equal(a.eq1.mean, b.eq1.mean)
    assert not np.array_equal(np.nan_to_num(a.eq1.mean), np.nan_to_num(c.eq1.mean))


def test_unrelated_post_activity_gives_no_window():
    """Control: if s_post's slope carries no information about post spikes, the window is flat.

    Pairing with spikes drawn from an *independent* activity must give a window whose bins are
    all consistent with zero -- the shape comes from post spikes tracking their own s_post.
    """
    from neurohw.networks.predictive_stdp.reference import binomial_spikes, rate, slow_activity
    from neurohw.networks.predictive_stdp.rules import eq1_updates

    rng = np.random.default_rng(11)
    shape = (200, 2000)
    s_post = slow_activity(rng, *shape, 5.0, -2.0, 1.5)
    s_other = slow_activity(rng, *shape, 5.0, -2.0, 1.5)
    pre = binomial_spikes(rng, np.full(shape, 0.1))
    post = binomial_spikes(rng, rate(s_other, 0.5))
    d = nearest_post_pairing(pre, post, 20)
    upd = eq1_updates(pre, derivative(s_post))[d != 0]
    w = bin_window(d[d != 0], upd, np.arange(-20.5, 21, 1.0))
    ok = w.counts > 0
    z = w.mean[ok] / w.sem[ok]
    assert np.mean(np.abs(z) < 3.0) > 0.95
