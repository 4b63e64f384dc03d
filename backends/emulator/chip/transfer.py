"""Analog parameters: bio <-> hardware units and the nominal 10-bit DAC transfer curves.

Every analog neuron parameter of a circuit is set by one 10-bit DAC code (floating gates on
BrainScaleS-1, capacitive memory on BrainScaleS-2). The code names are the PyNN
``EIF_cond_exp_isfa_ista`` names of the quantity they control, plus ``syn_gain_E`` /
``syn_gain_I`` (the per-circuit synaptic gain, i.e. the weight LSB multiplier).

Units
-----
* potentials (``v_rest``, ``v_thresh``, ``v_reset``, ``v_spike``, ``e_rev_E``, ``e_rev_I``):
  biological mV; hardware mV with ``V_hw = alpha * V_bio + shift`` (preset ``voltage_scale``,
  ``voltage_shift_mV``). ``delta_T`` is a potential difference: ``dT_hw = alpha * dT_bio``.
* time constants (``tau_m``, ``tau_syn_E``, ``tau_syn_I``, ``tau_refrac``, ``tau_w``):
  biological ms; hardware microseconds ``t_hw = t_bio / acceleration * 1000``. On the chip
  ``tau_m`` is set through the leak conductance (``tau_m = C_m / g_leak``), the synaptic and
  adaptation time constants through OTA bias currents, the refractory period through the bias
  current that discharges the refractory timer.
* ``a`` (nS), ``b`` (nA) and ``syn_gain_*`` (dimensionless): hardware units are the
  biological-equivalent units themselves (the conductance and current scale is fixed by the
  circuit capacitance, see ``Preset.native_cm_nF``).

Nominal transfer curves (code c in 0..1023, N = 1023)
-----------------------------------------------------
* potentials: linear over the DAC's full scale, ``V_hw = c / N * full_scale``.
* ``a``, ``b``, ``syn_gain_*``: linear, ``x = lo + (hi - lo) * c / N``.
* time constants and ``delta_T``: log-spaced, ``x = lo * (hi / lo) ** (c / N)``: the bias
  current reaching the circuit comes from a transistor in weak inversion, so equal code steps
  give equal *relative* steps (0.5-0.8 % per code over the ranges below), which keeps the
  resolution uniform from 0.1 ms refractory periods up to 100 ms time constants.

Fixed-pattern noise (see ``fixed_pattern.py``) turns the nominal value into the realised value
of one circuit: ``x = pivot + gain * (x_nominal - pivot) + offset``, with pivot the middle of
the DAC range for potentials (gain ~2 %, offset several mV bio) and 0 for everything else.
Time constants and ``delta_T`` only get a gain (~10 %, multiplicative), as mismatched bias
currents give.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from .presets import Preset, get_preset

POTENTIALS = ("v_rest", "v_thresh", "v_reset", "v_spike", "e_rev_E", "e_rev_I")
TIMES = ("tau_m", "tau_syn_E", "tau_syn_I", "tau_refrac", "tau_w")


@dataclass(frozen=True)
class ParameterSpec:
    """How one DAC-controlled quantity is represented.

    ``lo_bio``/``hi_bio`` are the nominal range in biological units (None for potentials: the
    DAC's full scale sets it). ``gain_std`` is the standard deviation of log(gain) across
    circuits; ``offset_std_bio`` the standard deviation of the additive offset in biological
    units. ``floor_bio`` is a physical lower bound of the realised value (None: none).
    """

    name: str
    unit: str
    curve: str                   # "linear" or "log"
    lo_bio: float | None
    hi_bio: float | None
    default_bio: float
    gain_std: float
    offset_std_bio: float
    pivot: str                   # "mid" (potentials) or "zero"
    floor_bio: float | None = None


# Spread magnitudes: Petrovici et al. 2014 (Fig. 2/3; uncalibrated HICANN time constants and
# synaptic efficacies spread by 10-20 %, potentials by several mV bio) and Billaudelle et al.
# 2020 / Pehle et al. 2022 (BSS-2 uncalibrated spreads of the same order before calix).
PARAMETER_SPECS: dict[str, ParameterSpec] = {
    "v_rest": ParameterSpec("v_rest", "mV", "linear", None, None, -65.0, 0.02, 3.0, "mid"),
    "v_thresh": ParameterSpec("v_thresh", "mV", "linear", None, None, -50.0, 0.02, 3.0, "mid"),
    "v_reset": ParameterSpec("v_reset", "mV", "linear", None, None, -65.0, 0.02, 3.0, "mid"),
    "v_spike": ParameterSpec("v_spike", "mV", "linear", None, None, -40.0, 0.02, 3.0, "mid"),
    "e_rev_E": ParameterSpec("e_rev_E", "mV", "linear", None, None, 0.0, 0.02, 3.0, "mid"),
    "e_rev_I": ParameterSpec("e_rev_I", "mV", "linear", None, None, -70.0, 0.02, 3.0, "mid"),
    "tau_m": ParameterSpec("tau_m", "ms", "log", 1.0, 300.0, 20.0, 0.10, 0.0, "zero"),
    "tau_syn_E": ParameterSpec("tau_syn_E", "ms", "log", 0.3, 100.0, 5.0, 0.10, 0.0, "zero"),
    "tau_syn_I": ParameterSpec("tau_syn_I", "ms", "log", 0.3, 100.0, 5.0, 0.10, 0.0, "zero"),
    "tau_refrac": ParameterSpec("tau_refrac", "ms", "log", 0.05, 200.0, 2.0, 0.15, 0.0, "zero"),
    "tau_w": ParameterSpec("tau_w", "ms", "log", 5.0, 2000.0, 144.0, 0.10, 0.0, "zero"),
    "delta_T": ParameterSpec("delta_T", "mV", "log", 0.2, 20.0, 2.0, 0.10, 0.0, "zero"),
    "a": ParameterSpec("a", "nS", "linear", 0.0, 100.0, 4.0, 0.10, 0.3, "zero", floor_bio=0.0),
    "b": ParameterSpec("b", "nA", "linear", 0.0, 1.0, 0.0805, 0.10, 0.003, "zero",
                       floor_bio=0.0),
    "syn_gain_E": ParameterSpec("syn_gain_E", "1", "linear", 0.0, 2.0, 1.0, 0.10, 0.0, "zero",
                                floor_bio=0.0),
    "syn_gain_I": ParameterSpec("syn_gain_I", "1", "linear", 0.0, 2.0, 1.0, 0.10, 0.0, "zero",
                                floor_bio=0.0),
}

#: Parameters of PyNN cell types that are not set by a DAC and pass through unchanged:
#: ``cm`` fixes the bio <-> hardware conductance/current scale, ``i_offset`` is realised by the
#: current stimulus path.
PASSTHROUGH_PARAMETERS = ("cm", "i_offset")


def spec(name: str) -> ParameterSpec:
    """The ParameterSpec of a DAC-controlled quantity (KeyError for unknown names)."""
    return PARAMETER_SPECS[name]


def bio_to_hw(preset: Preset | str, name: str, bio: np.ndarray | float) -> np.ndarray:
    """Biological units -> hardware units for parameter ``name`` (see module docstring)."""
    p = get_preset(preset)
    bio = np.asarray(bio, dtype=float)
    if name in POTENTIALS:
        return p.bio_to_hw_voltage(bio)
    if name == "delta_T":
        return p.voltage_scale * bio
    if name in TIMES:
        return bio / p.acceleration * 1000.0
    return bio.copy()


def hw_to_bio(preset: Preset | str, name: str, hw: np.ndarray | float) -> np.ndarray:
    """Hardware units -> biological units for parameter ``name``."""
    p = get_preset(preset)
    hw = np.asarray(hw, dtype=float)
    if name in POTENTIALS:
        return p.hw_to_bio_voltage(hw)
    if name == "delta_T":
        return hw / p.voltage_scale
    if name in TIMES:
        return hw * p.acceleration / 1000.0
    return hw.copy()


def hw_unit(name: str) -> str:
    """Hardware unit of a parameter (mV, us, nS, nA or 1)."""
    if name in POTENTIALS or name == "delta_T":
        return "mV"
    if name in TIMES:
        return "us"
    return spec(name).unit


def hw_range(preset: Preset | str, name: str) -> tuple[float, float]:
    """Nominal range (code 0, code max) of a parameter in hardware units."""
    p = get_preset(preset)
    s = spec(name)
    if s.lo_bio is None:
        return 0.0, float(p.dac_full_scale_mV)
    return float(bio_to_hw(p, name, s.lo_bio)), float(bio_to_hw(p, name, s.hi_bio))


def bio_range(preset: Preset | str, name: str) -> tuple[float, float]:
    """Nominal range of a parameter in biological units."""
    lo, hi = hw_range(preset, name)
    return float(hw_to_bio(preset, name, lo)), float(hw_to_bio(preset, name, hi))


def nominal_hw(preset: Preset | str, name: str, codes: np.ndarray | float) -> np.ndarray:
    """Nominal transfer curve: DAC code(s) (int or, without DAC quantisation, float) ->
    hardware value(s)."""
    p = get_preset(preset)
    lo, hi = hw_range(p, name)
    x = np.asarray(codes, dtype=float) / p.max_dac_code
    if spec(name).curve == "log":
        return lo * (hi / lo) ** x
    return lo + (hi - lo) * x


def nominal_code(preset: Preset | str, name: str, hw: np.ndarray | float) -> np.ndarray:
    """Inverse nominal transfer: hardware value(s) -> real-valued code(s) (not rounded or
    clipped)."""
    p = get_preset(preset)
    lo, hi = hw_range(p, name)
    hw = np.asarray(hw, dtype=float)
    if spec(name).curve == "log":
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.log(hw / lo) / np.log(hi / lo) * p.max_dac_code
    return (hw - lo) / (hi - lo) * p.max_dac_code


def pivot_hw(preset: Preset | str, name: str) -> float:
    """The value around which the fixed-pattern gain acts (hardware units)."""
    if spec(name).pivot == "mid":
        lo, hi = hw_range(preset, name)
        return 0.5 * (lo + hi)
    return 0.0


@dataclass(frozen=True)
class HWParameter:
    """One native DAC code of a neuron circuit (what ``HWNeuron`` takes)."""

    name: str            # code name = the quantity it controls
    default: int         # code that nominally realises the PyNN-like default value
    min_code: int
    max_code: int
    bio_range: tuple[float, float]   # nominal realised range, biological units
    unit: str            # biological unit of the realised value
    increasing: bool     # realised value grows with the code (True for every parameter here)


def hw_neuron_parameters(preset: Preset | str) -> dict[str, HWParameter]:
    """The native parameter set of one circuit as DAC codes, for one preset (a fresh dict)."""
    return dict(_hw_neuron_parameters(get_preset(preset)))


@lru_cache(maxsize=None)
def _hw_neuron_parameters(p: Preset) -> dict[str, HWParameter]:
    out = {}
    for name, s in PARAMETER_SPECS.items():
        code = nominal_code(p, name, bio_to_hw(p, name, s.default_bio))
        out[name] = HWParameter(
            name=name, default=int(np.clip(np.rint(code), 0, p.max_dac_code)), min_code=0,
            max_code=p.max_dac_code, bio_range=bio_range(p, name), unit=s.unit, increasing=True)
    return out
