"""Energy and hardware-time reports: exact event counts, the model's scaling, neo annotations,
and the NEST report (measured wall time, CPU energy with its method named)."""

from __future__ import annotations

import numpy as np
import pytest

import neurohw
from neurohw.backends.emulator.chip.energy import (EventCounts, controller_visits, estimate,
                                                   figures_for)

SPIKES = [[10.0, 20.0], [30.0], []]  # 3 host events from 3 sources


def _network(sim, ideal: bool, preset: str = "bss1"):
    sim.setup(timestep=0.1, ideal=ideal, chip_seed=0, seed=1, preset=preset)
    src = sim.Population(3, sim.SpikeSourceArray(spike_times=SPIKES), label="src")
    quiet = sim.Population(4, sim.IF_cond_exp(), label="quiet")
    # fires regularly from a DC offset; each spike fans out to the 4 quiet neurons
    driven = sim.Population(2, sim.IF_curr_exp(i_offset=1.0), label="driven")
    sim.Projection(src, quiet, sim.AllToAllConnector(),
                   sim.StaticSynapse(weight=0.001, delay=1.0))
    sim.Projection(driven, quiet, sim.AllToAllConnector(),
                   sim.StaticSynapse(weight=0.0001, delay=1.0))
    driven.record("spikes")
    quiet.record("spikes")
    return src, quiet, driven


@pytest.mark.parametrize("ideal", [True, False])
def test_counts_are_exact(ideal):
    sim = neurohw.backend("emulator")
    _src, quiet, driven = _network(sim, ideal)
    sim.run(100.0)
    rep = sim.energy_report()
    c = rep["counts"]
    n_driven = sum(len(st) for st in driven.get_data().segments[0].spiketrains)
    n_quiet = sum(len(st) for st in quiet.get_data().segments[0].spiketrains)
    assert n_driven > 0 and n_quiet == 0
    assert c["host_events"] == 3
    assert c["source_spikes"] == 3
    assert c["neuron_spikes"] == n_driven
    assert c["spikes_by_population"] == {"src": 3, "quiet": 0, "driven": n_driven}
    # every spike reaches all 4 quiet neurons
    assert c["synaptic_events"] == 4 * (3 + n_driven)
    assert c["recorded_spikes"] == n_driven
    assert c["plasticity_updates"] == 0
    assert rep["ideal"] is ideal
    assert rep["biological_time_s"] == pytest.approx(0.1)
    assert rep["emulation_time_s"] == pytest.approx(0.1 / 1e4)
    assert rep["hardware_wall_time_s"] == pytest.approx(
        rep["emulation_time_s"] + rep["configuration_time_s"] + rep["host_io_time_s"])
    assert rep["energy_J"] == pytest.approx(sum(rep["energy_parts_J"].values()))
    assert "energy report" in str(rep)
    if ideal:
        assert "ideal mode" in rep["note"]


def test_segments_have_their_own_account_and_annotations():
    sim = neurohw.backend("emulator")
    _src, quiet, driven = _network(sim, ideal=False)
    sim.run(100.0)
    first = sim.energy_report()
    sim.reset()
    sim.run(50.0)
    second = sim.energy_report()
    assert second["counts"]["bio_time_ms"] == pytest.approx(50.0)
    assert second["counts"]["host_events"] == 3       # spikes at 10, 20 and 30 ms
    assert second["counts"]["configuration_words"] == 0  # nothing changed: no reconfiguration
    assert first["counts"]["configuration_words"] > 0
    block = driven.get_data()
    assert len(block.segments) == 2
    for seg, rep in zip(block.segments, (first, second)):
        assert seg.annotations["energy_J"] == pytest.approx(rep["energy_J"])
        assert seg.annotations["hardware_wall_time_s"] == pytest.approx(
            rep["hardware_wall_time_s"])
        for part in ("static", "synaptic", "spikes", "host", "plasticity"):
            assert f"energy_{part}_J" in seg.annotations
    assert "energy_J" in block.annotations


