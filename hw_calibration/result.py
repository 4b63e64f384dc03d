"""The calibration of one chip: per-circuit transfer fits, codes, targets and measured residuals.

:class:`Calibration` is what ``sim.setup(calibration=...)`` hands to the emulated chip. It
implements the chip's calibration contract: ``chip_seed``, ``preset``, ``id``,
``has(parameter)`` and ``codes_for(parameter, hardware_values, circuits)`` (integer DAC codes that
realise the requested hardware values on those circuits, from the per-circuit transfer fits, so
values other than the calibration targets are realised too).

Units: ``targets``, ``measured_before`` and ``measured_after`` are biological (mV, ms, 1 for the
synaptic gains); fits are in hardware units (see :mod:`neurohw.hw_calibration.transfer_fit`).
Reading and writing the file format lives in :mod:`neurohw.hw_calibration.fileformat`.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import datetime, timezone

import numpy as np

from neurohw.backends.emulator.chip import transfer
from neurohw.backends.emulator.chip.presets import get_preset

from .errors import CalibrationChipMismatchError
from .transfer_fit import TransferFit

#: Parameters this package calibrates, in the order the steps run (dependent steps later).
CALIBRATED_PARAMETERS = ("v_rest", "v_reset", "v_thresh", "tau_m", "tau_refrac",
                         "tau_syn_E", "tau_syn_I", "syn_gain_E", "syn_gain_I")


def deviation_spread(values: np.ndarray, targets: np.ndarray, parameter: str) -> float:
    """Spread across circuits of the deviation from per-circuit targets: standard deviation in
    mV (bio) for potentials, relative standard deviation (of value / target - 1) for time
    constants and gains. NaNs (circuits not measured) are ignored."""
    v = np.asarray(values, dtype=float)
    t = np.broadcast_to(np.asarray(targets, dtype=float), v.shape)
    ok = np.isfinite(v) & np.isfinite(t)
    if ok.sum() < 2:
        return float("nan")
    if parameter in transfer.POTENTIALS:
        return float(np.std(v[ok] - t[ok]))
    return float(np.std(v[ok] / t[ok] - 1.0))


@dataclass
class Calibration:
    """Calibration of one chip (``chip_seed``, ``preset``) for one set of targets.

    Arrays are over all circuits of the chip (``n_circuits``); circuits that were not measured
    hold NaN in ``measured_*``/fits and -1 in ``codes``.
    """

    chip_seed: int
    preset: str
    n_circuits: int
    circuits: np.ndarray                       # calibrated circuit indices (int)
    targets: dict[str, np.ndarray]             # bio units, per circuit
    fits: dict[str, TransferFit]               # hardware units
    codes: dict[str, np.ndarray]               # DAC codes at the targets
    measured_before: dict[str, np.ndarray]     # bio, nominal codes (uncalibrated)
    measured_after: dict[str, np.ndarray]      # bio, calibrated codes
    created: str = ""
    versions: dict[str, str] = field(default_factory=dict)
    settings: dict = field(default_factory=dict)
    wall_time_s: float = float("nan")
    id: str = ""

    def __post_init__(self):
        self.chip_seed = int(self.chip_seed)
        self.preset = get_preset(self.preset).name
        self.circuits = np.asarray(self.circuits, dtype=np.int64)
        if not self.created:
            self.created = datetime.now(timezone.utc).isoformat(timespec="seconds")
        if not self.versions:
            import neurohw
            self.versions = {"neurohw": neurohw.__version__, "numpy": np.__version__}
        if not self.id:
            self.id = self.content_id()

    # -- the chip's calibration contract -----------------------------------------------------
    def has(self, parameter: str) -> bool:
        """True when this calibration holds a transfer fit for ``parameter``."""
        return parameter in self.fits

    def codes_for(self, parameter: str, hardware_values: np.ndarray, circuits: np.ndarray
                  ) -> np.ndarray:
        """Integer DAC codes (0..max) realising ``hardware_values`` (hardware units, scalar or
        one per circuit) on ``circuits``, from each circuit's measured transfer fit."""
        if parameter not in self.fits:
            raise KeyError(f"calibration {self.id} has no fit for {parameter!r}; it has "
                           f"{sorted(self.fits)}")
        max_code = get_preset(self.preset).max_dac_code
        return self.fits[parameter].codes(hardware_values, circuits, max_code)

    def check_chip(self, chip_seed: int, preset: str) -> None:
        """Raise CalibrationChipMismatchError unless this calibration is for that chip."""
        preset = get_preset(preset).name
        if int(chip_seed) != self.chip_seed or preset != self.preset:
            raise CalibrationChipMismatchError(
                f"calibration {self.id} was measured on chip_seed={self.chip_seed}, "
                f"preset={self.preset!r}, but the setup asks for chip_seed={int(chip_seed)}, "
                f"preset={preset!r}; calibrate this chip (neurohw calibrate --chip-seed "
                f"{int(chip_seed)} --preset {preset}) or use calibration='auto'")

    # -- summaries ---------------------------------------------------------------------------
    @property
    def parameters(self) -> list[str]:
        return [p for p in CALIBRATED_PARAMETERS if p in self.fits] + \
            sorted(p for p in self.fits if p not in CALIBRATED_PARAMETERS)

    def spreads(self) -> dict[str, dict[str, float]]:
        """Per parameter: spread of the measured values around the target before and after
        calibration (mV for potentials, relative for time constants and gains), their ratio,
        and the mean absolute deviation from the target after calibration."""
        out = {}
        for p in self.parameters:
            t = self.targets[p]
            before = deviation_spread(self.measured_before[p], t, p)
            after = deviation_spread(self.measured_after[p], t, p)
            dev = self.measured_after[p] - t
            if p not in transfer.POTENTIALS:
                dev = dev / t
            out[p] = {
                "unit": "mV" if p in transfer.POTENTIALS else "relative",
                "spread_before": before,
                "spread_after": after,
                "ratio": after / before if before > 0 else float("nan"),
                "mean_abs_deviation_after": float(np.nanmean(np.abs(dev))),
                "n_circuits": int(np.isfinite(self.measured_after[p]).sum()),
            }
        return out

    def content_id(self) -> str:
        """A short id derived from chip, preset, targets, codes and creation time."""
        h = hashlib.sha256()
        h.update(f"{self.preset}|{self.chip_seed}|{self.created}".encode())
        for p in sorted(self.codes):
            h.update(p.encode())
            h.update(np.ascontiguousarray(self.codes[p], dtype=np.int64).tobytes())
            h.update(np.ascontiguousarray(self.targets[p], dtype=float).tobytes())
        return f"cal-{self.preset}-{self.chip_seed}-{h.hexdigest()[:12]}"

    def __repr__(self) -> str:
        return (f"Calibration(id={self.id!r}, chip_seed={self.chip_seed}, preset={self.preset!r}, "
                f"{self.circuits.size}/{self.n_circuits} circuits, parameters={self.parameters})")
