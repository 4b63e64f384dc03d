"""Emulator behaviour that PyNN's own system scenarios rely on (``tests/test_pynn_scenarios.py``
runs those; these tests pin the fixes without needing PyNN's source distribution): electrode
parameters and current recording, ``min_delay="auto"``, SpikeSourceArray timing and precise
recording, get/set of connection attributes, and projections with equal labels on the chip."""

from __future__ import annotations

import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal
from pyNN import errors

import neurohw


@pytest.fixture()
def sim(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    emu = neurohw.backend("emulator")
    emu.setup(timestep=0.1, min_delay=0.1, ideal=True)
    yield emu
    emu.end()


# -- electrodes ------------------------------------------------------------------------------
def test_step_current_times_on_grid_last_amplitude_wins(sim):
    step = sim.StepCurrentSource(times=[0.41, 0.42, 0.86], amplitudes=[0.5, -0.5, 0.5])
    assert len(step.times.evaluate()) == 2 and len(step.amplitudes.evaluate()) == 2
    assert step.times[0] == pytest.approx(0.4, abs=1e-12)
    assert step.times[1] == pytest.approx(0.9, abs=1e-12)
    assert step.amplitudes[0] == -0.5 and step.amplitudes[1] == 0.5
    with pytest.raises(ValueError, match=">= 0"):
        sim.StepCurrentSource(times=[0.4, -0.6, 0.8], amplitudes=[0.5, -0.5, 0.5])
    with pytest.raises(ValueError, match="increasing"):
        sim.StepCurrentSource(times=[0.5, 0.4999, 0.8], amplitudes=[0.5, -0.5, 0.5])


def test_recorded_current_follows_the_applied_one(sim):
    cell = sim.Population(1, sim.IF_curr_exp(v_rest=-60.0))
    cell.initialize(v=-60.0)
    dc = sim.DCSource(amplitude=0.5, start=5.0, stop=12.0)
    dc.inject_into(cell)
    dc.record()
    cell.record("v")
    sim.run(10.0)
    dc.amplitude = 0.25  # takes effect from the current time on
    sim.run(10.0)
    i = dc.get_data()
    v = cell.get_data().segments[0].filter(name="v")[0]
    assert len(i) == len(v) == 201
    assert float(i.t_start) == 0.0 and float(i.sampling_period) == pytest.approx(0.1)
    values = i.magnitude[:, 0]
    assert_array_equal(values[:50], 0.0)          # before start
    assert_array_equal(values[50:100], 0.5)       # first run
    assert_array_equal(values[100:120], 0.25)     # after the change, until stop
    assert_array_equal(values[120:], 0.0)
    # the membrane responds in the step after the current starts
    assert v.magnitude[50, 0] == -60.0 and v.magnitude[51, 0] > -60.0


def test_current_get_data_needs_record_and_reset_clears(sim):
    cell = sim.Population(1, sim.IF_curr_exp())
    dc = sim.DCSource(amplitude=0.1)
    dc.inject_into(cell)
    with pytest.raises(errors.NothingToWriteError, match="record"):
        dc.get_data()
    dc.record()
    sim.run(5.0)
    assert len(dc.get_data()) == 51
    sim.reset()
    sim.run(2.0)
    assert len(dc.get_data()) == 21


# -- simulation control ----------------------------------------------------------------------
def test_min_delay_auto_is_the_smallest_delay():
    emu = neurohw.backend("emulator")
    emu.setup(timestep=0.1, min_delay="auto", ideal=True)
    assert emu.get_min_delay() == pytest.approx(0.1)  # no connections yet: the time step
    a = emu.Population(3, emu.IF_cond_exp())
    b = emu.Population(2, emu.IF_cond_exp())
    emu.Projection(a, b, emu.AllToAllConnector(), emu.StaticSynapse(delay=0.7))
    emu.Projection(b, a, emu.AllToAllConnector(), emu.StaticSynapse(delay=0.5))
    emu.run(1.0)
    assert emu.get_min_delay() == 0.5
    emu.setup(timestep=0.1, min_delay=0.3, ideal=True)
    assert emu.get_min_delay() == 0.3
    with pytest.raises(errors.InvalidParameterValueError, match="spike_precision"):
        emu.setup(spike_precision="exact")
    emu.end()


# -- SpikeSourceArray timing -----------------------------------------------------------------
@pytest.mark.parametrize("precision, expected", [("on_grid", [0.1, 10.05, 12.35]),
                                                 ("off_grid", [0.075, 10.025, 12.34])])
def test_array_source_times_between_grid_points(precision, expected):
    """An off-grid spike takes effect at the end of its time step (ceil, as a grid-based NEST
    neuron receives a precise spike); off_grid recording reports the requested time."""
    emu = neurohw.backend("emulator")
    emu.setup(timestep=0.05, ideal=True, spike_precision=precision)
    src = emu.Population(1, emu.SpikeSourceArray(spike_times=[0.075, 10.025, 12.34, 1000.025]))
    src.record("spikes")
    emu.run(10.0)
    first = src.get_data("spikes", clear=True).segments[0].spiketrains[0].magnitude
    emu.run(10.0)
    second = src.get_data("spikes", clear=True).segments[0].spiketrains[0].magnitude
    emu.run(10.0)
    third = src.get_data("spikes", clear=True).segments[0].spiketrains[0].magnitude
    emu.end()
    assert_allclose(first, expected[:1], rtol=0, atol=1e-12)
    assert_allclose(second, expected[1:], rtol=0, atol=1e-12)
    assert third.size == 0


def test_off_grid_spike_reaches_the_target_one_step_later_than_rounding_down():
    emu = neurohw.backend("emulator")
    emu.setup(timestep=0.1, ideal=True)
    src = emu.Population(2, emu.SpikeSourceArray(spike_times=[1.05]))
    cell = emu.Population(2, emu.IF_curr_exp())
    emu.Projection(src, cell, emu.OneToOneConnector(), emu.StaticSynapse(weight=1.0, delay=0.1))
    cell.record("v")
    emu.run(3.0)
    v = cell.get_data().segments[0].filter(name="v")[0].magnitude[:, 0]
    emu.end()
    first_change = int(np.flatnonzero(v != v[0])[0])
    # emitted at 1.1 ms, arrives 0.1 ms later and moves v from the step after that on
    assert first_change == 13


# -- connection attributes ---------------------------------------------------------------------
def _multi(sim):
    p1 = sim.Population(4, sim.IF_cond_exp())
    p2 = sim.Population(2, sim.IF_cond_exp())
    conns = [(0, 0, 0.1, 0.5), (1, 0, 0.2, 0.5), (1, 0, 0.3, 0.7), (2, 1, 0.4, 0.5)]
    return sim.Projection(p1, p2, sim.FromListConnector(conns, column_names=["weight", "delay"]))


@pytest.mark.parametrize("how, expected", [("sum", 0.5), ("min", 0.2), ("max", 0.3),
                                           ("first", 0.2), ("last", 0.3)])
def test_multiple_synapses_combined(sim, how, expected):
    w = _multi(sim).get("weight", format="array", multiple_synapses=how)
    assert w[1, 0] == pytest.approx(expected)
    assert w[0, 0] == pytest.approx(0.1) and np.isnan(w[3, 0]) and np.isnan(w[0, 1])


def test_set_checks_before_writing(sim):
    prj = _multi(sim)
    with pytest.raises(errors.InvalidParameterValueError, match="NaN .* 0 -> 0"):
        prj.set(weight=np.array([[np.nan, np.nan]] * 4))
    with pytest.raises(errors.ConnectionError, match="delay"):
        prj.set(weight=0.9, delay=0.01)  # a bad delay leaves the weights untouched too
    assert_allclose(sorted(prj.get("weight", format="list", with_address=False)),
                    [0.1, 0.2, 0.3, 0.4])
    prj.set(weight=np.array([[1.0, np.nan], [2.0, np.nan], [np.nan, 3.0], [np.nan, np.nan]]))
    assert_allclose(sorted(prj.get("weight", format="list", with_address=False)),
                    [1.0, 2.0, 2.0, 3.0])  # both connections of the pair 1 -> 0
    connection = list(prj.connections)[0]
    with pytest.raises(errors.ConnectionError, match="delay"):
        connection.delay = 0.01
    with pytest.raises(errors.ConnectionError, match="positive"):
        connection.weight = -1.0


# -- chip mapping ------------------------------------------------------------------------------
def test_projections_with_equal_labels_map_on_the_chip():
    """Two projections between the same populations share PyNN's default label."""
    emu = neurohw.backend("emulator")
    emu.setup(timestep=0.1, chip_seed=1)
    src = emu.Population(4, emu.SpikeSourceArray(spike_times=[1.0]))
    cells = emu.Population(3, emu.IF_cond_exp(), label="cells")
    twin = emu.Population(3, emu.IF_cond_exp(), label="cells")
    exc = emu.Projection(src, cells, emu.AllToAllConnector(), emu.StaticSynapse(weight=0.01),
                         receptor_type="excitatory")
    inh = emu.Projection(src, cells, emu.AllToAllConnector(), emu.StaticSynapse(weight=0.02),
                         receptor_type="inhibitory")
    emu.Projection(src, twin, emu.AllToAllConnector(), emu.StaticSynapse(weight=0.01))
    assert exc.label == inh.label
    emu.run(5.0)
    report = emu.mapping_report()
    emu.end()
    assert "'cells (2)'" in report and f"'{exc.label} (2)'" in report