def test_energy_scales_with_events_and_time():
    fig = figures_for("bss2")
    base = EventCounts(bio_time_ms=1000.0, synaptic_events=10_000, neuron_spikes=100,
                       source_spikes=50, host_events=40, plasticity_updates=7)
    e1 = estimate(base, fig, acceleration=1e3)
    doubled = EventCounts(bio_time_ms=2000.0, synaptic_events=20_000, neuron_spikes=200,
                          source_spikes=100, host_events=80, plasticity_updates=14)
    e2 = estimate(doubled, fig, acceleration=1e3)
    assert e2["energy_J"] == pytest.approx(2 * e1["energy_J"])
    assert e1["emulation_time_s"] == pytest.approx(1e-3)
    assert e1["energy_parts_J"]["synaptic"] == pytest.approx(10_000 * fig.synaptic_event_J)
    assert e1["energy_parts_J"]["spikes"] == pytest.approx(150 * fig.spike_J)
    assert e1["energy_parts_J"]["host"] == pytest.approx(40 * fig.host_event_J)
    assert e1["energy_parts_J"]["plasticity"] == pytest.approx(7 * fig.plasticity_update_J)
    assert e1["energy_parts_J"]["static"] == pytest.approx(
        fig.chip_power_W * e1["hardware_wall_time_s"])
    two_chips = estimate(base, fig, acceleration=1e3, n_chips=2)
    assert two_chips["energy_parts_J"]["static"] == pytest.approx(
        2 * e1["energy_parts_J"]["static"])
    for f in (figures_for("bss1"), fig):
        assert set(f.sources) >= {"chip_power_W", "synaptic_event_J", "spike_J",
                                  "host_event_J", "plasticity_update_J"}


def test_controller_visits_match_brute_force():
    rng = np.random.default_rng(3)
    period = 7
    sizes = rng.integers(0, 5, size=period)
    ptr = np.concatenate([[0], np.cumsum(sizes)])
    for step0, n in ((0, 1), (3, 20), (11, 100), (5, 0)):
        brute = sum(int(sizes[s % period]) for s in range(step0, step0 + n))
        assert controller_visits(ptr, period, step0, n) == brute
    assert controller_visits(ptr, 0, 0, 100) == 0


def test_chip_stdp_counts_controller_visits():
    sim = neurohw.backend("emulator")
    sim.setup(timestep=0.1, chip_seed=0, seed=1)
    src = sim.Population(5, sim.SpikeSourcePoisson(rate=20.0))
    post = sim.Population(1, sim.IF_curr_exp())
    stdp = sim.STDPMechanism(
        timing_dependence=sim.SpikePairRule(tau_plus=20.0, tau_minus=20.0, A_plus=0.01,
                                            A_minus=0.012),
        weight_dependence=sim.AdditiveWeightDependence(w_min=0.0, w_max=0.5),
        weight=0.2, delay=1.0)
    sim.Projection(src, post, sim.AllToAllConnector(), stdp)
    sim.run(1000.0)
    rep = sim.energy_report()
    engine = sim.state.engine
    period = engine.plastic.sweep_period
    assert period > 0
    # every plastic synapse is visited once per controller period
    assert rep["counts"]["plasticity_updates"] == pytest.approx(5 * 10_000 / period, abs=5)
    assert rep["energy_parts_J"]["plasticity"] > 0


def test_dropped_host_events_are_not_energy_events():
    sim = neurohw.backend("emulator")
    sim.setup(timestep=0.1, chip_seed=0, seed=1)
    # 200 sources x 5 spikes within 1 ms: far above bss1's 4 events per bio ms (40 / 10 ms)
    src = sim.Population(200, sim.SpikeSourceArray(spike_times=[0.1, 0.3, 0.5, 0.7, 0.9]))
    post = sim.Population(1, sim.IF_cond_exp())
    sim.Projection(src, post, sim.AllToAllConnector(), sim.StaticSynapse(weight=1e-4))
    sim.run(20.0)
    c = sim.energy_report()["counts"]
    assert c["dropped_host_events"] > 0
    assert c["host_events"] + c["dropped_host_events"] == 1000
    assert c["synaptic_events"] == c["host_events"]


def test_nest_report_has_wall_time_and_energy(nest_sim):
    sim = nest_sim
    sim.setup(timestep=0.1)
    sim.Population(50, sim.IF_cond_exp(i_offset=1.0))
    sim.run(500.0)
    rep = sim.energy_report()
    assert rep["backend"] == "nest"
    assert rep["wall_time_s"] > 0 and rep["cpu_time_s"] >= 0
    assert rep["energy_J"] > 0 or rep["cpu_time_s"] == 0
    assert ("RAPL" in rep["method"]) or ("per busy core" in rep["method"])
    assert rep["runs"] == 1
    assert rep["biological_time_s"] == pytest.approx(0.5, abs=1e-3)
    assert "energy report (nest)" in str(rep)
    sim.setup(timestep=0.1)  # a new account (reset() too)
    assert sim.energy_report()["runs"] == 0
