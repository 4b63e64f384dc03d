"""Model of an accelerated analog BrainScaleS-style chip (pure numpy, no PyNN).

Modules, one job each:

* ``presets``       -- ``Preset``, ``PRESETS`` ("bss1", "bss2"): the chips' fixed facts, cited.
* ``switches``      -- ``ChipSwitches``: one switch per distortion; ``ideal()``/``realistic()``.
* ``transfer``      -- bio <-> hardware units, nominal 10-bit DAC transfer curves, ranges,
                       ``HW_NEURON_PARAMETERS`` (native DAC codes per preset).
* ``fixed_pattern`` -- per-circuit gain/offset of every transfer curve, drawn from chip_seed
                       (private to the emulator; tests may read ``chip._fpn``).
* ``weights``       -- row-scaled 4/6-bit weight quantisation, ``WeightReport``.
* ``placement``     -- ``PopulationSpec``, ``ProjectionSpec``, ``Placement``: circuits and rows.
* ``host_io``       -- host input budget (dropping) and the shared on-chip noise generators.
* ``readout``       -- spike time stamps, membrane channel limit, ADC with readout noise.
* ``errors``        -- ``ParameterRangeError``, ``MappingError``, ``ReadoutLimitError``,
                       ``CalibrationMismatchError``, ``UnsupportedParameterError``.
* ``chip``          -- the ``Chip`` facade the engine talks to.

Interface notes (additions to the contract; nothing renamed):

* ``HW_NEURON_PARAMETERS`` is keyed by preset name, then by code name (the voltage mapping
  differs between presets, so do the default codes): ``HW_NEURON_PARAMETERS["bss1"]["tau_m"]``.
  Code names are the PyNN ``EIF_cond_exp_isfa_ista`` names of the quantity each code controls
  plus ``syn_gain_E``/``syn_gain_I``; every realised value increases with its code.
  ``Chip.hw_neuron_parameters`` gives the chip's own preset.
* Calibration ``codes_for(parameter, hardware_values, circuits)`` is called with these code
  names and hardware units from ``transfer.bio_to_hw`` (mV hardware for potentials and
  ``delta_T``, microseconds for time constants, nS / nA / dimensionless for ``a`` / ``b`` /
  ``syn_gain_*``; for ``syn_gain_*`` the requested value is 1.0 = the nominal LSB).
* ``Chip.realise_dac_codes`` also returns ``syn_gain_E``, ``syn_gain_I`` and ``cm``
  (``Preset.native_cm_nF``).
* ``Chip.quantise_weights(weights, rows, weight_unit="uS"|"nA")`` returns the *digital*
  weights (grid x row scale, clipped; max weight differs by unit) — what ``prj.get("weight")``
  reports; ``Chip.synaptic_gain(receptor, circuits)`` is the hidden analog per-circuit gain the
  engine alone multiplies in.
* ``Chip.check_membrane_recording(n, sampling_interval_ms=None)`` and
  ``Chip.read_membrane(v, rng, sampling_interval_ms=None)``: on bss2 a sampling interval
  >= ``Preset.parallel_sample_period_bio_ms`` uses the 8-bit parallel ADC for every neuron.
* ``Chip.routing_delay_ms``, ``Chip.hardware_duration_s(bio_ms)``, ``Chip.n_noise_generators``,
  ``Chip.load_calibration(obj)``, ``Chip.switches``, ``Chip.seed``.
* Without the chip-size limit, circuit indices beyond the chip wrap around (``% n_circuits``)
  for fixed-pattern noise.
"""

from .chip import CELL_TYPE_PARAMETERS, Chip
from .errors import (CalibrationMismatchError, MappingError, ParameterRangeError,
                     ReadoutLimitError, UnsupportedParameterError)
from .placement import Placement, PopulationSpec, ProjectionSpec
from .presets import PRESETS, Preset, get_preset
from .switches import ChipSwitches
from .transfer import HWParameter, hw_neuron_parameters
from .weights import WeightReport

HW_NEURON_PARAMETERS: dict[str, dict[str, HWParameter]] = {
    name: hw_neuron_parameters(name) for name in PRESETS}

__all__ = [
    "Chip", "ChipSwitches", "Preset", "PRESETS", "get_preset", "HW_NEURON_PARAMETERS",
    "HWParameter", "CELL_TYPE_PARAMETERS", "WeightReport", "Placement", "PopulationSpec",
    "ProjectionSpec", "ParameterRangeError", "MappingError", "ReadoutLimitError",
    "CalibrationMismatchError", "UnsupportedParameterError",
]
