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
from neurohw.networks.ensemble.rule import EnsembleRuleError
from neurohw.networks.ensemble.wiring import (
    background_pairs,
    disjoint_background_pairs,
    network_of,
    recurrent_pairs,
)
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


def test_disjoint_wiring_gives_the_units_of_a_network_no_shared_partner():
    rng = np.random.default_rng(2)
    (pre_e, post_e), (pre_i, post_i) = disjoint_background_pairs(20, 5, 9, 9, rng)
    net = network_of(20, 5)
    assert np.all(np.bincount(post_e, minlength=100) == 9)
    assert np.all(np.bincount(post_i, minlength=100) == 9)
    pre = np.concatenate([pre_e, pre_i])
    post = np.concatenate([post_e, post_i])
    assert np.all(net[pre] != net[post])
    for m in range(20):                                # 90 distinct partners per network
        partners = pre[net[post] == m]
        assert partners.size == 90 and np.unique(partners).size == 90
    # independent drawing, by contrast, makes units of a network share inputs
    pre_x, post_x = background_pairs(20, 5, 9, np.random.default_rng(2))
    shared = [np.unique(pre_x[net[post_x] == m]).size < 45 for m in range(20)]
    assert any(shared)


def test_disjoint_wiring_refuses_in_degrees_the_ensemble_cannot_supply():
    with pytest.raises(EnsembleConfigError, match="disjoint"):
        EnsembleConfig(n_networks=10, n_units=5, in_degree_exc=5, in_degree_inh=5)
    EnsembleConfig(n_networks=10, n_units=5, in_degree_exc=5, in_degree_inh=5,
                   wiring="independent")
    with pytest.raises(EnsembleConfigError, match="wiring"):
        EnsembleConfig(wiring="shared")


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


def test_cd_momentum_accumulates_and_round_trips_through_the_state_dict():
    rng = np.random.default_rng(4)
    targets = [random_boltzmann_machine(3, rng) for _ in range(2)]
    rule = EnsembleCDRule(targets, learning_rate=1.0, decay_iterations=1e9, momentum=0.5)
    params = rule.initial_parameters(rng)
    obs = {"mean": rule.target_mean + 0.1, "pair": rule.target_pair}
    first = rule.update(params, params, obs, iteration=0, rng=rng)
    second = rule.update(first, first, obs, iteration=1, rng=rng)
    np.testing.assert_allclose(first["biases"] - params["biases"], -0.1)
    np.testing.assert_allclose(second["biases"] - first["biases"], -0.15)
    clone = EnsembleCDRule(targets, learning_rate=1.0, decay_iterations=1e9, momentum=0.5)
    clone.load_state_dict(rule.state_dict())
    np.testing.assert_allclose(clone.update(second, second, obs, 2, rng)["biases"],
                               rule.update(second, second, obs, 2, rng)["biases"])
    with pytest.raises(EnsembleRuleError, match="ensemble size"):
        EnsembleCDRule(targets[:1]).load_state_dict(rule.state_dict())
    with pytest.raises(EnsembleRuleError, match="momentum"):
        EnsembleCDRule(targets, momentum=1.0)


def test_refinement_grid_probes_only_the_switching_interval_of_steep_neurons():
    from neurohw.networks.ensemble.network import _unfittable, refinement_grid

    levels = np.linspace(-60.0, -40.0, 5)
    grid = np.repeat(levels[:, None], 3, axis=1)
    smooth = 1 / (1 + np.exp(-(levels + 50.0) / 5.0))
    step = (levels > -52.0).astype(float)              # jumps 0 -> 1 between -55 and -50 mV
    stuck = np.full(5, 1.0)
    p_on = np.column_stack([smooth, step, stuck])
    np.testing.assert_array_equal(_unfittable(p_on, 0.02), [False, True, True])
    fine = refinement_grid(grid, p_on, 3)
    assert fine.shape == (3, 3)
    np.testing.assert_allclose(fine[:, 1], [-53.75, -52.5, -51.25])
    np.testing.assert_allclose(fine[:, 0], levels[:3])  # fittable neurons repeat their grid
