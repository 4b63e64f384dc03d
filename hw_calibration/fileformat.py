"""Calibration files: versioned NPZ (``allow_pickle=False``), validated on read, written atomically.

Layout (format version :data:`FORMAT_VERSION`):

* ``meta``: a 0-d unicode array holding a JSON object with ``format`` (``"neurohw-calibration"``),
  ``format_version``, ``id``, ``chip_seed``, ``preset``, ``n_circuits``, ``parameters``, fit
  ``spaces``, ``created`` (ISO 8601 UTC), ``versions`` (neurohw, numpy), ``settings`` (the
  experiment settings) and ``wall_time_s``.
* ``circuits``: int64, the calibrated circuit indices.
* per parameter ``p``: ``target/p``, ``measured_before/p``, ``measured_after/p`` (float64, bio
  units), ``code/p`` (int64), ``fit_intercept/p``, ``fit_slope/p``, ``fit_rms/p`` (float64,
  hardware units), each of shape ``(n_circuits,)``.
* ``sha256``: a 0-d unicode array, the SHA-256 of ``meta`` and every array in key order, so a
  changed byte anywhere is detected even where the zip CRC would not be checked.

Reading refuses (``CalibrationFileError`` and subclasses) a missing, truncated or corrupt file,
another format or version, missing or extra keys, wrong shapes, dtypes or non-finite fits on
calibrated circuits; with ``chip_seed``/``preset`` given it refuses a calibration of another chip
(``CalibrationChipMismatchError``). Nothing is half-applied: the object is built only after every
check passed. Writing goes to a temporary file in the same folder, fsync, then ``os.replace``.
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

import numpy as np

from neurohw.backends.emulator.chip import transfer
from neurohw.backends.emulator.chip.presets import PRESETS

from .errors import CalibrationFileError, CalibrationVersionError
from .result import Calibration
from .transfer_fit import FIT_SPACES, TransferFit

FORMAT_NAME = "neurohw-calibration"
FORMAT_VERSION = 1
_PER_PARAMETER = ("target", "measured_before", "measured_after", "code",
                  "fit_intercept", "fit_slope", "fit_rms")


def _arrays(cal: Calibration) -> dict[str, np.ndarray]:
    out = {"circuits": np.asarray(cal.circuits, dtype=np.int64)}
    for p in cal.parameters:
        f = cal.fits[p]
        out[f"target/{p}"] = np.asarray(cal.targets[p], dtype=np.float64)
        out[f"measured_before/{p}"] = np.asarray(cal.measured_before[p], dtype=np.float64)
        out[f"measured_after/{p}"] = np.asarray(cal.measured_after[p], dtype=np.float64)
        out[f"code/{p}"] = np.asarray(cal.codes[p], dtype=np.int64)
        out[f"fit_intercept/{p}"] = np.asarray(f.intercept, dtype=np.float64)
        out[f"fit_slope/{p}"] = np.asarray(f.slope, dtype=np.float64)
        out[f"fit_rms/{p}"] = np.asarray(f.rms_residual, dtype=np.float64)
    return out


def _digest(meta_json: str, arrays: dict[str, np.ndarray]) -> str:
    h = hashlib.sha256(meta_json.encode())
    for key in sorted(arrays):
        a = np.ascontiguousarray(arrays[key])
        h.update(key.encode())
        h.update(str(a.dtype.str).encode())
        h.update(str(a.shape).encode())
        h.update(a.tobytes())
    return h.hexdigest()


def save(cal: Calibration, path: str | os.PathLike) -> Path:
    """Write ``cal`` to ``path`` atomically (temporary file + rename). Returns the path."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    meta = {
        "format": FORMAT_NAME, "format_version": FORMAT_VERSION, "id": cal.id,
        "chip_seed": cal.chip_seed, "preset": cal.preset, "n_circuits": cal.n_circuits,
        "parameters": cal.parameters, "spaces": {p: cal.fits[p].space for p in cal.parameters},
        "created": cal.created, "versions": cal.versions, "settings": cal.settings,
        "wall_time_s": None if not np.isfinite(cal.wall_time_s) else float(cal.wall_time_s),
    }
    meta_json = json.dumps(meta, sort_keys=True)
    arrays = _arrays(cal)
    payload = dict(arrays)
    payload["meta"] = np.array(meta_json)
    payload["sha256"] = np.array(_digest(meta_json, arrays))
    tmp = path.with_name(f".{path.name}.tmp{os.getpid()}")
    try:
        with open(tmp, "wb") as fh:
            np.savez_compressed(fh, **payload)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    finally:
        if tmp.exists():
            tmp.unlink()
    return path


def _fail(path, what: str) -> CalibrationFileError:
    return CalibrationFileError(
        f"calibration file {str(path)!r} is not usable: {what}; recalibrate the chip "
        f"(neurohw calibrate --chip-seed N --out FILE) or use calibration='auto'")


