"""Errors of the calibration package.

Every message says which file or object is at fault, what was expected and what to do.
``CalibrationChipMismatchError`` derives from the chip's ``CalibrationMismatchError`` so that a
caller catching either sees a calibration made for another chip or preset.
"""

from __future__ import annotations

from neurohw.backends.emulator.chip.errors import CalibrationMismatchError
from neurohw.errors import NeurohwError


class CalibrationError(NeurohwError):
    """Base class of calibration errors."""


class CalibrationFileError(CalibrationError, ValueError):
    """A calibration file that is missing, truncated, corrupt or malformed."""


class CalibrationVersionError(CalibrationFileError):
    """A calibration file written in a format version this neurohw cannot read."""


class CalibrationChipMismatchError(CalibrationError, CalibrationMismatchError):
    """A calibration made for another chip (chip_seed) or another preset."""


class CalibrationTargetError(CalibrationError, ValueError):
    """Calibration targets that are unknown, of the wrong shape, or outside what a circuit can
    realise."""


class MeasurementError(CalibrationError):
    """An experiment on the chip that did not give a usable measurement (e.g. a circuit that
    never spiked where it had to)."""
