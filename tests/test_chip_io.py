"""Chip model: host bandwidth, shared noise generators, spike-time and membrane readout."""

import numpy as np
import pytest

from neurohw.backends.emulator.chip import Chip, ChipSwitches, ReadoutLimitError


def test_host_events_beyond_budget_are_dropped_and_counted():
    chip = Chip()                                      # bss1: 4 events per bio ms per chip
    cap = int(chip.preset.bio_events_per_ms * chip.preset.host_window_bio_ms)
    burst = [np.linspace(0.0, 9.9, 100), np.linspace(0.05, 9.95, 100)]
    kept, dropped = chip.filter_host_events(burst, 0.0, 100.0)
    assert dropped == 200 - cap
    merged = np.sort(np.concatenate(kept))
    np.testing.assert_allclose(merged, np.sort(np.concatenate(burst))[:cap])   # earliest kept
    again, dropped2 = chip.filter_host_events(burst, 0.0, 100.0)
    assert dropped2 == dropped and all(np.array_equal(a, b) for a, b in zip(kept, again))
    # within budget: nothing lost; two chips double the budget; ideal: no limit
    sparse = [np.arange(0.0, 100.0, 1.0)]              # 1 event per ms
    assert chip.filter_host_events(sparse, 0.0, 100.0)[1] == 0
    assert Chip(n_chips=2).filter_host_events(burst, 0.0, 100.0)[1] == 200 - 2 * cap
    assert Chip(switches=ChipSwitches.ideal()).filter_host_events(burst, 0.0, 100.0)[1] == 0
    # events outside the run are not charged to it
    assert chip.filter_host_events(burst, 50.0, 100.0)[1] == 0


def test_shared_noise_generators_correlate_sources():
    chip = Chip()
    rates = np.full(32, 50.0)
    trains = chip.poisson_trains(rates, 0.0, 2000.0, np.random.default_rng(1))
    assert len({tuple(t) for t in trains}) == chip.n_noise_generators       # 8 distinct
    np.testing.assert_array_equal(trains[0], trains[8])                    # same generator
    mean_rate = np.mean([t.size for t in trains]) / 2.0
    assert 40 < mean_rate < 60
    # a slower source on a generator gets a thinned subset of its events
    mixed = chip.poisson_trains(np.r_[100.0, np.full(7, 1.0), 25.0], 0.0, 4000.0,
                                np.random.default_rng(2))
    assert np.all(np.isin(mixed[8], mixed[0])) and 60 < mixed[8].size < 140
    same = chip.poisson_trains(rates, 0.0, 2000.0, np.random.default_rng(1))
    assert all(np.array_equal(a, b) for a, b in zip(trains, same))
    ideal = Chip(switches=ChipSwitches.ideal()).poisson_trains(rates, 0.0, 2000.0,
                                                               np.random.default_rng(1))
    assert len({tuple(t) for t in ideal}) == 32


def test_spike_times_on_the_chip_clock():
    chip = Chip()
    t = np.array([0.0, 0.039, 0.04, 10.013, 123.4567])
    q = chip.quantise_spike_times(t)
    np.testing.assert_allclose(q, [0.0, 0.0, 0.04, 10.0, 123.44], atol=1e-9)
    steps = q / chip.preset.clock_period_bio_ms
    np.testing.assert_allclose(steps, np.rint(steps), atol=1e-6)
    assert np.all(Chip(preset="bss2").quantise_spike_times(t) <= t)
    np.testing.assert_array_equal(Chip(switches=ChipSwitches.ideal()).quantise_spike_times(t), t)


def test_membrane_readout_limit_and_adc_grid():
    chip = Chip()
    chip.check_membrane_recording(2)
    with pytest.raises(ReadoutLimitError, match="at most 2 neurons"):
        chip.check_membrane_recording(3)
    bss2 = Chip(preset="bss2")
    with pytest.raises(ReadoutLimitError, match="parallel ADC"):
        bss2.check_membrane_recording(100)
    bss2.check_membrane_recording(512, sampling_interval_ms=1.0)
    Chip(switches=ChipSwitches.ideal()).check_membrane_recording(512)

    v = np.linspace(-70.0, -50.0, 1000)
    read = chip.read_membrane(v, np.random.default_rng(0))
    lsb_hw = 1800.0 / 4095
    codes = (chip.preset.bio_to_hw_voltage(read)) / lsb_hw
    np.testing.assert_allclose(codes, np.rint(codes), atol=1e-6)
    err = read - v
    assert 0.1 < err.std() < 0.4            # 2 mV hardware noise = 0.2 mV bio, plus ADC steps
    assert np.array_equal(read, chip.read_membrane(v, np.random.default_rng(0)))
    slow = bss2.read_membrane(v, np.random.default_rng(0), sampling_interval_ms=1.0)
    slow_lsb_hw = 1200.0 / 255                               # 8-bit parallel ADC, bss2 range
    slow_codes = bss2.preset.bio_to_hw_voltage(slow) / slow_lsb_hw
    np.testing.assert_allclose(slow_codes, np.rint(slow_codes), atol=1e-6)
    assert np.unique(slow).size < 40                          # ~0.63 mV bio steps over 20 mV
    np.testing.assert_array_equal(
        Chip(switches=ChipSwitches.ideal()).read_membrane(v, np.random.default_rng(0)), v)


def test_membrane_noise_and_annotations():
    chip = Chip(preset="bss2", chip_seed=7, seed=3)
    assert 0 < chip.membrane_noise_std_mV < 0.5
    assert Chip(switches=ChipSwitches.ideal()).membrane_noise_std_mV == 0
    ann = chip.annotations()
    assert ann["preset"] == "bss2" and ann["acceleration"] == 1e3 and ann["chip_seed"] == 7
    assert ann["calibration_id"] is None
    assert chip.hardware_duration_s(1000.0) == pytest.approx(1e-3)
