"""The synaptic-sampling rule: weight map, Langevin step, schedule, lesions, rewiring log."""

from __future__ import annotations

import numpy as np
import pytest

from neurohw.networks.synaptic_sampling.langevin import (SamplingConfigError, SamplingParameters,
                                                         TemperatureSchedule, langevin_step,
                                                         weights_from_theta)
from neurohw.networks.synaptic_sampling.rewiring_stats import RewiringLog
from neurohw.networks.synaptic_sampling.rule import (REMOVED_THETA, Lesion, LesionError,
                                                     SynapticSamplingRule)


def test_weight_is_zero_exactly_where_theta_is_not_positive():
    theta = np.array([-2.0, 0.0, 1e-9, 0.5, 3.0])
    w = weights_from_theta(theta, theta0=0.5)
    assert np.all(w[:2] == 0.0)
    np.testing.assert_allclose(w[2:], np.exp(theta[2:] - 0.5))


def test_absent_synapses_ignore_the_likelihood_and_frozen_ones_do_not_move():
    p = SamplingParameters(prior_mean=0.0, prior_std=1.0, theta0=0.0, learning_rate=1.0)
    theta = np.array([-1.0, -1.0, 1.0, 1.0])
    big = np.array([0.0, 100.0, 0.0, 100.0])
    a = langevin_step(theta, big, p, 1.0, 0.01, np.random.default_rng(0))
    b = langevin_step(theta, np.zeros(4), p, 1.0, 0.01, np.random.default_rng(0))
    assert a[1] == b[1]                 # absent: no likelihood term
    assert a[3] > b[3]                  # connected: likelihood pushes up
    frozen = np.array([True, False, True, False])
    c = langevin_step(theta, big, p, 1.0, 0.01, np.random.default_rng(0), frozen=frozen)
    assert c[0] == theta[0] and c[2] == theta[2]
    with pytest.raises(SamplingConfigError):
        langevin_step(theta, big, p, 0.0, 0.01, np.random.default_rng(0))


def test_annealing_schedule_goes_from_start_to_end():
    s = TemperatureSchedule(1.0, 0.1, anneal_start=10, anneal_end=20)
    assert s(0) == 1.0 and s(10) == 1.0
    assert s(15) == pytest.approx(np.sqrt(0.1))
    assert s(20) == pytest.approx(0.1) and s(100) == pytest.approx(0.1)


def test_survival_curve_counts_deaths_and_censors_living_synapses():
    log = RewiringLog((1, 4), horizon=5)
    none = np.zeros((1, 4), bool)
    every = np.ones((1, 4), bool)
    log.step(none, every, 1, every)                          # four created at 1
    log.step(every, np.array([[False, True, True, True]]), 3, every)   # one dies at age 2
    curve = log.survival_curve(6)                             # three alive, age 5 -> censored
    np.testing.assert_allclose(curve[:2], 1.0)
    np.testing.assert_allclose(curve[2:5], 0.75)
    assert log.total_created == 4 and log.total_eliminated == 1


def _rule(lesions):
    pop = np.repeat([0, 1], 5)
    return SynapticSamplingRule(6, 10, pop, 2, SamplingParameters(), TemperatureSchedule(), 0.1,
                                1.0, lesions)


def test_lesions_remove_neurons_for_good_and_population_synapses_until_regrowth():
    rule = _rule((Lesion(1, "neurons", 0.5), Lesion(2, "population", 1)))
    rng = np.random.default_rng(0)
    theta = np.full((6, 10), 1.0)
    theta = rule.apply_lesion(theta, rule.lesions[0], rng)
    assert rule.alive.sum() == 3
    assert np.all(theta[~rule.alive] == REMOVED_THETA)
    theta = rule.apply_lesion(theta, rule.lesions[1], rng)
    assert np.all(theta[rule.alive][:, 5:] <= 0)              # population 1 disconnected
    assert np.all(theta[rule.alive][:, :5] == 1.0)            # population 0 untouched
    assert np.all(theta[rule.alive][:, 5:] > REMOVED_THETA)   # but free to grow back
    with pytest.raises(LesionError):
        Lesion(0, "neurons", 0.5)
    with pytest.raises(LesionError):
        Lesion(3, "neurons", 1.0)
