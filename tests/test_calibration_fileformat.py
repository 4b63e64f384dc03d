"""Calibration files: round trip, atomic writes, refusal of other chips, versions, corruption;
and load_for_setup's dispatch."""

from __future__ import annotations

import json
import zipfile

import numpy as np
import pytest

from neurohw.hw_calibration import (CALIBRATED_PARAMETERS, Calibration,
                                    CalibrationChipMismatchError, CalibrationFileError,
                                    CalibrationVersionError, fit_lines, load, load_for_setup,
                                    save)
from neurohw.hw_calibration import fileformat
from neurohw.hw_calibration.targets import DEFAULT_TARGETS


def _synthetic(chip_seed=3, preset="bss1", n_cal=8, rng_seed=0) -> Calibration:
    """A calibration object with fits made from synthetic measurements (file-format tests only
    need well-formed content; real measurements are tested in test_calibration_chip.py)."""
    rng = np.random.default_rng(rng_seed)
    n = 512
    circuits = np.arange(n_cal)
    fits, targets, codes, before, after = {}, {}, {}, {}, {}
    for p in CALIBRATED_PARAMETERS:
        space = "log" if p.startswith("tau") else "linear"
        x = np.tile(np.array([[300.0], [500.0], [700.0]]), (1, n))
        slope = rng.uniform(0.5, 1.5, n) * (0.008 if space == "log" else 1.0)
        y = 10.0 + slope * x
        vals = np.exp(y / 100.0) if space == "log" else y
        f = fit_lines(x, vals, space, p)
        mask = np.zeros(n, bool)
        mask[circuits] = True
        fits[p] = type(f)(p, space, np.where(mask, f.intercept, np.nan),
                          np.where(mask, f.slope, np.nan), np.where(mask, f.rms_residual, np.nan))
        targets[p] = np.where(mask, DEFAULT_TARGETS[p], np.nan)
        codes[p] = np.where(mask, 500, -1).astype(np.int64)
        before[p] = np.where(mask, DEFAULT_TARGETS[p] + rng.normal(0, 1, n), np.nan)
        after[p] = np.where(mask, DEFAULT_TARGETS[p] + rng.normal(0, 0.1, n), np.nan)
    return Calibration(chip_seed=chip_seed, preset=preset, n_circuits=n, circuits=circuits,
                       targets=targets, fits=fits, codes=codes, measured_before=before,
                       measured_after=after)


def test_round_trip_keeps_everything(tmp_path):
    cal = _synthetic()
    path = save(cal, tmp_path / "c.npz")
    back = load(path, chip_seed=3, preset="bss1")
    assert back.id == cal.id and back.chip_seed == 3 and back.preset == "bss1"
    assert back.created == cal.created and back.versions == cal.versions
    for p in CALIBRATED_PARAMETERS:
        assert back.has(p)
        np.testing.assert_array_equal(back.codes[p], cal.codes[p])
        np.testing.assert_array_equal(back.fits[p].slope, cal.fits[p].slope)
        np.testing.assert_array_equal(back.measured_after[p], cal.measured_after[p])
    hw = np.array([900.0, 950.0])
    np.testing.assert_array_equal(back.codes_for("v_rest", hw, np.array([0, 1])),
                                  cal.codes_for("v_rest", hw, np.array([0, 1])))
    assert not list(tmp_path.glob(".*tmp*")), "temporary file left behind"


def test_codes_for_refuses_uncalibrated_circuits():
    cal = _synthetic(n_cal=4)
    with pytest.raises(Exception, match="not calibrated on circuit"):
        cal.codes_for("v_rest", np.array([900.0]), np.array([10]))


@pytest.mark.parametrize("seed,preset", [(4, "bss1"), (3, "bss2")])
def test_other_chip_or_preset_is_refused(tmp_path, seed, preset):
    path = save(_synthetic(), tmp_path / "c.npz")
    with pytest.raises(CalibrationChipMismatchError, match="chip_seed=3"):
        load(path, chip_seed=seed, preset=preset)
    with pytest.raises(CalibrationChipMismatchError):
        load_for_setup(str(path), chip_seed=seed, preset=preset)
    with pytest.raises(CalibrationChipMismatchError):
        load_for_setup(_synthetic(), chip_seed=seed, preset=preset)


