"""ACSource and NoisyCurrentSource on the emulator: parity of the sine with NEST's
``ac_generator`` (through pyNN.nest), and determinism and statistics of the noise.

Tolerances asserted (measured in brackets):

- ACSource, two IF_curr_exp/IF_cond_alpha neurons (one with two sources), two runs of 100 ms,
  NEST with ``min_delay=0.1``, ``spike_precision="on_grid"``: identical spike times [identical,
  9 spikes]; max |dv| < 1e-9 mV [2e-13]; the recorded current equals pyNN.nest's within 1e-9 nA
  [2e-14]. Sources start at t >= 2 dt: pyNN.nest cannot deliver a generator's current in the
  first time step (its events need ``min_delay``), the emulator can.
- NoisyCurrentSource: same ``seed`` -> identical currents and spikes (also when the simulation
  is split into several runs); another seed -> different ones; every target its own noise;
  mean and standard deviation of 50 000 samples within 5 standard errors of ``mean``/``stdev``;
  a new value exactly every ``dt`` from ``start`` on, 0 before ``start`` and from ``stop`` on.
"""

from __future__ import annotations

import numpy as np
import pytest
from pyNN import errors

import neurohw

DT = 0.1


def _ac_network(sim, celltype: str, setup_kw: dict):
    sim.setup(timestep=DT, min_delay=DT, **setup_kw)
    cells = sim.Population(2, getattr(sim, celltype)(v_thresh=-55.0, tau_refrac=2.0))
    slow = sim.ACSource(amplitude=1.2, offset=0.3, frequency=37.0, phase=30.0, start=20.3,
                        stop=180.0)
    slow.inject_into(cells[0:1])
    fast = sim.ACSource(amplitude=0.8, offset=0.5, frequency=113.0, phase=-60.0, start=0.2,
                        stop=150.0)
    fast.inject_into(cells)
    slow.record()
    cells.record(["v", "spikes"])
    sim.run(100.0)
    sim.run(100.0)
    seg = cells.get_data().segments[0]
    out = ([np.asarray(s) for s in seg.spiketrains], np.asarray(seg.filter(name="v")[0]),
           slow.get_data())
    sim.end()
    return out


@pytest.mark.nest
@pytest.mark.parametrize("celltype", ["IF_curr_exp", "IF_cond_alpha"])
def test_ac_source_parity_with_nest(nest_sim, celltype):
    emulator = neurohw.backend("emulator")
    spikes_ref, v_ref, i_ref = _ac_network(nest_sim, celltype, {"spike_precision": "on_grid"})
    spikes_emu, v_emu, i_emu = _ac_network(emulator, celltype, {"ideal": True})
    assert sum(s.size for s in spikes_ref) >= 6, "the sine must make the neurons fire"
    for ref, emu in zip(spikes_ref, spikes_emu):
        np.testing.assert_array_equal(np.round(emu / DT), np.round(ref / DT))
    assert np.max(np.abs(v_emu - v_ref)) < 1e-9
    assert i_emu.shape == i_ref.shape == (2001, 1)
    assert float(i_emu.t_start) == 0.0 and float(i_emu.sampling_period) == pytest.approx(DT)
    assert np.max(np.abs(i_emu.magnitude - i_ref.magnitude)) < 1e-9


def test_ac_source_waveform_and_window():
    """I(t) = offset + amplitude sin(2 pi f (t - start) + phase) for start <= t < stop, one new
    value every time step; the phase holds at start (PyNN's convention)."""
    sim = neurohw.backend("emulator")
    sim.setup(timestep=DT, ideal=True)
    cell = sim.Population(1, sim.IF_curr_exp())
    ac = sim.ACSource(amplitude=0.5, offset=0.1, frequency=100.0, phase=90.0, start=5.0,
                      stop=12.0)
    ac.inject_into(cell)
    ac.record()
    sim.run(20.0)
    i = ac.get_data().magnitude[:, 0]
    sim.end()
    t = np.arange(i.size) * DT
    on = (t >= 5.0 - 1e-9) & (t < 12.0 - 1e-9)
    expected = np.where(on, 0.1 + 0.5 * np.sin(2 * np.pi * 0.1 * (t - 5.0) + np.pi / 2), 0.0)
    np.testing.assert_allclose(i, expected, atol=1e-12)
    assert i[50] == pytest.approx(0.6)          # phase 90 deg at start: offset + amplitude
    assert i[49] == 0.0 and i[120] == 0.0


def _noise_run(seed: int, runs=(1000.0,), n_cells: int = 3, noise_dt: float = 1.0):
    sim = neurohw.backend("emulator")
    sim.setup(timestep=DT, seed=seed, ideal=True)
    cells = sim.Population(n_cells, sim.IF_curr_exp(tau_refrac=2.0))
    noise = sim.NoisyCurrentSource(mean=0.6, stdev=0.8, dt=noise_dt, start=10.0, stop=900.0)
    noise.inject_into(cells)
    noise.record()
    cells.record(["spikes", "v"])
    for duration in runs:
        sim.run(duration)
    seg = cells.get_data().segments[0]
    spikes = [np.asarray(s) for s in seg.spiketrains]
    v = np.asarray(seg.filter(name="v")[0])
    current = noise.get_data().magnitude[:, 0]
    sim.end()
    return spikes, v, current


