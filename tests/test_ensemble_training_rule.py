"""Natural-gradient steps and Polyak averaging of the ensemble's CD rule (no simulator needed)."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from neurohw.networks.ensemble import EnsembleCDRule
from neurohw.networks.ensemble.natural_gradient import (
    natural_gradient_step,
    sufficient_statistics,
)
from neurohw.networks.ensemble.rule import EnsembleRuleError
from neurohw.networks.ensemble.study import DEFAULT_SETTINGS, averaging_start
from neurohw.networks.sampling.boltzmann import (
    BoltzmannMachine,
    exact_distribution,
    kl_divergence,
    moments_from_distribution,
    random_boltzmann_machine,
)


def _moments(weights, biases):
    p = exact_distribution(weights, biases)
    mean, pair = moments_from_distribution(p, biases.size)
    return p, mean, pair


def test_sufficient_statistics_list_units_then_pairs():
    stats, iu, ju = sufficient_statistics(3)
    assert stats.shape == (8, 6)
    state = 0b101                                     # units 0 and 2 on
    np.testing.assert_array_equal(stats[state, :3], [1, 0, 1])
    pairs = dict(zip(zip(iu, ju), stats[state, 3:]))
    assert pairs == {(0, 1): 0, (0, 2): 1, (1, 2): 0}


def test_natural_gradient_converges_in_a_few_steps_where_plain_cd_does_not():
    # Exact moments (no sampling noise): the natural-gradient step is a Newton step of the
    # likelihood, so from a moderately wrong start it reaches the target within a few steps;
    # plain CD with the same step size is still far away.
    rng = np.random.default_rng(3)
    target = random_boltzmann_machine(5, rng)
    p_target = target.distribution()
    _, mean_t, pair_t = _moments(target.weights, target.biases)
    start_w, start_b = 0.5 * target.weights, -0.5 * target.biases
    results = {}
    for preconditioned in (True, False):
        w, b = start_w.copy(), start_b.copy()
        for _ in range(6):
            p, mean, pair = _moments(w, b)
            if preconditioned:
                db, dw = natural_gradient_step((mean_t - mean)[None], (pair_t - pair)[None],
                                               p[None], damping=1e-6, max_step=10.0)
                db, dw = db[0], dw[0]
            else:
                db, dw = mean_t - mean, pair_t - pair
                np.fill_diagonal(dw, 0.0)
            w, b = w + dw, b + db
        results[preconditioned] = kl_divergence(exact_distribution(w, b), p_target)
    assert results[True] < 1e-8
    assert results[False] > 1e-2


def test_natural_gradient_is_per_network_symmetric_and_clipped():
    rng = np.random.default_rng(8)
    machines = [random_boltzmann_machine(4, rng) for _ in range(3)]
    dists = np.stack([m.distribution() for m in machines])
    d_mean = rng.normal(0, 0.05, size=(3, 4))
    d_pair = rng.normal(0, 0.05, size=(3, 4, 4))
    d_pair = 0.5 * (d_pair + np.swapaxes(d_pair, 1, 2))
    db, dw = natural_gradient_step(d_mean, d_pair, dists, damping=0.05, max_step=5.0)
    np.testing.assert_allclose(dw, np.swapaxes(dw, 1, 2))
    assert np.all(np.diagonal(dw, axis1=1, axis2=2) == 0)
    for m in range(3):                                 # batched == one network at a time
        db1, dw1 = natural_gradient_step(d_mean[m:m + 1], d_pair[m:m + 1], dists[m:m + 1],
                                         damping=0.05, max_step=5.0)
        np.testing.assert_allclose(db[m], db1[0])
        np.testing.assert_allclose(dw[m], dw1[0])
    db_c, dw_c = natural_gradient_step(10 * d_mean, 10 * d_pair, dists, damping=0.05,
                                       max_step=0.2)
    assert np.max(np.abs(db_c)) <= 0.2 and np.max(np.abs(dw_c)) <= 0.2


def test_rule_with_target_fisher_steps_each_network_towards_its_target():
    rng = np.random.default_rng(2)
    targets = [random_boltzmann_machine(4, rng) for _ in range(3)]

    def divergences(params):
        return np.array([kl_divergence(exact_distribution(w, b), t.distribution())
                         for w, b, t in zip(params["weights"], params["biases"], targets)])

    after = {}
    for preconditioner in ("target_fisher", "none"):
        rule = EnsembleCDRule(targets, learning_rate=1.0, decay_iterations=1e9,
                              preconditioner=preconditioner, damping=1e-6, max_step=10.0)
        start = rule.initial_parameters(rng)
        params = {"weights": start["weights"], "biases": start["biases"] - 0.3}
        # every network samples exactly the machine with all biases 0.3 too low
        sampled = [BoltzmannMachine(w, b) for w, b in zip(params["weights"], params["biases"])]
        obs = {"mean": np.stack([m.moments()[0] for m in sampled]),
               "pair": np.stack([m.moments()[1] for m in sampled]),
               "distribution": np.stack([m.distribution() for m in sampled])}
        before = divergences(params)
        after[preconditioner] = divergences(rule.update(params, params, obs, 0, rng)) / before
    assert np.all(after["target_fisher"] < 0.1)        # one step removes > 90 % of D_KL
    assert np.max(after["none"]) > 0.2                 # plain CD does not, on some network
    with pytest.raises(EnsembleRuleError, match="preconditioner"):
        EnsembleCDRule(targets, preconditioner="adam")


def test_polyak_average_covers_the_updates_from_average_from_and_survives_a_checkpoint(
        tmp_path):
    from neurohw.hil import load_checkpoint, save_checkpoint

    rng = np.random.default_rng(6)
    targets = [random_boltzmann_machine(3, rng) for _ in range(2)]
    rule = EnsembleCDRule(targets, learning_rate=1.0, decay_iterations=1e9, average_from=2)
    params = rule.initial_parameters(rng)
    assert rule.averaged_parameters(params)["biases"] == pytest.approx(params["biases"])
    obs = {"mean": rule.target_mean + 0.1, "pair": rule.target_pair}
    seen = []
    for it in range(4):
        params = rule.update(params, params, obs, iteration=it, rng=rng)
        seen.append(params["biases"])
        if it == 2:
            clone = EnsembleCDRule(targets, learning_rate=1.0, decay_iterations=1e9,
                                   average_from=2)
            path = tmp_path / "ckpt.npz"
            save_checkpoint(path, iteration=3, params=params, realised=params,
                            rule_state=rule.state_dict(), rng_state={}, history=[],
                            fingerprint={})
            clone.load_state_dict(load_checkpoint(path)["rule_state"])
    np.testing.assert_allclose(rule.averaged_parameters(params)["biases"],
                               np.mean(seen[2:], axis=0))
    # the weights do not move (pair moments on target), so the clone repeats iteration 3 exactly
    clone.update({"weights": params["weights"], "biases": seen[2]}, {}, obs, 3, rng)
    np.testing.assert_allclose(clone.averaged_parameters(params)["biases"],
                               rule.averaged_parameters(params)["biases"])


def test_study_averages_the_final_fraction_of_iterations():
    assert averaging_start(replace(DEFAULT_SETTINGS, iterations=60, average_fraction=0.5)) == 30
    assert averaging_start(replace(DEFAULT_SETTINGS, iterations=7, average_fraction=0.01)) == 6
    assert averaging_start(replace(DEFAULT_SETTINGS, average_fraction=0.0)) is None


def test_dkl_decomposition_separates_wrong_moments_from_higher_order_structure():
    from neurohw.networks.ensemble.diagnostics import dkl_decomposition
    from neurohw.networks.sampling.boltzmann import all_states

    rng = np.random.default_rng(9)
    target = random_boltzmann_machine(3, rng)
    q = target.distribution()
    wrong_moments = exact_distribution(1.5 * target.weights, target.biases + 0.4)
    # third-order structure: reweight the states by the parity of z_0 z_1 z_2 (not pairwise)
    z = all_states(3)
    parity = np.where(z.sum(axis=1) % 2 == 1, 1.6, 0.4)
    higher = q * parity / (q * parity).sum()
    parts = dkl_decomposition(np.stack([wrong_moments, higher]), np.stack([q, q]))
    np.testing.assert_allclose(parts["higher_order"] + parts["moment"], parts["total"],
                               atol=1e-9)
    assert parts["higher_order"][0] < 1e-9 and parts["moment"][0] > 1e-2
    assert parts["higher_order"][1] > 1e-2


def test_evaluate_windows_splits_one_run_into_equal_windows_whose_mean_is_the_pooled_run():
    from types import SimpleNamespace

    from neurohw.networks.ensemble.statistics import network_distributions, network_kl
    from neurohw.networks.ensemble.study import evaluate_windows

    rng = np.random.default_rng(12)
    targets = [random_boltzmann_machine(2, rng) for _ in range(3)]
    rule = EnsembleCDRule(targets)
    states = (rng.random((400, 6)) < 0.4).astype(np.uint8)   # 400 samples, 3 networks x 2 units
    states[200:, :2] = 1                                     # the second half differs

    class FakeNetwork:
        config = SimpleNamespace(n_networks=3)

        def sample(self, duration_ms, seed):
            self.duration = duration_ms
            return SimpleNamespace(annotations={})

        def states(self, run):
            return states

    experiment = SimpleNamespace(network=FakeNetwork(), annotations=[],
                                 write_parameters=lambda params: params)
    dkl, dists, _ = evaluate_windows(experiment, {}, rule, 200.0, 2, seed=0)
    assert experiment.network.duration == 400.0
    assert dkl.shape == (2, 3) and dists.shape == (2, 3, 4)
    np.testing.assert_allclose(dists.mean(axis=0), network_distributions(states, 3))
    np.testing.assert_allclose(dists[1, 0], [0, 0, 0, 1])    # network 0 always in state 11
    np.testing.assert_allclose(dkl[0], network_kl(dists[0], rule.target_p))
