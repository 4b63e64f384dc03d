"""LIF sampling on NEST: state extraction, activation measurement, seeded noise, training, resume."""

from __future__ import annotations

import neo
import numpy as np
import pytest
import quantities as pq

from neurohw.networks.sampling.activation import ActivationFit
from neurohw.networks.sampling.experiment import run_sampling_study
from neurohw.networks.sampling.network import SampleRun, SamplingNetwork, default_activation_grid
from neurohw.networks.sampling.neuron import SamplingNeuronConfig

pytestmark = pytest.mark.nest

# Short settings for tests; the README numbers use the defaults (1e5 ms evaluations, 60 its).
SHORT = dict(iteration_ms=1500.0, sampling_ms=10000.0, activation_ms=1000.0)


def test_states_are_on_while_refractory():
    net = SamplingNetwork(2, SamplingNeuronConfig(tau_refrac=10.0), state_dt_ms=1.0)
    seg = neo.Segment()
    seg.spiketrains = [
        neo.SpikeTrain([2.0, 30.0] * pq.ms, t_start=0 * pq.ms, t_stop=50 * pq.ms,
                       annotations={"source_index": 0}),
        neo.SpikeTrain([15.5] * pq.ms, t_start=0 * pq.ms, t_stop=50 * pq.ms,
                       annotations={"source_index": 1}),
    ]
    block = neo.Block()
    block.segments.append(seg)
    z = net.states(SampleRun(block, 0.0, 50.0, True))
    assert z.shape == (50, 2)
    np.testing.assert_array_equal(np.flatnonzero(z[:, 0]), list(range(2, 12)) + list(range(30, 40)))
    np.testing.assert_array_equal(np.flatnonzero(z[:, 1]), np.arange(16, 26))


@pytest.fixture(scope="module")
def built_network(nest_sim):
    net = SamplingNetwork(3)
    net.build(nest_sim)
    return net


def test_activation_is_measured_and_logistic(built_network):
    cfg = built_network.config
    fit = built_network.measure_activation(default_activation_grid(cfg, 6), 1500.0, seed=11)
    assert np.all(np.diff(fit.p_on, axis=0).mean(axis=1) > 0)   # rises with v_rest
    # all three identical neurons: the same curve within sampling noise
    assert np.ptp(fit.v_half) < 2.0 and np.ptp(fit.alpha) < 2.0
    assert 3.0 < fit.alpha.mean() < 20.0
    resid = fit.p_on - fit.probability(fit.v_rest_grid)
    assert np.max(np.abs(resid)) < 0.12


def test_noise_is_reseeded_so_runs_repeat(built_network):
    a = built_network.sample(500.0, seed=5)
    b = built_network.sample(500.0, seed=5)
    c = built_network.sample(500.0, seed=6)
    assert a.reseeded
    za, zb, zc = (built_network.states(r) for r in (a, b, c))
    np.testing.assert_array_equal(za, zb)
    assert not np.array_equal(za, zc)


def test_short_training_lowers_dkl_on_nest(tmp_path):
    result = run_sampling_study("nest", iterations=6, seed=1, out=tmp_path, **SHORT)
    assert result["dkl_final"] < 0.5 * result["dkl_initial"], result
    assert len(result["history"]) == 6
    for name in ("kl_vs_iteration.png", "sampled_vs_target.png", "history.csv", "result.json",
                 "activation_fit.json"):
        assert (tmp_path / name).stat().st_size > 0


def test_resumed_training_equals_uninterrupted(tmp_path):
    # a fixed activation fit (theory-like values): this test is about resuming, not accuracy
    fit = ActivationFit(v_half=[-52.5, -52.5, -52.5], alpha=[8.3, 8.3, 8.3])
    kwargs = dict(iterations=4, seed=2, n_units=3, iteration_ms=500.0, sampling_ms=500.0,
                  activation_fit=fit)
    straight = run_sampling_study("nest", **kwargs)
    ckpt = tmp_path / "ckpt.npz"
    run_sampling_study("nest", **{**kwargs, "iterations": 2}, checkpoint=ckpt)
    # the fingerprint pins every setting except the total number of iterations
    resumed = run_sampling_study("nest", **kwargs, checkpoint=ckpt)
    assert resumed["resumed_from"] == 2
    np.testing.assert_allclose(resumed["trained"]["weights"], straight["trained"]["weights"])
    np.testing.assert_allclose(resumed["trained"]["biases"], straight["trained"]["biases"])
    assert resumed["dkl_final"] == pytest.approx(straight["dkl_final"])