def test_noisy_current_is_deterministic_per_seed():
    spikes_a, v_a, i_a = _noise_run(seed=11)
    spikes_b, v_b, i_b = _noise_run(seed=11)
    spikes_split, _, i_split = _noise_run(seed=11, runs=(333.3, 0.0, 666.7))
    spikes_c, _, i_c = _noise_run(seed=12)
    assert sum(s.size for s in spikes_a) > 10, "the noise must make the neurons fire"
    for a, b, split in zip(spikes_a, spikes_b, spikes_split):
        np.testing.assert_array_equal(a, b)
        np.testing.assert_array_equal(a, split)
    np.testing.assert_array_equal(v_a, v_b)
    np.testing.assert_array_equal(i_a, i_b)
    np.testing.assert_array_equal(i_a, i_split)
    assert not np.array_equal(i_a, i_c)
    assert any(not np.array_equal(a, c) for a, c in zip(spikes_a, spikes_c))
    # every target gets its own noise (NEST's noise_generator): identical cells diverge
    assert not np.allclose(v_a[:, 0], v_a[:, 1])
    # nothing before start (10 ms; the membrane responds one step later)
    np.testing.assert_array_equal(v_a[:101], -65.0)


def test_noisy_current_statistics_and_update_interval():
    sim = neurohw.backend("emulator")
    sim.setup(timestep=DT, seed=5, ideal=True)
    cell = sim.Population(1, sim.IF_curr_exp())
    fine = sim.NoisyCurrentSource(mean=0.25, stdev=0.5, dt=DT, start=0.0)
    coarse = sim.NoisyCurrentSource(mean=-0.1, stdev=0.3, dt=1.0, start=2.5, stop=4000.0)
    for source in (fine, coarse):
        source.inject_into(cell)
        source.record()
    sim.run(5000.0)
    x = fine.get_data().magnitude[:-1, 0]
    y = coarse.get_data().magnitude[:, 0]
    sim.end()
    n = x.size
    assert n == 50000
    assert abs(x.mean() - 0.25) < 5 * 0.5 / np.sqrt(n)
    assert abs(x.std() / 0.5 - 1.0) < 5 / np.sqrt(2 * n)
    assert abs(np.corrcoef(x[:-1], x[1:])[0, 1]) < 5 / np.sqrt(n)  # white at dt
    # coarse: 0 before 2.5 ms and from 4000 ms on; constant over each 1 ms from start
    assert np.all(y[:25] == 0.0) and np.all(y[40000:] == 0.0)
    blocks = y[25:25 + 10 * 3997].reshape(-1, 10)  # the whole 1 ms intervals from start on
    assert np.all(blocks == blocks[:, :1])
    assert np.all(np.diff(blocks[:, 0]) != 0.0)
    values = blocks[:, 0]
    assert abs(values.mean() + 0.1) < 5 * 0.3 / np.sqrt(values.size)
    assert abs(values.std() / 0.3 - 1.0) < 5 / np.sqrt(2 * values.size)


def test_reseed_restarts_the_noise_from_the_reseed_value():
    """After reseed(s) the noise depends on s alone (and the time since the reseed)."""
    def run(first_seed: int, pre_ms: float) -> np.ndarray:
        sim = neurohw.backend("emulator")
        sim.setup(timestep=DT, seed=first_seed, ideal=True)
        cell = sim.Population(1, sim.IF_curr_exp())
        noise = sim.NoisyCurrentSource(mean=0.0, stdev=1.0, dt=0.5)
        noise.inject_into(cell)
        if pre_ms:
            sim.run(pre_ms)
        noise.record()
        sim.reseed(77)
        sim.run(50.0)
        out = noise.get_data().magnitude[:-1, 0]
        sim.end()
        return out

    a, b, c = run(1, 20.0), run(2, 20.0), run(2, 0.0)
    np.testing.assert_array_equal(a, b)
    np.testing.assert_array_equal(a, c)


def test_generator_parameters_are_checked():
    sim = neurohw.backend("emulator")
    sim.setup(timestep=DT, ideal=True)
    with pytest.raises(errors.InvalidParameterValueError, match="multiple of the time step"):
        sim.NoisyCurrentSource(mean=0.0, stdev=1.0, dt=0.15)
    with pytest.raises(errors.InvalidParameterValueError, match="stdev"):
        sim.NoisyCurrentSource(mean=0.0, stdev=-1.0, dt=0.1)
    with pytest.raises(errors.InvalidParameterValueError, match="before start"):
        sim.ACSource(start=10.0, stop=5.0)
    with pytest.raises(errors.InvalidParameterValueError, match="finite"):
        sim.ACSource(frequency=float("nan"))
    ac = sim.ACSource(amplitude=1.0, frequency=10.0)
    ac.frequency = 20.0          # PyNN's parameter setting on a current source
    assert ac.frequency == 20.0
    assert "ACSource" in dir(sim) and "NoisyCurrentSource" in dir(sim)
    sim.end()


def test_generators_need_no_per_step_host_arrays():
    """An ACSource into 2000 neurons is one row of the kernel's generator table (the kernel
    evaluates the sine once per step); the current-change list stays empty (it would need
    2000 entries per time step). Noise: one row per target."""
    from neurohw.backends.emulator.current_generators import generator_inputs

    sim = neurohw.backend("emulator")
    sim.setup(timestep=DT, ideal=True)
    cells = sim.Population(2000, sim.IF_curr_exp())
    sim.ACSource(amplitude=0.5, offset=0.5, frequency=10.0).inject_into(cells)
    sim.NoisyCurrentSource(mean=0.0, stdev=0.1, dt=1.0).inject_into(cells[:3])
    sim.run(1.0)
    runtime = sim.state.engine
    _i_stim, cur_step, _idx, _delta = runtime._current_inputs(runtime.state.step, 10000)
    table = generator_inputs(runtime, runtime.state.step, 10000)
    sim.end()
    assert cur_step.size == 0
    assert table["gen_kind"].size == 1 + 3
    assert np.diff(table["gen_ptr"]).tolist() == [2000, 1, 1, 1]
    assert len(set(table["gen_int"][1:, 3].tolist())) == 3  # independent noise streams
