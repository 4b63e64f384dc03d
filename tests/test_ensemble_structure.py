"""Ensemble wiring, block helpers, statistics and the CD rule (no simulator needed)."""

from __future__ import annotations

import numpy as np
import pytest

from neurohw.networks.ensemble import EnsembleCDRule, EnsembleConfig, EnsembleConfigError
from neurohw.networks.ensemble.blocks import block_diagonal, diagonal_blocks
from neurohw.networks.ensemble.network import balanced_grid
from neurohw.networks.ensemble.statistics import (
    network_distributions,
    network_kl,
    network_moments,
)
from neurohw.networks.ensemble.wiring import background_pairs, network_of, recurrent_pairs
from neurohw.networks.sampling.boltzmann import (
    random_boltzmann_machine,
    sampled_distribution,
    sampled_moments,
)


def test_background_comes_only_from_other_networks_with_exact_in_degree():
    rng = np.random.default_rng(0)
    pre, post = background_pairs(12, 5, 17, rng)
    net = network_of(12, 5)
    assert np.all(net[pre] != net[post])
    assert np.all(np.bincount(post, minlength=60) == 17)
    pairs = set(zip(pre.tolist(), post.tolist()))
    assert len(pairs) == pre.size                      # no duplicate synapse


def test_recurrent_pairs_are_all_ordered_pairs_inside_each_network():
    pre, post = recurrent_pairs(3, 4)
    assert pre.size == 3 * 4 * 3
    assert np.all(pre // 4 == post // 4) and np.all(pre != post)


def test_config_refuses_an_in_degree_larger_than_the_rest_of_the_ensemble():
    with pytest.raises(EnsembleConfigError, match="in_degree_exc"):
        EnsembleConfig(n_networks=3, n_units=5, in_degree_exc=11)


def test_block_diagonal_round_trip_and_zeros_between_networks():
    blocks = np.arange(2 * 3 * 3, dtype=float).reshape(2, 3, 3)
    full = block_diagonal(blocks)
    assert full.shape == (6, 6)
    assert np.all(full[:3, 3:] == 0) and np.all(full[3:, :3] == 0)
    np.testing.assert_array_equal(diagonal_blocks(full, 2), blocks)


def test_per_network_statistics_match_the_single_network_estimators():
    rng = np.random.default_rng(3)
    z = (rng.random((500, 3 * 4)) < 0.4).astype(np.uint8)
    mean, pair = network_moments(z, 3)
    dist = network_distributions(z, 3)
    for m in range(3):
        zm = z[:, 4 * m:4 * (m + 1)]
        ref_mean, ref_pair = sampled_moments(zm)
        np.testing.assert_allclose(mean[m], ref_mean)
        np.testing.assert_allclose(pair[m], ref_pair)
        np.testing.assert_allclose(dist[m], sampled_distribution(zm))


def test_balanced_grid_gives_every_run_the_same_mix_of_levels():
    levels = np.array([-60.0, -55.0, -50.0, -45.0])
    grid = balanced_grid(levels, 10)
    assert grid.shape == (4, 10)
    for row in grid[:, :8]:                            # 8 = two full rotations
        assert sorted(row[:4]) == sorted(levels)
    for column in grid.T:                              # each neuron visits every level once
        assert sorted(column) == sorted(levels)


def test_cd_rule_moves_each_network_towards_its_own_target():
    rng = np.random.default_rng(5)
    targets = [random_boltzmann_machine(3, rng) for _ in range(4)]
    rule = EnsembleCDRule(targets, learning_rate=0.5, decay_iterations=1.0)
    params = rule.initial_parameters(rng)
    mean = rule.target_mean + 0.1                      # every unit too active
    pair = rule.target_pair.copy()
    pair[:, 0, 1] += 0.2                               # one asymmetric pair too correlated
    new = rule.update(params, params, {"mean": mean, "pair": pair}, iteration=0, rng=rng)
    np.testing.assert_allclose(new["biases"], params["biases"] - 0.05)
    np.testing.assert_allclose(new["weights"], np.swapaxes(new["weights"], 1, 2))
    assert np.all(new["weights"][:, 0, 1] == pytest.approx(params["weights"][:, 0, 1] - 0.05))
    assert np.all(np.diagonal(new["weights"], axis1=1, axis2=2) == 0)
    assert rule.eta(1) == pytest.approx(0.25)


def test_rule_metrics_are_zero_divergence_for_the_exact_target():
    rng = np.random.default_rng(1)
    targets = [random_boltzmann_machine(3, rng) for _ in range(2)]
    rule = EnsembleCDRule(targets)
    metrics = rule.metrics({}, {}, {"distribution": rule.target_p}, 0)
    assert metrics["dkl_median"] == pytest.approx(0.0, abs=1e-12)
    uniform = np.full_like(rule.target_p, 1 / 8)
    assert np.all(network_kl(uniform, rule.target_p) > 0)
