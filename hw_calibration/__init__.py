"""Calibration of emulated chips by measurement.

Calibration sees the chip only as a user of a real chip would: it runs experiments on the
emulator through the PyNN API (``HWNeuron`` populations driven by raw DAC codes, spike stimuli,
spike recording and membrane recording within the readout-channel limit) and fits, per circuit,
the transfer from DAC code to realised value. It never reads the emulator's hidden
fixed-pattern noise.

Modules:

* ``targets``       -- default targets (bio units) and their validation.
* ``transfer_fit``  -- per-circuit straight-line fits in linear/log space and their inversion.
* ``analysis``      -- trace and spike-train analysis (relaxation and PSP fits, ISIs).
* ``bench``         -- ``ChipBench``: the experiments on the emulator through PyNN.
* ``procedures``    -- the measurement of each parameter.
* ``calibrate``     -- ``calibrate_chip``: measure, fit, verify.
* ``result``        -- ``Calibration`` (the chip's calibration contract: ``chip_seed``,
                       ``preset``, ``id``, ``has``, ``codes_for``).
* ``fileformat``    -- versioned NPZ files: ``save``/``load`` (validated, atomic).
* ``setup_loader``  -- ``load_for_setup(calibration, chip_seed, preset)`` for
                       ``sim.setup(calibration=None | path | object | "auto")``.
* ``report``        -- spreads before/after, histograms; ``cli`` -- ``neurohw calibrate``.
"""

from .errors import (CalibrationChipMismatchError, CalibrationError, CalibrationFileError,
                     CalibrationTargetError, CalibrationVersionError, MeasurementError)
from .fileformat import FORMAT_VERSION, load, save
from .result import CALIBRATED_PARAMETERS, Calibration
from .setup_loader import cache_dir, cache_path, load_for_setup
from .targets import DEFAULT_TARGETS
from .transfer_fit import TransferFit, fit_lines


def calibrate_chip(*args, **kwargs):
    """See :func:`neurohw.hw_calibration.calibrate.calibrate_chip` (imported lazily: it needs
    the emulator backend)."""
    from .calibrate import calibrate_chip as _calibrate
    return _calibrate(*args, **kwargs)


__all__ = ["Calibration", "TransferFit", "fit_lines", "load", "save", "load_for_setup",
           "cache_dir", "cache_path", "calibrate_chip", "CALIBRATED_PARAMETERS",
           "DEFAULT_TARGETS", "FORMAT_VERSION", "CalibrationError", "CalibrationFileError",
           "CalibrationVersionError", "CalibrationChipMismatchError", "CalibrationTargetError",
           "MeasurementError"]
