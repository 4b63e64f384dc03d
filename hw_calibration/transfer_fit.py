"""Per-circuit transfer fits: DAC code -> measured value, fitted and inverted for every circuit.

A circuit's parameter DAC realises ``value = f(code)``. The nominal curves are linear in the code
for potentials and gains and exponential (log-spaced bias currents in weak inversion) for time
constants; fixed-pattern noise changes the gain and offset of each circuit's curve. So in the
*fit space* ``y = value`` (``"linear"``) or ``y = ln(value)`` (``"log"``) each circuit is
described by a straight line ``y = intercept + slope * code``, fitted by least squares to the
values measured at a few codes, and inverted to find the code realising a wanted value.

Values are in hardware units (mV, microseconds, nS, nA, 1; see
``neurohw.backends.emulator.chip.transfer``); codes are integers ``0..max_code``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .errors import MeasurementError

FIT_SPACES = ("linear", "log")


def _to_fit_space(space: str, values: np.ndarray) -> np.ndarray:
    values = np.asarray(values, dtype=float)
    if space == "log":
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.where(values > 0, np.log(np.where(values > 0, values, 1.0)), np.nan)
    return values


def _from_fit_space(space: str, y: np.ndarray) -> np.ndarray:
    return np.exp(y) if space == "log" else np.asarray(y, dtype=float)


@dataclass(frozen=True)
class TransferFit:
    """Straight-line fit of every circuit's transfer curve in fit space.

    ``intercept`` and ``slope`` are arrays over all circuits of the chip (NaN where a circuit was
    not calibrated); ``rms_residual`` is the fit's root-mean-square residual in fit space (mV or
    relative units for ``"log"``), a measure of measurement noise and non-linearity.
    """

    parameter: str
    space: str
    intercept: np.ndarray
    slope: np.ndarray
    rms_residual: np.ndarray

    def __post_init__(self):
        if self.space not in FIT_SPACES:
            raise ValueError(f"fit space must be one of {FIT_SPACES}, got {self.space!r}")
        n = np.shape(self.intercept)
        if np.shape(self.slope) != n or np.shape(self.rms_residual) != n:
            raise ValueError("intercept, slope and rms_residual must have the same shape")

    @property
    def n_circuits(self) -> int:
        return int(np.shape(self.intercept)[0])

    @property
    def calibrated(self) -> np.ndarray:
        """Boolean mask of the circuits with a usable (finite, increasing) fit."""
        return np.isfinite(self.intercept) & np.isfinite(self.slope) & (self.slope > 0)

    def predict(self, codes: np.ndarray, circuits: np.ndarray) -> np.ndarray:
        """Value (hardware units) the fit predicts for ``codes`` on ``circuits``."""
        c = np.asarray(circuits, dtype=np.intp)
        y = self.intercept[c] + self.slope[c] * np.asarray(codes, dtype=float)
        return _from_fit_space(self.space, y)

    def real_codes(self, values_hw: np.ndarray, circuits: np.ndarray) -> np.ndarray:
        """Real-valued (unrounded, unclipped) codes that realise ``values_hw`` on ``circuits``."""
        c = np.asarray(circuits, dtype=np.intp)
        y = _to_fit_space(self.space, np.broadcast_to(values_hw, c.shape))
        return (y - self.intercept[c]) / self.slope[c]

    def codes(self, values_hw: np.ndarray, circuits: np.ndarray, max_code: int) -> np.ndarray:
        """Integer codes (rounded, clipped to ``0..max_code``) for ``values_hw`` on ``circuits``.

        Raises MeasurementError when a requested circuit has no usable fit.
        """
        c = np.asarray(circuits, dtype=np.intp)
        bad = ~self.calibrated[c]
        if np.any(bad):
            raise MeasurementError(
                f"parameter {self.parameter!r} is not calibrated on circuit(s) "
                f"{np.unique(c[bad])[:10].tolist()}; recalibrate including these circuits")
        real = self.real_codes(values_hw, c)
        real = np.where(np.isfinite(real), real, 0.0)
        return np.clip(np.rint(real), 0, max_code).astype(np.int64)


def fit_lines(codes: np.ndarray, values: np.ndarray, space: str, parameter: str = "",
              min_points: int = 2) -> TransferFit:
    """Least-squares straight line per circuit in fit space, vectorised over circuits.

    Parameters
    ----------
    codes, values : arrays of shape (n_points, n_circuits)
        DAC codes applied and values measured (hardware units); NaN marks a failed measurement.
    space : "linear" or "log"
    min_points : circuits with fewer valid points get a NaN fit.
    """
    x = np.asarray(codes, dtype=float)
    y = _to_fit_space(space, values)
    x, y = np.broadcast_arrays(x, y)
    ok = np.isfinite(x) & np.isfinite(y)
    n = ok.sum(axis=0)
    w = ok.astype(float)
    xs = np.where(ok, x, 0.0)
    ys = np.where(ok, y, 0.0)
    with np.errstate(divide="ignore", invalid="ignore"):
        xm = (w * xs).sum(0) / n
        ym = (w * ys).sum(0) / n
        sxx = (w * (xs - xm) ** 2).sum(0)
        sxy = (w * (xs - xm) * (ys - ym)).sum(0)
        slope = sxy / sxx
        intercept = ym - slope * xm
        res = np.where(ok, ys - (intercept + slope * xs), 0.0)
        rms = np.sqrt((res ** 2).sum(0) / n)
    bad = (n < min_points) | ~np.isfinite(slope) | (sxx <= 0)
    slope = np.where(bad, np.nan, slope)
    intercept = np.where(bad, np.nan, intercept)
    rms = np.where(bad, np.nan, rms)
    return TransferFit(parameter, space, intercept, slope, rms)