def test_truncated_file_is_refused(tmp_path):
    path = save(_synthetic(), tmp_path / "c.npz")
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    with pytest.raises(CalibrationFileError, match="truncated or corrupt"):
        load(path)


def test_damaged_array_data_is_refused(tmp_path):
    """A flipped byte inside any stored array's compressed data is refused."""
    cal = _synthetic()
    path = save(cal, tmp_path / "c.npz")
    data = path.read_bytes()
    with zipfile.ZipFile(path) as zf:
        members = [(i.header_offset, i.compress_size) for i in zf.infolist()]
    for offset, size in members:
        name_len = int.from_bytes(data[offset + 26:offset + 28], "little")
        extra_len = int.from_bytes(data[offset + 28:offset + 30], "little")
        pos = offset + 30 + name_len + extra_len + size // 2
        bad = bytearray(data)
        bad[pos] ^= 0xFF
        path.write_bytes(bytes(bad))
        with pytest.raises(CalibrationFileError):
            load(path)


def test_flipped_bytes_never_load_different_content(tmp_path):
    """Anywhere in the file, a damaged byte is refused or (zip header fields nobody reads)
    changes nothing: a file never loads with different content."""
    cal = _synthetic()
    path = save(cal, tmp_path / "c.npz")
    data = path.read_bytes()
    for pos in np.linspace(0, len(data) - 1, 40).astype(int):
        bad = bytearray(data)
        bad[pos] ^= 0xFF
        path.write_bytes(bytes(bad))
        try:
            back = load(path)
        except CalibrationFileError:
            continue
        for p in CALIBRATED_PARAMETERS:
            np.testing.assert_array_equal(back.codes[p], cal.codes[p])
            np.testing.assert_array_equal(back.fits[p].slope, cal.fits[p].slope)
            np.testing.assert_array_equal(back.targets[p], cal.targets[p])


def _rewrite(path, mutate_meta=None, mutate_arrays=None, fix_digest=True):
    with np.load(path, allow_pickle=False) as z:
        raw = {k: z[k] for k in z.files}
    meta = json.loads(str(raw.pop("meta")[()]))
    raw.pop("sha256")
    if mutate_meta:
        mutate_meta(meta)
    if mutate_arrays:
        mutate_arrays(raw)
    meta_json = json.dumps(meta, sort_keys=True)
    digest = fileformat._digest(meta_json, raw) if fix_digest else "0" * 64
    with open(path, "wb") as fh:
        np.savez(fh, meta=np.array(meta_json), sha256=np.array(digest), **raw)


def test_other_format_version_is_refused(tmp_path):
    path = save(_synthetic(), tmp_path / "c.npz")
    _rewrite(path, mutate_meta=lambda m: m.update(format_version=99))
    with pytest.raises(CalibrationVersionError, match="version 99"):
        load(path)


def test_checksum_mismatch_is_refused(tmp_path):
    path = save(_synthetic(), tmp_path / "c.npz")
    _rewrite(path, mutate_arrays=lambda a: a["code/v_rest"].__setitem__(0, 7), fix_digest=False)
    with pytest.raises(CalibrationFileError, match="checksum"):
        load(path)


def test_wrong_shape_and_missing_entry_are_refused(tmp_path):
    path = save(_synthetic(), tmp_path / "c.npz")
    _rewrite(path, mutate_arrays=lambda a: a.__setitem__("code/tau_m", a["code/tau_m"][:10]))
    with pytest.raises(CalibrationFileError, match="shape"):
        load(path)
    path = save(_synthetic(), tmp_path / "d.npz")
    _rewrite(path, mutate_arrays=lambda a: a.pop("fit_slope/tau_m"))
    with pytest.raises(CalibrationFileError, match="missing"):
        load(path)


