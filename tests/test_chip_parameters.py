"""Chip model: fixed-pattern noise, DAC transfer curves, parameter translation, calibration hook."""

import numpy as np
import pytest

from neurohw.backends.emulator.chip import (
    HW_NEURON_PARAMETERS, CalibrationMismatchError, Chip, ChipSwitches, ParameterRangeError,
    UnsupportedParameterError)
from neurohw.backends.emulator.chip import transfer

CIRCUITS = np.arange(512)
IF_COND_EXP_DEFAULTS = {"v_rest": -65.0, "cm": 1.0, "tau_m": 20.0, "tau_refrac": 0.1,
                        "tau_syn_E": 5.0, "tau_syn_I": 5.0, "e_rev_E": 0.0, "e_rev_I": -70.0,
                        "v_thresh": -50.0, "v_reset": -65.0, "i_offset": 0.0}
EIF_DEFAULTS = {"cm": 0.281, "tau_refrac": 0.1, "v_spike": -40.0, "v_reset": -70.6,
                "v_rest": -70.6, "tau_m": 9.3667, "i_offset": 0.0, "a": 4.0, "b": 0.0805,
                "delta_T": 2.0, "tau_w": 144.0, "v_thresh": -50.4, "e_rev_E": 0.0,
                "tau_syn_E": 5.0, "e_rev_I": -80.0, "tau_syn_I": 5.0}


def realise(chip, params=IF_COND_EXP_DEFAULTS, cell_type="IF_cond_exp", circuits=CIRCUITS):
    return chip.realise_neuron_parameters(
        cell_type, {k: np.full(circuits.size, v) for k, v in params.items()}, circuits)


def test_same_chip_seed_same_chip_different_seed_different_chip():
    a, _ = realise(Chip(chip_seed=3))
    b, _ = realise(Chip(chip_seed=3))
    c, _ = realise(Chip(chip_seed=4))
    for name in ("v_rest", "tau_m", "v_thresh", "tau_syn_E"):
        np.testing.assert_array_equal(a[name], b[name])
        assert np.mean(a[name] != c[name]) > 0.9
    # a chip's first 512 circuits do not depend on how many chips there are
    d, _ = realise(Chip(chip_seed=3, n_chips=2))
    np.testing.assert_array_equal(a["tau_m"], d["tau_m"])


@pytest.mark.parametrize("preset", ["bss1", "bss2"])
def test_uncalibrated_spread_magnitudes(preset):
    r, _ = realise(Chip(preset=preset, chip_seed=11))
    for name in ("tau_m", "tau_syn_E", "tau_syn_I"):
        rel = r[name].std() / r[name].mean()
        assert 0.07 < rel < 0.14, (name, rel)
    for name in ("v_rest", "v_thresh", "v_reset", "e_rev_I"):
        assert 2.0 < r[name].std() < 4.5, (name, r[name].std())
        assert abs(r[name].mean() - IF_COND_EXP_DEFAULTS[name]) < 1.0
    assert 0.07 < Chip(preset=preset, chip_seed=11).synaptic_gain("excitatory", CIRCUITS).std() < 0.14


def test_realised_values_sit_on_the_dac_grid():
    chip = Chip(chip_seed=5)
    r, codes = realise(chip)
    for name in ("tau_m", "v_thresh", "tau_syn_I", "tau_refrac"):
        hw = transfer.bio_to_hw(chip.preset, name, r[name])
        nominal = chip._fpn.invert(name, hw, CIRCUITS)
        code = transfer.nominal_code(chip.preset, name, nominal)
        np.testing.assert_allclose(code, codes[name], atol=1e-6)
        assert codes[name].dtype.kind == "i"
    # without fixed-pattern noise every circuit realises the same grid value, not the request
    plain, _ = realise(Chip(chip_seed=5, switches=ChipSwitches(fixed_pattern_noise=False)))
    assert np.ptp(plain["tau_m"]) == 0
    lsb = np.log(300.0 / 1.0) / 1023       # relative step of the log-spaced tau_m curve
    assert 0 < abs(plain["tau_m"][0] / 20.0 - 1) <= lsb / 2 + 1e-12


def test_ideal_switches_pass_parameters_through_exactly():
    r, _ = realise(Chip(chip_seed=5, switches=ChipSwitches.ideal()), EIF_DEFAULTS,
                   "EIF_cond_exp_isfa_ista")
    for name, value in EIF_DEFAULTS.items():
        assert np.all(r[name] == value), name
    # the range is a property of the DACs: an ideal chip does not enforce it
    r, _ = realise(Chip(switches=ChipSwitches.ideal()), {"tau_m": 1000.0})
    assert np.all(r["tau_m"] == 1000.0)


