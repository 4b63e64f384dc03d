"""The population-rate fluctuation diagnostic of the ensemble (host-side, no simulator)."""

from __future__ import annotations

import numpy as np
import pytest

from neurohw.networks.ensemble.stationarity import autocorrelation, rate_fluctuations
from neurohw.networks.ensemble.study import StudySettings, ensemble_config


def _independent(rng, t, n, p=0.3):
    return (rng.random((t, n)) < p).astype(np.uint8)


def test_independent_neurons_show_no_collective_excess():
    z = _independent(np.random.default_rng(0), 40_000, 100)
    out = rate_fluctuations(z, dt_ms=1.0)
    assert out["population_mean"] == pytest.approx(0.3, abs=0.01)
    assert 0.6 < out["excess"] < 1.6
    assert abs(out["autocorrelation"]["1000"]) < 0.5


def test_a_shared_slow_modulation_is_detected_as_excess_and_autocorrelation():
    rng = np.random.default_rng(1)
    t, n = 40_000, 100
    # all neurons' probability of z=1 follows one slow square wave of 4 s period
    p = np.where((np.arange(t) // 2000) % 2 == 0, 0.2, 0.4)
    z = (rng.random((t, n)) < p[:, None]).astype(np.uint8)
    out = rate_fluctuations(z, dt_ms=1.0)
    assert out["excess"] > 5.0
    assert out["autocorrelation"]["300"] > 0.5
    independent = rate_fluctuations(_independent(rng, t, n), dt_ms=1.0)
    assert out["neuron_drift_sd"] > 3 * independent["neuron_drift_sd"]


def test_autocorrelation_of_a_constant_is_zero_and_lag_zero_is_one():
    assert np.all(autocorrelation(np.ones(10), np.array([1, 2])) == 0)
    x = np.sin(np.arange(200) / 5.0)
    assert autocorrelation(x, np.array([0]))[0] == pytest.approx(1.0)


def test_too_short_a_run_is_refused():
    with pytest.raises(ValueError, match="at least 2 blocks"):
        rate_fluctuations(np.zeros((1500, 4), dtype=np.uint8), dt_ms=1.0)


def test_inhibitory_in_degree_can_differ_from_the_excitatory_one():
    config = ensemble_config(StudySettings(in_degree=6, in_degree_inh=12), wiring_seed=1)
    assert (config.in_degree_exc, config.in_degree_inh) == (6, 12)
    default = ensemble_config(StudySettings(), wiring_seed=1)
    assert default.in_degree_inh == default.in_degree_exc


def test_window_drift_needs_two_windows_and_sees_a_step_between_them():
    rng = np.random.default_rng(2)
    t = 20_000
    p = np.where(np.arange(t) < t // 2, 0.2, 0.5)
    z = (rng.random((t, 50)) < p[:, None]).astype(np.uint8)
    out = rate_fluctuations(z, dt_ms=1.0, window_ms=10_000.0)
    assert out["neuron_drift_sd_window"] == pytest.approx(0.15, abs=0.02)
    assert rate_fluctuations(z, dt_ms=1.0, window_ms=15_000.0)["neuron_drift_sd_window"] is None


def test_mixed_wiring_takes_every_partner_of_a_unit_from_a_different_network():
    from neurohw.networks.ensemble.wiring import mixed_background_pairs

    n_networks, n_units = 20, 5
    (pre_e, post_e), (pre_i, post_i) = mixed_background_pairs(
        n_networks, n_units, 9, 9, np.random.default_rng(3))
    assert pre_e.size == pre_i.size == n_networks * n_units * 9
    pre, post = np.concatenate([pre_e, pre_i]), np.concatenate([post_e, post_i])
    assert not np.any(pre // n_units == post // n_units)          # never from the own network
    for k in range(n_networks * n_units):                         # 18 partners, 18 networks
        assert np.unique(pre[post == k] // n_units).size == 18
    for m in range(n_networks):                                   # units share no partner
        inside = post // n_units == m
        assert np.unique(pre[inside]).size == inside.sum()


def test_mixed_wiring_refuses_more_partners_than_other_networks():
    from neurohw.networks.ensemble.config import EnsembleConfig, EnsembleConfigError

    with pytest.raises(EnsembleConfigError, match="mixed"):
        EnsembleConfig(n_networks=10, in_degree_exc=5, in_degree_inh=5, wiring="mixed")
    EnsembleConfig(n_networks=10, in_degree_exc=5, in_degree_inh=5, wiring="mixed",
                   background="poisson")