def test_non_increasing_fit_is_refused(tmp_path):
    path = save(_synthetic(), tmp_path / "c.npz")
    _rewrite(path, mutate_arrays=lambda a: a["fit_slope/v_rest"].__setitem__(0, -1.0))
    with pytest.raises(CalibrationFileError, match="increasing"):
        load(path)


def test_not_a_calibration_file_is_refused(tmp_path):
    path = tmp_path / "x.npz"
    np.savez(path, a=np.zeros(3))
    with pytest.raises(CalibrationFileError, match="not a neurohw calibration"):
        load(path)
    with pytest.raises(CalibrationFileError, match="does not exist"):
        load(tmp_path / "missing.npz")
    obj = tmp_path / "pickled.npz"
    with open(obj, "wb") as fh:
        np.savez(fh, meta=np.array([{"a": 1}], dtype=object), sha256=np.array("x"))
    with pytest.raises(CalibrationFileError):
        load(obj)


def test_atomic_save_keeps_old_file_when_writing_fails(tmp_path, monkeypatch):
    path = save(_synthetic(rng_seed=1), tmp_path / "c.npz")
    old = path.read_bytes()

    def boom(*a, **k):
        raise OSError("disk full")

    monkeypatch.setattr(fileformat.np, "savez_compressed", boom)
    with pytest.raises(OSError):
        save(_synthetic(rng_seed=2), path)
    assert path.read_bytes() == old
    assert zipfile.is_zipfile(path)
    assert not list(tmp_path.glob(".*tmp*"))


def test_load_for_setup_dispatch(tmp_path):
    assert load_for_setup(None, 3, "bss1") is None
    cal = _synthetic()
    assert load_for_setup(cal, 3, "bss1") is cal
    path = save(cal, tmp_path / "c.npz")
    assert load_for_setup(path, 3, "bss1").id == cal.id
    with pytest.raises(Exception, match="not understood"):
        load_for_setup(12, 3, "bss1")


def test_auto_uses_the_cache_entry(tmp_path, monkeypatch):
    from neurohw.hw_calibration import setup_loader

    monkeypatch.setenv("NEUROHW_CACHE_DIR", str(tmp_path))
    cal = _synthetic(chip_seed=5)
    save(cal, setup_loader.cache_path(5, "bss1"))
    called = []
    monkeypatch.setattr(setup_loader, "calibrate_into", lambda *a, **k: called.append(a))
    assert load_for_setup("auto", 5, "bss1").id == cal.id
    assert not called
    # another chip has no entry: auto calibrates (here intercepted) and then loads its file
    with pytest.raises(CalibrationFileError, match="does not exist"):
        load_for_setup("auto", 6, "bss1")
    assert called and called[0][1] == 6


def test_auto_calibration_runs_outside_the_callers_working_directory(tmp_path, monkeypatch):
    # `python -m` puts the working directory first on sys.path: from the root of a neurohw clone
    # its neurohw/ source folder would shadow the installed package (a non-editable install then
    # finds no neurohw.hw_calibration), so the calibration process must start elsewhere.
    import subprocess

    from neurohw.hw_calibration import setup_loader

    seen = {}

    def fake_run(cmd, **kwargs):
        seen.update(kwargs, cmd=cmd)
        return subprocess.CompletedProcess(cmd, 1, "", "stopped by the test")

    caller = tmp_path / "clone"
    caller.mkdir()
    monkeypatch.chdir(caller)
    monkeypatch.setattr(setup_loader.subprocess, "run", fake_run)
    target = tmp_path / "cache" / "chip.npz"
    target.parent.mkdir()
    with pytest.raises(Exception, match="stopped by the test"):
        setup_loader.calibrate_into(target, 3, "bss1")
    assert seen["cwd"] == target.parent
    assert seen["cmd"][seen["cmd"].index("--out") + 1] == str(target.resolve())
