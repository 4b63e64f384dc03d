"""What ``sim.setup(calibration=...)`` accepts, turned into a calibration object for the chip.

``load_for_setup(calibration, chip_seed, preset)``:

* ``None`` -> None (uncalibrated chip: nominal transfer curves);
* a calibration object (anything with ``chip_seed``, ``preset``, ``id``, ``has``,
  ``codes_for``) -> itself, after checking it belongs to this chip;
* a path (str or PathLike) -> the validated file (:func:`neurohw.hw_calibration.fileformat.load`);
* ``"auto"`` -> the per-user cache entry for (preset, chip_seed, targets), calibrating the chip
  when the entry is missing or unusable. The cache folder is ``$NEUROHW_CACHE_DIR`` or
  ``~/.cache/neurohw``, sub-folder ``calibrations``. Calibration runs in a separate Python
  process (``python -m neurohw.hw_calibration.cli``) so that it never disturbs the emulator
  session that is being set up.
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
import warnings
from pathlib import Path

import numpy as np

from neurohw.backends.emulator.chip.presets import get_preset

from . import fileformat
from .errors import CalibrationChipMismatchError, CalibrationError, CalibrationFileError
from .targets import normalise_targets

AUTO = "auto"


def cache_dir() -> Path:
    """Folder of cached calibrations: ``$NEUROHW_CACHE_DIR/calibrations`` or
    ``~/.cache/neurohw/calibrations``."""
    root = os.environ.get("NEUROHW_CACHE_DIR") or os.path.join(Path.home(), ".cache", "neurohw")
    return Path(root) / "calibrations"


def targets_key(targets: dict[str, np.ndarray | float]) -> str:
    """A short stable hash of the calibration targets (part of the cache key)."""
    h = hashlib.sha256()
    for name in sorted(targets):
        h.update(name.encode())
        h.update(np.ascontiguousarray(np.asarray(targets[name], dtype=float)).tobytes())
    return h.hexdigest()[:10]


#: Revision of the measurement procedure, part of the cache key: files cached by an older
#: procedure (revision 1: synaptic gains not calibrated; revision 2: AdEx substeps without the
#: linearised exponential term) are not reused by ``"auto"``.
PROCEDURE_REVISION = 3


def cache_path(chip_seed: int, preset: str, targets: dict | None = None) -> Path:
    """Cache file of the calibration of (preset, chip_seed) for ``targets`` (default targets
    when None), made by the current :data:`PROCEDURE_REVISION`."""
    preset = get_preset(preset).name
    t = normalise_targets(targets, preset)
    return cache_dir() / (f"{preset}-chip{int(chip_seed)}-{targets_key(t)}"
                          f"-r{PROCEDURE_REVISION}.npz")


def _looks_like_calibration(obj) -> bool:
    return all(hasattr(obj, a) for a in ("chip_seed", "preset", "id", "has", "codes_for"))


def _check_object(obj, chip_seed: int, preset: str):
    if hasattr(obj, "check_chip"):
        obj.check_chip(chip_seed, preset)
    elif int(obj.chip_seed) != int(chip_seed) or str(obj.preset) != preset:
        raise CalibrationChipMismatchError(
            f"calibration {obj.id!r} is for chip_seed={obj.chip_seed}, preset={obj.preset!r}, "
            f"not chip_seed={chip_seed}, preset={preset!r}")
    return obj


def calibrate_into(path: Path, chip_seed: int, preset: str, targets: dict | None = None,
                   quiet: bool = True) -> None:
    """Calibrate (preset, chip_seed) in a separate process and write the file to ``path``."""
    cmd = [sys.executable, "-m", "neurohw.hw_calibration.cli", "--chip-seed", str(int(chip_seed)),
           "--preset", preset, "--out", str(path.resolve())]
    if targets is not None:
        t = normalise_targets(targets, preset)
        cmd += ["--targets-json", json.dumps({k: np.asarray(v).tolist() for k, v in t.items()})]
    # Run from the cache folder, not the caller's working directory: `python -m` puts the working
    # directory first on sys.path, and in a clone of the neurohw repository its `neurohw/` source
    # folder (without hw_calibration/, which installs as neurohw.hw_calibration) would shadow the
    # installed package.
    proc = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                          cwd=path.parent)
    if proc.returncode != 0 or not path.is_file():
        raise CalibrationError(
            f"automatic calibration of chip_seed={chip_seed}, preset={preset!r} failed "
            f"(exit {proc.returncode}):\n{proc.stderr[-2000:]}")
    if not quiet:
        sys.stderr.write(proc.stderr)


def load_for_setup(calibration, chip_seed: int, preset: str = "bss1",
                   targets: dict | None = None):
    """Turn ``setup(calibration=...)`` into a calibration object for the chip (or None)."""
    preset = get_preset(preset).name
    chip_seed = int(chip_seed)
    if calibration is None:
        return None
    if isinstance(calibration, str) and calibration == AUTO:
        path = cache_path(chip_seed, preset, targets)
        if path.is_file():
            try:
                return fileformat.load(path, chip_seed, preset)
            except CalibrationFileError as err:
                warnings.warn(f"cached calibration {path} is unusable ({err}); recalibrating",
                              stacklevel=2)
        path.parent.mkdir(parents=True, exist_ok=True)
        calibrate_into(path, chip_seed, preset, targets)
        return fileformat.load(path, chip_seed, preset)
    if isinstance(calibration, (str, os.PathLike)):
        return fileformat.load(calibration, chip_seed, preset)
    if _looks_like_calibration(calibration):
        return _check_object(calibration, chip_seed, preset)
    raise CalibrationError(
        f"setup(calibration={calibration!r}) is not understood; pass None, a calibration file "
        f"path, a Calibration object, or 'auto'")


__all__ = ["load_for_setup", "cache_dir", "cache_path", "targets_key", "calibrate_into"]