def test_out_of_range_parameter_names_parameter_value_and_range():
    with pytest.raises(ParameterRangeError) as err:
        realise(Chip(), {"tau_m": 1000.0})
    msg = str(err.value)
    assert "tau_m" in msg and "1000" in msg and "1 .. 300" in msg
    with pytest.raises(ParameterRangeError, match=r"v_thresh.*-130.*-120 \.\. 60"):
        realise(Chip(), {"v_thresh": -130.0})
    with pytest.raises(ParameterRangeError, match="tau_refrac"):
        realise(Chip(), {"tau_refrac": 0.0})
    with pytest.warns(UserWarning, match="clipped"):
        r, codes = realise(Chip(strict=False, switches=ChipSwitches(fixed_pattern_noise=False)),
                           {"tau_m": 1000.0})
    assert np.all(codes["tau_m"] == 1023)
    np.testing.assert_allclose(r["tau_m"], 300.0)


def test_unknown_parameter_and_cell_type_are_refused():
    with pytest.raises(UnsupportedParameterError, match="IF_curr_exp has no parameter 'e_rev_E'"):
        realise(Chip(), {"e_rev_E": 0.0}, "IF_curr_exp")
    with pytest.raises(UnsupportedParameterError, match="cell type"):
        realise(Chip(), {"tau_m": 10.0}, "Izhikevich")


@pytest.mark.parametrize("preset", ["bss1", "bss2"])
def test_every_native_code_is_monotonic_and_covers_pynn_defaults(preset):
    chip = Chip(preset=preset, chip_seed=21)
    table = HW_NEURON_PARAMETERS[preset]
    codes = np.arange(0, 1024, 31)
    realised = [chip.realise_dac_codes({name: np.full(512, c) for name in table}, CIRCUITS)
                for c in codes]
    sweep = {name: np.stack([r[name] for r in realised]) for name in table}
    targets = {}
    for defaults in (IF_COND_EXP_DEFAULTS, EIF_DEFAULTS):
        for name, value in defaults.items():
            targets.setdefault(name, []).append(value)
    targets["syn_gain_E"] = targets["syn_gain_I"] = [1.0]
    for name, values in sweep.items():
        steps = np.diff(values, axis=0)
        assert np.all(steps >= 0), name
        assert np.all(steps[2:] > 0), name              # strictly above the a/b floor at code 0
        for target in targets[name]:
            assert np.all(values[0] <= target) and np.all(values[-1] >= target), (name, target)
        assert table[name].min_code == 0 and table[name].max_code == 1023


def test_hw_neuron_defaults_and_bad_codes():
    chip = Chip(chip_seed=2, switches=ChipSwitches(fixed_pattern_noise=False))
    r = chip.realise_dac_codes({}, CIRCUITS[:4])
    np.testing.assert_allclose(r["tau_m"], 20.0, rtol=0.01)
    np.testing.assert_allclose(r["v_thresh"], -50.0, atol=0.2)
    assert np.all(r["cm"] == chip.preset.native_cm_nF)
    with pytest.raises(ParameterRangeError, match="0..1023"):
        chip.realise_dac_codes({"tau_m": np.full(4, 1024)}, CIRCUITS[:4])
    with pytest.raises(UnsupportedParameterError, match="leak"):
        chip.realise_dac_codes({"leak": np.zeros(4, int)}, CIRCUITS[:4])


class PerfectCalibration:
    """Test double of a calibration: inverts the hidden truth (tests may read it)."""

    def __init__(self, chip, id="cal-test", chip_seed=None, preset=None):
        self._chip, self.id = chip, id
        self.chip_seed = chip.chip_seed if chip_seed is None else chip_seed
        self.preset = chip.preset.name if preset is None else preset

    def has(self, parameter):
        return parameter in ("tau_m", "v_thresh", "syn_gain_E")

    def codes_for(self, parameter, hardware_values, circuits):
        nominal = self._chip._fpn.invert(parameter, hardware_values, circuits)
        code = transfer.nominal_code(self._chip.preset, parameter, nominal)
        return np.clip(np.rint(code), 0, 1023).astype(int)


def test_calibration_hook_is_used_and_mismatches_are_refused():
    chip = Chip(chip_seed=9)
    chip.load_calibration(PerfectCalibration(chip))
    assert chip.calibration_id == "cal-test" and chip.annotations()["calibration_id"] == "cal-test"
    r, _ = realise(chip)
    assert r["tau_m"].std() / 20.0 < 0.01          # calibrated: DAC resolution only
    assert r["v_thresh"].std() < 0.2
    assert r["v_rest"].std() > 2.0                  # not calibrated: nominal curve + FPN
    assert np.abs(chip.synaptic_gain("excitatory", CIRCUITS) - 1).max() < 0.01
    assert chip.synaptic_gain("inhibitory", CIRCUITS).std() > 0.05
    with pytest.raises(CalibrationMismatchError, match="chip_seed=8"):
        Chip(chip_seed=9, calibration=PerfectCalibration(chip, chip_seed=8))
    with pytest.raises(CalibrationMismatchError, match="bss2"):
        Chip(chip_seed=9, calibration=PerfectCalibration(chip, preset="bss2"))
