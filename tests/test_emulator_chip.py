"""The emulator with the chip in the loop (default, ideal=False): issue 4's "Must show"."""

from __future__ import annotations

import numpy as np
import pytest

import neurohw
from neurohw.backends.emulator.chip import MappingError, ReadoutLimitError


@pytest.fixture()
def sim():
    return neurohw.backend("emulator")


def _network_spikes(sim, chip_seed: int, seed: int = 0):
    sim.setup(timestep=0.1, chip_seed=chip_seed, seed=seed)
    p = sim.Population(60, sim.IF_cond_exp(i_offset=0.4, tau_m=15.0))
    src = sim.Population(10, sim.SpikeSourcePoisson(rate=30.0))
    sim.Projection(src, p, sim.AllToAllConnector(), sim.StaticSynapse(weight=0.004, delay=1.0))
    p.record("spikes")
    sim.run(300.0)
    return [np.asarray(st) for st in p.get_data().segments[0].spiketrains]


def test_same_chip_same_seed_identical_spikes_and_chip_seeds_differ(sim):
    a, b = _network_spikes(sim, 1), _network_spikes(sim, 1)
    assert all(np.array_equal(x, y) for x, y in zip(a, b))
    c = _network_spikes(sim, 2)
    rate_a = np.array([x.size for x in a])
    rate_c = np.array([x.size for x in c])
    assert rate_a.sum() > 0 and not np.array_equal(rate_a, rate_c)


@pytest.mark.parametrize("preset,levels", [("bss1", 16), ("bss2", 64)])
def test_realised_weights_on_the_level_grid(sim, preset, levels):
    sim.setup(timestep=0.1, preset=preset, chip_seed=3)
    p = sim.Population(40, sim.IF_cond_exp())
    src = sim.Population(1, sim.SpikeSourceArray(spike_times=[1.0]))
    requested = np.linspace(0.001, 0.01, 40)[np.newaxis, :]
    prj = sim.Projection(src, p, sim.AllToAllConnector(), sim.StaticSynapse(weight=0.005))
    prj.set(weight=requested)
    realised = prj.get("weight", format="array")[0]
    gain = sim.state.engine.chip.synaptic_gain("excitatory", p._circuits)
    codes = realised / gain
    step = codes.max() / (levels - 1)
    assert np.allclose(codes / step, np.round(codes / step), atol=1e-6)
    assert np.unique(np.round(codes / step)).size <= levels
    assert not np.allclose(realised, requested[0])
    assert prj.quantisation_report.n == 40


def test_too_large_population_fails_before_running(sim):
    sim.setup(timestep=0.1)
    sim.Population(600, sim.IF_cond_exp())
    with pytest.raises(MappingError, match="512"):
        sim.run(10.0)
    assert sim.get_current_time() == 0.0


def test_fan_in_overflow_fails_or_is_reported(sim):
    for allow in (False, True):
        sim.setup(timestep=0.1, allow_synapse_loss=allow)
        src = sim.Population(300, sim.SpikeSourceArray(spike_times=[5.0]))
        p = sim.Population(2, sim.IF_cond_exp())
        sim.Projection(src, p, sim.AllToAllConnector(), sim.StaticSynapse(weight=0.001))
        p.record("spikes")
        if not allow:
            with pytest.raises(MappingError, match="224"):
                sim.run(10.0)
            assert sim.get_current_time() == 0.0
        else:
            sim.run(10.0)
            ann = p.get_data().segments[0].annotations
            assert ann["lost_synapses"] == 2 * (300 - 224)
            assert "lost" in sim.mapping_report()


def test_dropped_input_events_are_counted(sim):
    sim.setup(timestep=0.1)
    times = np.arange(0.1, 100.0, 0.1)
    src = sim.Population(200, sim.SpikeSourceArray(spike_times=times))
    p = sim.Population(1, sim.IF_cond_exp())
    sim.Projection(src, p, sim.FixedTotalNumberConnector(100, rng=sim.NumpyRNG(1)),
                   sim.StaticSynapse(weight=0.0001))
    src.record("spikes")
    sim.run(100.0)
    ann = src.get_data().segments[0].annotations
    n_sent = sum(len(st) for st in src.get_data().segments[0].spiketrains)
    assert ann["dropped_input_events"] > 0
    assert n_sent + ann["dropped_input_events"] == 200 * times.size


def test_spike_times_on_chip_clock_and_membrane_channels(sim):
    sim.setup(timestep=0.1)
    p = sim.Population(4, sim.IF_cond_exp(i_offset=1.0))
    p.record("spikes")
    with pytest.raises(ReadoutLimitError):
        p.record("v")
    p[0:1].record("v")
    sim.run(100.0)
    seg = p.get_data().segments[0]
    clock = sim.state.engine.chip.preset.clock_period_bio_ms
    times = np.concatenate([np.asarray(st) for st in seg.spiketrains])
    assert times.size > 0
    assert np.allclose(times / clock, np.round(times / clock), atol=1e-6)
    assert seg.annotations["ideal"] is False and seg.annotations["hardware_duration_ms"] == 0.01


def test_hw_neuron_takes_dac_codes(sim):
    counts = []
    for chip_seed in (0, 1):
        sim.setup(timestep=0.1, chip_seed=chip_seed)
        h = sim.Population(20, sim.HWNeuron())
        h.set(v_thresh=np.full(20, 300))
        h.record("spikes")
        src = sim.Population(5, sim.SpikeSourcePoisson(rate=50.0))
        sim.Projection(src, h, sim.AllToAllConnector(), sim.StaticSynapse(weight=0.01))
        sim.run(200.0)
        counts.append(np.array(list(h.get_spike_counts().values())))
        assert np.all(np.asarray(h.get("v_thresh")) == 300)
    assert not np.array_equal(counts[0], counts[1])


def test_calibration_keyword_validation(sim):
    from neurohw.backends.emulator.chip_wiring import CalibrationSetupError

    with pytest.raises(CalibrationSetupError, match="ideal"):
        sim.setup(timestep=0.1, ideal=True, calibration="auto")
    sim.setup(timestep=0.1, calibration=None)
    assert sim.state.engine.annotations()["calibration_id"] == "none"


def test_hw_neuron_synaptic_gain_code_scales_weights(sim):
    realised = []
    for code in (200, 800):
        sim.setup(timestep=0.1, chip_seed=2)
        h = sim.Population(4, sim.HWNeuron(syn_gain_E=code))
        src = sim.Population(1, sim.SpikeSourceArray(spike_times=[1.0]))
        prj = sim.Projection(src, h, sim.AllToAllConnector(), sim.StaticSynapse(weight=0.01))
        realised.append(np.asarray(prj.get("weight", format="list", with_address=False)))
    assert np.all(realised[1] > realised[0])
