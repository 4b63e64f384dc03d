"""Chip model: row-scaled 4/6-bit weight quantisation and its report."""

import numpy as np
import pytest

from neurohw.backends.emulator.chip import Chip, ChipSwitches

NO_FPN = ChipSwitches(fixed_pattern_noise=False, dac_quantisation=False)


@pytest.mark.parametrize("preset, levels", [("bss1", 16), ("bss2", 64)])
def test_realised_weights_sit_on_the_row_grid(preset, levels):
    rng = np.random.default_rng(0)
    n = 2000
    w = rng.uniform(0.0, 0.01, n)
    rows = rng.integers(0, 20, n)
    chip = Chip(preset=preset, switches=NO_FPN)
    realised, report = chip.quantise_weights(w, rows)
    for r in np.unique(rows):
        sel = rows == r
        scale = w[sel].max()
        steps = realised[sel] / scale * (levels - 1)
        np.testing.assert_allclose(steps, np.rint(steps), atol=1e-9)
        assert np.unique(np.rint(steps)).size <= levels
        assert np.isclose(realised[sel].max(), scale)
    assert report.levels == levels and report.n == n
    assert report.max_relative_error > 0
    # the grid error is at most half a step of the row scale
    assert np.all(np.abs(realised - w) <= 0.01 / (levels - 1) / 2 + 1e-12)


def test_digital_weights_do_not_carry_the_fixed_pattern_gain():
    """The hidden analog gain is not part of the digital weight (nor of its report)."""
    w = np.full(512, 0.004)
    realised, report = Chip(chip_seed=4).quantise_weights(w, np.zeros(512, int))
    other, _ = Chip(chip_seed=5).quantise_weights(w, np.zeros(512, int))
    np.testing.assert_array_equal(realised, w)
    np.testing.assert_array_equal(realised, other)
    assert report.max_relative_error < 1e-12
    gain = Chip(chip_seed=4).synaptic_gain("inhibitory", np.arange(512))
    assert 0.05 < gain.std() < 0.15          # the analog gain exists, but stays in the engine


def test_report_counts_rounded_to_zero_and_clipped():
    chip = Chip(switches=NO_FPN)
    w = np.array([0.2, 0.005, 0.0, 0.5, 0.4, 0.0001])
    rows = np.array([0, 0, 0, 1, 1, 2])
    realised, report = chip.quantise_weights(w, rows)
    # row 0: 0.005 / 0.2 * 15 = 0.375 -> code 0; row 1: both above 0.3 uS -> clipped
    assert report.n_rounded_to_zero == 1
    assert report.n_clipped == 2
    assert realised[1] == 0 and realised[2] == 0
    np.testing.assert_allclose(realised[3:5], 0.3)
    assert realised[5] == pytest.approx(0.0001)      # alone in its row: top code
    assert report.to_dict()["n_clipped"] == 2
    # current-based weights have their own limit (nA)
    _, rep_nA = chip.quantise_weights(w, rows, weight_unit="nA")
    assert rep_nA.n_clipped == 0


def test_ideal_weights_unchanged_and_negative_weights_refused():
    chip = Chip(switches=ChipSwitches.ideal())
    w = np.array([0.0123, 0.5, 3.0])
    realised, report = chip.quantise_weights(w, np.zeros(3, int))
    np.testing.assert_array_equal(realised, w)
    assert report.n_clipped == 0 and report.mean_relative_error == 0
    with pytest.raises(ValueError, match="inhibitory receptor"):
        chip.quantise_weights(-w, np.zeros(3, int))
