"""Errors raised by the chip model.

Every message says what was asked, what the chip can do, and what to change.
"""

from neurohw.errors import NeurohwError


class ParameterRangeError(NeurohwError, ValueError):
    """A neuron parameter outside what the circuits can realise (names parameter, value, range)."""


class UnsupportedParameterError(NeurohwError, KeyError):
    """A parameter name the chip has no circuit for (not a cell-type parameter it can realise)."""

    def __str__(self) -> str:  # KeyError would otherwise quote the whole message
        return str(self.args[0]) if self.args else ""


class MappingError(NeurohwError):
    """A network that does not fit on the chip(s): too many neurons or too many synapse rows."""


class ReadoutLimitError(NeurohwError):
    """More membrane traces requested than the chip has readout channels."""


class CalibrationMismatchError(NeurohwError):
    """A calibration made for another chip (chip_seed) or another preset."""