def _read_raw(path: Path) -> dict[str, np.ndarray]:
    if not path.is_file():
        raise CalibrationFileError(f"calibration file {str(path)!r} does not exist")
    try:
        with np.load(path, allow_pickle=False) as npz:
            return {k: npz[k] for k in npz.files}
    except Exception as err:  # noqa: BLE001 - zip, zlib, numpy header (ast/tokenize) errors:
        # any failure to parse an untrusted file means it is damaged
        raise _fail(path, f"truncated or corrupt ({type(err).__name__}: {err})") from err


def load(path: str | os.PathLike, chip_seed: int | None = None, preset: str | None = None
         ) -> Calibration:
    """Read and validate a calibration file; with ``chip_seed``/``preset`` also check that it
    belongs to that chip."""
    path = Path(path)
    raw = _read_raw(path)
    if "meta" not in raw or "sha256" not in raw:
        raise _fail(path, "no 'meta'/'sha256' entry (not a neurohw calibration file)")
    try:
        meta_json = str(raw.pop("meta")[()])
        digest = str(raw.pop("sha256")[()])
        meta = json.loads(meta_json)
    except (ValueError, TypeError, IndexError) as err:
        raise _fail(path, f"unreadable metadata ({err})") from err
    if not isinstance(meta, dict) or meta.get("format") != FORMAT_NAME:
        raise _fail(path, f"format is {meta.get('format') if isinstance(meta, dict) else meta!r}, "
                          f"expected {FORMAT_NAME!r}")
    version = meta.get("format_version")
    if version != FORMAT_VERSION:
        raise CalibrationVersionError(
            f"calibration file {str(path)!r} has format version {version!r}; this neurohw reads "
            f"version {FORMAT_VERSION} only. Recalibrate with this version (neurohw calibrate)")
    if _digest(meta_json, raw) != digest:
        raise _fail(path, "checksum mismatch (the file was modified or damaged)")
    cal = _build(path, meta, raw)
    if chip_seed is not None or preset is not None:
        cal.check_chip(cal.chip_seed if chip_seed is None else chip_seed,
                       cal.preset if preset is None else preset)
    return cal


def _build(path: Path, meta: dict, raw: dict[str, np.ndarray]) -> Calibration:
    required = ("id", "chip_seed", "preset", "n_circuits", "parameters", "spaces", "created",
                "versions", "settings")
    missing = [k for k in required if k not in meta]
    if missing:
        raise _fail(path, f"metadata lacks {missing}")
    if meta["preset"] not in PRESETS:
        raise _fail(path, f"unknown preset {meta['preset']!r}")
    n = meta["n_circuits"]
    if not isinstance(n, int) or n <= 0 or not isinstance(meta["chip_seed"], int):
        raise _fail(path, "n_circuits and chip_seed must be integers")
    params = meta["parameters"]
    unknown = [p for p in params if p not in transfer.PARAMETER_SPECS]
    if not isinstance(params, list) or unknown:
        raise _fail(path, f"unknown parameters {unknown}")
    expected = {"circuits"} | {f"{k}/{p}" for p in params for k in _PER_PARAMETER}
    if set(raw) != expected:
        raise _fail(path, f"entries differ from the format: missing {sorted(expected - set(raw))}"
                          f", unexpected {sorted(set(raw) - expected)}")
    circuits = raw["circuits"]
    if circuits.dtype.kind != "i" or circuits.ndim != 1 or circuits.size == 0 \
            or circuits.min() < 0 or circuits.max() >= n:
        raise _fail(path, f"'circuits' must be 1-d integer indices in 0..{n - 1}")
    fits, targets, codes, before, after = {}, {}, {}, {}, {}
    for p in params:
        for k in _PER_PARAMETER:
            a = raw[f"{k}/{p}"]
            kind = "i" if k == "code" else "f"
            if a.shape != (n,) or a.dtype.kind != kind:
                raise _fail(path, f"'{k}/{p}' has shape {a.shape} dtype {a.dtype}, expected "
                                  f"({n},) {'int' if kind == 'i' else 'float'}")
        space = meta["spaces"].get(p)
        if space not in FIT_SPACES:
            raise _fail(path, f"fit space of {p!r} is {space!r}")
        fit = TransferFit(p, space, raw[f"fit_intercept/{p}"], raw[f"fit_slope/{p}"],
                          raw[f"fit_rms/{p}"])
        if not np.all(fit.calibrated[circuits]):
            raise _fail(path, f"fit of {p!r} is not finite and increasing on every calibrated "
                              f"circuit")
        if not np.all(np.isfinite(raw[f"target/{p}"][circuits])):
            raise _fail(path, f"targets of {p!r} are not finite on calibrated circuits")
        fits[p] = fit
        targets[p] = raw[f"target/{p}"]
        codes[p] = raw[f"code/{p}"]
        before[p] = raw[f"measured_before/{p}"]
        after[p] = raw[f"measured_after/{p}"]
    wall = meta.get("wall_time_s")
    cal = Calibration(
        chip_seed=meta["chip_seed"], preset=meta["preset"], n_circuits=n, circuits=circuits,
        targets=targets, fits=fits, codes=codes, measured_before=before, measured_after=after,
        created=str(meta["created"]), versions=dict(meta["versions"]),
        settings=dict(meta["settings"]), wall_time_s=float("nan") if wall is None else wall,
        id=str(meta["id"]))
    return cal
