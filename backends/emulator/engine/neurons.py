"""Per-neuron parameter arrays of the engine, from PyNN cell parameters.

Each neuron population contributes a block of neurons; :func:`neuron_arrays` turns its (realised)
PyNN parameters into the engine's flat arrays. LIF is AdEx with the exponential term and
adaptation switched off (``delta_T = 0``, ``a = b = 0``), as on BrainScaleS (DESIGN).
Units: mV, ms, nF, uS (the AdEx ``a`` is given in nS and converted), nA.
"""

from __future__ import annotations

import numpy as np

from .kernels import MODEL_COND, MODEL_CURR

#: Names of the engine's per-neuron float arrays (see :func:`neuron_arrays`).
FLOAT_FIELDS = ("cm", "g_l", "e_l", "v_reset", "v_peak", "v_th", "delta_t", "a", "b", "tau_w",
                "e_e", "e_i", "i_offset", "dec_e", "dec_i", "dec_e_half", "dec_i_half", "p22",
                "p21e", "p21i", "noise_std")

NEURON_MODELS = ("curr_lif", "cond_lif", "cond_adex")


def _p21(tau_m: np.ndarray, tau_s: np.ndarray, cm: np.ndarray, dt: float) -> np.ndarray:
    """Exact propagator from an exponential synaptic current (nA) to v (mV) over one step.

    For ``tau_s != tau_m``: ``tau_s*tau_m/(cm*(tau_s-tau_m)) * (exp(-dt/tau_s)-exp(-dt/tau_m))``;
    the limit ``dt/cm*exp(-dt/tau_m)`` where the two are (numerically) equal.
    """
    diff = tau_s - tau_m
    close = np.abs(diff) < 1e-9 * np.maximum(tau_m, 1.0)
    safe = np.where(close, 1.0, diff)
    general = tau_s * tau_m / (cm * safe) * (np.exp(-dt / tau_s) - np.exp(-dt / tau_m))
    limit = dt / cm * np.exp(-dt / tau_m)
    return np.where(close, limit, general)


def neuron_arrays(engine_model: str, params: dict[str, np.ndarray], dt: float
                  ) -> dict[str, np.ndarray]:
    """Engine arrays for one population.

    Parameters
    ----------
    engine_model
        ``"curr_lif"`` (IF_curr_exp), ``"cond_lif"`` (IF_cond_exp) or ``"cond_adex"``
        (EIF_cond_exp_isfa_ista, HWNeuron).
    params
        PyNN parameter name -> array over the population's neurons (PyNN units).
    dt
        time step in ms.

    Returns a dict with every name of :data:`FLOAT_FIELDS` (float64 arrays), ``"model"`` (int8)
    and ``"refr_steps"`` (int64: refractory period in whole steps, rounded like NEST).
    """
    if engine_model not in NEURON_MODELS:
        raise ValueError(f"unknown engine model {engine_model!r}; known: {NEURON_MODELS}")
    n = len(np.atleast_1d(params["cm"]))

    def f(name: str, default: float = 0.0) -> np.ndarray:
        value = params.get(name, default)
        return np.broadcast_to(np.asarray(value, dtype=float), (n,)).copy()

    cm, tau_m = f("cm"), f("tau_m")
    tau_e, tau_i = f("tau_syn_E"), f("tau_syn_I")
    out = {
        "cm": cm,
        "g_l": cm / tau_m,
        "e_l": f("v_rest"),
        "v_reset": f("v_reset"),
        "v_th": f("v_thresh"),
        "i_offset": f("i_offset"),
        "e_e": f("e_rev_E"),
        "e_i": f("e_rev_I"),
        "dec_e": np.exp(-dt / tau_e),
        "dec_i": np.exp(-dt / tau_i),
        "dec_e_half": np.exp(-0.5 * dt / tau_e),
        "dec_i_half": np.exp(-0.5 * dt / tau_i),
        "p22": np.exp(-dt / tau_m),
        "p21e": _p21(tau_m, tau_e, cm, dt),
        "p21i": _p21(tau_m, tau_i, cm, dt),
        "noise_std": np.zeros(n),
    }
    if engine_model == "cond_adex":
        delta_t = f("delta_T")
        out["delta_t"] = delta_t
        out["a"] = f("a") * 1e-3  # nS -> uS
        out["b"] = f("b")
        out["tau_w"] = f("tau_w")
        out["v_peak"] = np.where(delta_t > 0, f("v_spike"), out["v_th"])
    else:
        out["delta_t"] = np.zeros(n)
        out["a"] = np.zeros(n)
        out["b"] = np.zeros(n)
        out["tau_w"] = np.zeros(n)
        out["v_peak"] = out["v_th"].copy()
    out["model"] = np.full(n, MODEL_CURR if engine_model == "curr_lif" else MODEL_COND, np.int8)
    out["refr_steps"] = np.rint(f("tau_refrac") / dt).astype(np.int64)
    return out
