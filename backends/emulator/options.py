"""The emulator-only keywords of ``setup()`` (DESIGN: chip_seed, seed, preset, ideal, calibration,
n_chips) and their validation."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from pyNN import errors

#: Presets the emulator knows (see ``neurohw.backends.emulator.chip.PRESETS``).
PRESET_NAMES = ("bss1", "bss2")


@dataclass
class EmulatorOptions:
    """Validated emulator settings of the current ``setup()``.

    chip_seed: which chip (fixes its fixed-pattern noise); seed: trial-to-trial noise and on-chip
    pseudo-random sources; preset: "bss1" (default) or "bss2"; ideal: switch every distortion
    off; calibration: None, a path, a calibration object or "auto"; n_chips: number of chips;
    strict: out-of-range parameters raise (False: clip with a warning); allow_synapse_loss: drop
    and report synapses beyond the fan-in limit instead of failing; distortions: switch single
    chip distortions off or on, e.g. ``{"membrane_noise": False}`` (names: the fields of
    :class:`~neurohw.backends.emulator.chip.ChipSwitches`; unnamed ones stay on).
    """

    chip_seed: int = 0
    seed: int = 0
    preset: str = "bss1"
    ideal: bool = False
    calibration: Any = None
    n_chips: int = 1
    strict: bool = True
    allow_synapse_loss: bool = False
    distortions: dict | None = None

    @classmethod
    def from_setup(cls, extra: dict) -> "EmulatorOptions":
        """Build from ``setup()``'s extra keywords; unknown PyNN extras are ignored."""
        opts = cls()
        for key in ("chip_seed", "seed"):
            if key in extra and extra[key] is not None:
                value = extra[key]
                if isinstance(value, bool) or not isinstance(value, (int,)) and not (
                        hasattr(value, "__index__")):
                    raise errors.InvalidParameterValueError(
                        f"setup({key}=...) must be a non-negative integer, got {value!r}")
                if int(value) < 0:
                    raise errors.InvalidParameterValueError(
                        f"setup({key}=...) must be a non-negative integer, got {value!r}")
                setattr(opts, key, int(value))
        if "preset" in extra and extra["preset"] is not None:
            preset = str(extra["preset"]).lower()
            if preset not in PRESET_NAMES:
                raise errors.InvalidParameterValueError(
                    f"setup(preset={extra['preset']!r}) is not a known chip preset; use one of "
                    f"{', '.join(PRESET_NAMES)}")
            opts.preset = preset
        for key in ("ideal", "strict", "allow_synapse_loss"):
            if key in extra and extra[key] is not None:
                setattr(opts, key, bool(extra[key]))
        if "n_chips" in extra and extra["n_chips"] is not None:
            n = extra["n_chips"]
            if isinstance(n, bool) or int(n) != n or int(n) < 1:
                raise errors.InvalidParameterValueError(
                    f"setup(n_chips={n!r}) must be an integer >= 1")
            opts.n_chips = int(n)
        opts.calibration = extra.get("calibration")
        opts.distortions = _distortions(extra.get("distortions"), opts.ideal)
        return opts


def _distortions(value: Any, ideal: bool) -> dict | None:
    """Validate ``setup(distortions=...)``: a mapping of ChipSwitches names to booleans."""
    if value is None:
        return None
    from .chip import ChipSwitches

    known = list(ChipSwitches.realistic().to_dict())
    if isinstance(value, ChipSwitches):
        value = value.to_dict()
    if not isinstance(value, dict):
        raise errors.InvalidParameterValueError(
            f"setup(distortions=...) takes a dict such as {{'membrane_noise': False}}, got "
            f"{type(value).__name__}; switch names: {', '.join(known)}")
    unknown = sorted(set(value) - set(known))
    if unknown:
        raise errors.InvalidParameterValueError(
            f"setup(distortions=...) has unknown switch(es) {unknown}; use any of: "
            f"{', '.join(known)}")
    if ideal and any(bool(v) for v in value.values()):
        raise errors.InvalidParameterValueError(
            "setup(ideal=True) switches every distortion off; drop distortions=... or use "
            "ideal=False with the switches you want")
    return {name: bool(flag) for name, flag in value.items()}
