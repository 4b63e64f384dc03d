"""Plasticity on the realistic emulated chip: correlation sensors, update controller, weight
codes, fixed-pattern noise, short-term plasticity in the drivers, and the errors for what the
circuits cannot realise."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import neurohw
from neurohw.backends.emulator.chip.plasticity import (CIRCUITS, PlasticityRangeError,
                                                       UnsupportedPlasticityError)

W_MAX = 0.1  # nA: 20 potentiated synapses together cannot make the neuron fire


def _pairing_run(lag_ms: float, chip_seed: int = 0, seed: int = 1, preset: str = "bss1",
                 **setup_kw):
    """20 synapses, each pre spike followed (lag > 0) or preceded (lag < 0) by a forced post
    spike, 40 pairs at 10 Hz, on the chip. Returns the learned weights (nA)."""
    sim = neurohw.backend("emulator")
    sim.setup(timestep=0.1, chip_seed=chip_seed, seed=seed, preset=preset, **setup_kw)
    pre_times = 100.0 + 100.0 * np.arange(40)
    # the routing delay (1 ms on bss1) is axonal on the chip: the synapse sees the pre spike
    # then; the post spike comes about 2 ms after the kick reaches the neuron
    routing = {"bss1": 1.0, "bss2": 0.1}[preset]
    pre = sim.Population(20, sim.SpikeSourceArray(spike_times=pre_times))
    kick = sim.Population(1, sim.SpikeSourceArray(spike_times=pre_times + routing + lag_ms
                                                  - routing - 2.0))
    post = sim.Population(1, sim.IF_curr_exp(tau_m=10.0, tau_refrac=5.0))
    sim.Projection(kick, post, sim.AllToAllConnector(), sim.StaticSynapse(weight=8.0))
    stdp = sim.STDPMechanism(
        timing_dependence=sim.SpikePairRule(tau_plus=20.0, tau_minus=20.0, A_plus=0.02,
                                            A_minus=0.02),
        weight_dependence=sim.AdditiveWeightDependence(w_min=0.0, w_max=W_MAX),
        weight=0.05, delay=1.0)
    prj = sim.Projection(pre, post, sim.AllToAllConnector(), stdp, label="plastic")
    post.record("spikes")
    sim.run(4200.0)
    weights = np.array(prj.get("weight", format="array"), dtype=float).ravel()
    n_post = post.get_data().segments[0].spiketrains[0].size
    sim.end()
    return weights, n_post


@pytest.mark.parametrize("preset", ["bss1", "bss2"])
def test_chip_stdp_learns_on_the_weight_grid(preset):
    """Causal pairs potentiate, acausal pairs depress; every learned weight is a weight code
    (4 bit on bss1, 6 bit on bss2) times w_max / top code."""
    causal, n1 = _pairing_run(+8.0, preset=preset)
    acausal, n2 = _pairing_run(-12.0, preset=preset)
    assert 35 <= n1 <= 40 and 35 <= n2 <= 40
    top = {"bss1": 15, "bss2": 63}[preset]
    for w in (causal, acausal):
        codes = w / W_MAX * top
        np.testing.assert_allclose(codes, np.rint(codes), atol=1e-9)
    assert causal.mean() > 0.7 * W_MAX and acausal.mean() < 0.3 * W_MAX


def test_chip_stdp_same_seed_same_weights_fixed_pattern_differs_between_chips():
    """Deterministic for (chip_seed, seed); another chip's correlation circuits (time
    constants, amplitudes: fixed-pattern noise) learn different weights."""
    a, _ = _pairing_run(+15.0, chip_seed=0)
    b, _ = _pairing_run(+15.0, chip_seed=0)
    c, _ = _pairing_run(+15.0, chip_seed=5)
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(a, c)
    # within one chip the 20 synapses differ too (per-synapse correlation circuits)
    assert np.unique(a).size > 1


def test_update_controller_period_is_the_presets():
    """Weights change only at the controller's visits: after less than one period of pairing
    nothing has changed yet, after many periods it has."""
    sim = neurohw.backend("emulator")
    sim.setup(timestep=0.1, chip_seed=0, seed=1)
    period_ms = CIRCUITS["bss1"].update_period_hw_us * 1e-3 * 1e4
    assert period_ms == pytest.approx(50.0)
    pre = sim.Population(5, sim.SpikeSourceArray(spike_times=[1.0, 2.0]))
    kick = sim.Population(1, sim.SpikeSourceArray(spike_times=[3.0]))
    post = sim.Population(1, sim.IF_curr_exp(tau_m=10.0))
    sim.Projection(kick, post, sim.AllToAllConnector(), sim.StaticSynapse(weight=8.0))
    stdp = sim.STDPMechanism(
        timing_dependence=sim.SpikePairRule(tau_plus=20.0, tau_minus=20.0, A_plus=0.5,
                                            A_minus=0.0),
        weight_dependence=sim.AdditiveWeightDependence(w_min=0.0, w_max=W_MAX),
        weight=0.04, delay=1.0)
    prj = sim.Projection(pre, post, sim.AllToAllConnector(), stdp)
    before = np.array(prj.get("weight", format="array")).ravel()
    sim.run(6.0)
    mid = np.array(prj.get("weight", format="array")).ravel()
    sim.run(2 * period_ms)
    after = np.array(prj.get("weight", format="array")).ravel()
    sim.end()
    # the rows of the 5 sources are visited 0.2-1.1 ms into each 50 ms period: before the
    # post spike (~5 ms) has produced any causal correlation, so the first change comes with
    # the visit one period later
    np.testing.assert_array_equal(mid, before)
    assert np.all(after > before)


def test_plasticity_parameters_outside_the_circuits_are_refused():
    sim = neurohw.backend("emulator")

    def build(**kw):
        sim.setup(timestep=0.1, chip_seed=0, **kw.pop("setup", {}))
        pre = sim.Population(2, sim.SpikeSourcePoisson(rate=10.0))
        post = sim.Population(1, sim.IF_cond_exp())
        stdp = sim.STDPMechanism(
            timing_dependence=sim.SpikePairRule(tau_plus=kw.get("tau_plus", 20.0),
                                                tau_minus=20.0, A_plus=0.01, A_minus=0.01),
            weight_dependence=sim.AdditiveWeightDependence(w_min=0.0,
                                                           w_max=kw.get("w_max", 0.01)),
            weight=0.005, delay=1.0)
        sim.Projection(pre, post, sim.AllToAllConnector(), stdp, label="learn")
        sim.run(10.0)

    with pytest.raises(PlasticityRangeError, match=r"'learn'.*tau_plus = 1000 ms.*2 \.\. 200"):
        build(tau_plus=1000.0)
    with pytest.raises(PlasticityRangeError, match=r"'learn'.*w_max = 5 .*0\.3"):
        build(w_max=5.0)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        build(tau_plus=1000.0, setup={"strict": False})
    assert any("clipped" in str(w.message) for w in caught)
    sim.end()


def test_short_term_plasticity_restrictions_of_the_drivers():
    """bss1 drivers do depression or facilitation, not both; a presynaptic source's synapses
    share one driver, so they must share U, tau_rec and tau_facil."""
    sim = neurohw.backend("emulator")

    def build(preset, **tm):
        sim.setup(timestep=0.1, chip_seed=0, preset=preset)
        pre = sim.Population(3, sim.SpikeSourceArray(spike_times=[5.0, 10.0]))
        post = sim.Population(2, sim.IF_cond_exp())
        sim.Projection(pre, post, sim.AllToAllConnector(),
                       sim.TsodyksMarkramSynapse(weight=0.01, **tm), label="stp")
        sim.run(20.0)

    with pytest.raises(UnsupportedPlasticityError, match="depression OR facilitation"):
        build("bss1", U=0.2, tau_rec=100.0, tau_facil=50.0)
    build("bss2", U=0.2, tau_rec=100.0, tau_facil=50.0)       # both on bss2
    build("bss1", U=0.5, tau_rec=100.0, tau_facil=0.0)        # depression on bss1
    from pyNN.random import RandomDistribution
    with pytest.raises(UnsupportedPlasticityError, match="differs between synapses of one"):
        build("bss2", U=RandomDistribution("uniform", (0.1, 0.9)), tau_rec=100.0)
    sim.end()


def test_chip_short_term_depression_depresses():
    """On the chip a depressing driver makes successive PSPs smaller (as in ideal mode, up to
    the driver's fixed-pattern noise)."""
    sim = neurohw.backend("emulator")
    amplitudes = {}
    for ideal in (True, False):
        sim.setup(timestep=0.1, ideal=ideal, chip_seed=0,
                  **({} if ideal else {"distortions": {"membrane_noise": False,
                                                         "membrane_readout_quantisation": False}}))
        times = 50.0 + 50.0 * np.arange(8)
        pre = sim.Population(1, sim.SpikeSourceArray(spike_times=times))
        post = sim.Population(1, sim.IF_cond_exp(v_thresh=-40.0))
        sim.Projection(pre, post, sim.AllToAllConnector(),
                       sim.TsodyksMarkramSynapse(weight=0.01, U=0.5, tau_rec=200.0))
        post.record("v")
        sim.run(500.0)
        v = post.get_data().segments[0].analogsignals[0].magnitude.ravel()
        sim.end()
        idx = np.rint((times + 1.0) / 0.1).astype(int)
        amplitudes[ideal] = np.array([v[i:i + 300].max() - v[i] for i in idx])
    for a in amplitudes.values():
        assert a[-1] < 0.6 * a[0]
    np.testing.assert_allclose(amplitudes[False] / amplitudes[False][0],
                               amplitudes[True] / amplitudes[True][0], atol=0.15)


def _em_weights(setup_kw: dict) -> np.ndarray:
    """Online EM (OnlineEMSynapse) with three inputs: one active before every post spike, one
    before half of them, one never. Returns the learned log-domain weights."""
    sim = neurohw.backend("emulator")
    sim.setup(timestep=0.1, **setup_kw)
    rng = np.random.default_rng(0)
    post_t = 20.0 + 25.0 * np.arange(800)
    always = post_t - 3.0
    half = np.sort(rng.choice(post_t, 400, replace=False)) - 3.0
    pre = sim.Population(3, sim.SpikeSourceArray(spike_times=[always, half, []]))
    kick = sim.Population(1, sim.SpikeSourceArray(spike_times=post_t - 3.0))
    post = sim.Population(1, sim.IF_curr_exp(tau_m=10.0, tau_refrac=5.0))
    sim.Projection(kick, post, sim.AllToAllConnector(), sim.StaticSynapse(weight=8.0, delay=1.0))
    prj = sim.Projection(pre, post, sim.AllToAllConnector(),
                         sim.OnlineEMSynapse(weight=0.005, delay=1.0, eta=0.02, log_c=5.0,
                                             window=10.0, w_max=0.01))
    sim.run(post_t[-1] + 50.0)
    w = np.array(prj.get("weight", format="array"), dtype=float).ravel() / 0.01 * 5.0
    sim.end()
    return w


def test_online_em_weights_become_log_likelihoods():
    """Nessler et al.'s rule drives w towards log c + log E[sensor trace at a post spike]:
    the always-active input near 5 + log(0.76), the half-active one about log 2 lower, the
    silent one to 0 -- in ideal mode and, with its sensors' fixed-pattern noise and 6-bit
    codes, on the bss2 chip; bss1 has no plasticity processor and refuses the rule."""
    ideal = _em_weights({"ideal": True})
    assert 4.3 < ideal[0] < 4.9
    assert abs((ideal[0] - ideal[1]) - np.log(2.0)) < 0.15
    assert ideal[2] == 0.0
    chip = _em_weights({"preset": "bss2", "chip_seed": 0})
    assert chip[0] > chip[1] > chip[2] == 0.0
    np.testing.assert_allclose(chip[:2], ideal[:2], atol=0.4)
    with pytest.raises(UnsupportedPlasticityError, match="programmable plasticity processor"):
        _em_weights({"preset": "bss1", "chip_seed": 0})


@pytest.mark.parametrize("setup_kw", [{"ideal": True}, {"chip_seed": 0}])
def test_weights_recordable_over_time_with_run_callbacks(setup_kw):
    """PyNN's way of recording weights over time (a callback of ``run`` that calls
    ``prj.get("weight")``, as PyNN's simple_STDP example does) sees the weights change during
    the run, and the last sample is what ``get`` returns after it."""
    sim = neurohw.backend("emulator")
    sim.setup(timestep=0.1, **setup_kw)
    pre_times = 20.0 + 40.0 * np.arange(20)
    pre = sim.Population(4, sim.SpikeSourceArray(spike_times=pre_times))
    kick = sim.Population(1, sim.SpikeSourceArray(spike_times=pre_times + 2.0))
    post = sim.Population(1, sim.IF_curr_exp(tau_m=10.0, tau_refrac=5.0))
    sim.Projection(kick, post, sim.AllToAllConnector(), sim.StaticSynapse(weight=8.0))
    stdp = sim.STDPMechanism(
        timing_dependence=sim.SpikePairRule(tau_plus=20.0, tau_minus=20.0, A_plus=0.05,
                                            A_minus=0.02),
        weight_dependence=sim.AdditiveWeightDependence(w_min=0.0, w_max=W_MAX),
        weight=0.02, delay=1.0)
    prj = sim.Projection(pre, post, sim.AllToAllConnector(), stdp)
    samples = []

    def record_weights(t):
        samples.append(np.array(prj.get("weight", format="list", with_address=False)))
        return t + 100.0

    sim.run(800.0, callbacks=[record_weights])
    final = np.array(prj.get("weight", format="list", with_address=False))
    sim.end()
    assert len(samples) >= 8
    means = [s.mean() for s in samples]
    assert means[-1] > means[0] and np.all(np.diff(means) >= -1e-12)
    np.testing.assert_allclose(samples[-1], final)
