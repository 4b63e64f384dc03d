"""Synaptic sampling samples p*(theta)^(1/T) on a problem with an analytic answer."""

from __future__ import annotations

import pytest

from neurohw.networks.synaptic_sampling.stationary import stationary_check

# fewer chains and a coarser step than the defaults: the Euler bias (O(dt)) stays well below
# what 1500 samples can resolve; 6.4 s of sampled time is > 6 relaxation times of the prior
FAST = {"n_chains": 1500, "n_steps": 8000, "dt_s": 0.0008}


@pytest.mark.parametrize("temperature", [1.0, 0.5])
def test_sampled_theta_matches_analytic_stationary_distribution(temperature):
    result = stationary_check(temperature, seed=3, **FAST)
    assert result["ks_pvalue"] > 0.01, result
    # histogram KL of 1500 samples over 30 bins has a finite-sample bias of ~30/(2*1500) nats
    assert result["kl_nats"] < 0.02, result
    assert abs(result["connected_fraction_sampled"]
               - result["connected_fraction_predicted"]) < 0.03, result


def test_check_rejects_the_wrong_temperature():
    # sampled at T=0.5 but compared with p*^(1/1): the test must notice
    result = stationary_check(0.5, seed=3, target_temperature=1.0, **FAST)
    assert result["ks_pvalue"] < 1e-6, result
    assert result["kl_nats"] > 0.02, result
