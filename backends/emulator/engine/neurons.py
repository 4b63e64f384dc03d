"""Per-neuron parameter arrays of the engine, from PyNN cell parameters.

Each neuron population contributes a block of neurons; :func:`neuron_arrays` turns its (realised)
PyNN parameters into the engine's flat arrays. LIF is AdEx with the exponential term and
adaptation switched off (``delta_T = 0``, ``a = b = 0``), as on BrainScaleS (DESIGN).
The synapse shape (``"exp"`` or ``"alpha"``) is a per-neuron property of the same three
integration paths: alpha synapses get ``psc_e = e/tau_syn_E`` (1/ms, the factor by which an
arriving weight enters the rise variable), for current-based neurons the exact propagator
``p31e`` from the rise variable to ``v``, and for conductance-based LIF the coefficients of the
step-averaged conductance ``ge*dec_e_half + dge*rise_e`` (exact mean of the alpha function over
the step; exponential synapses keep the midpoint value ``ge*exp(-dt/(2 tau))``); exponential
synapses have ``psc_e = p31e = rise_e = 0``.
Units: mV, ms, nF, uS (the AdEx ``a`` is given in nS and converted), nA.
"""

from __future__ import annotations

import numpy as np

from .kernels import MODEL_COND, MODEL_CURR

#: Names of the engine's per-neuron float arrays (see :func:`neuron_arrays`).
FLOAT_FIELDS = ("cm", "g_l", "e_l", "v_reset", "v_peak", "v_th", "delta_t", "a", "b", "tau_w",
                "e_e", "e_i", "i_offset", "dec_e", "dec_i", "dec_e_half", "dec_i_half", "p22",
                "p21e", "p21i", "noise_std", "psc_e", "psc_i", "p31e", "p31i", "rise_e",
                "rise_i")

NEURON_MODELS = ("curr_lif", "cond_lif", "cond_adex")

#: Synapse shapes (PSC / conductance time course after one spike of weight w):
#: ``"exp"``: w exp(-t/tau_syn); ``"alpha"``: w (t/tau_syn) exp(1 - t/tau_syn) (peak w at tau_syn).
SYNAPSE_SHAPES = ("exp", "alpha")


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


def _p31(tau_m: np.ndarray, tau_s: np.ndarray, cm: np.ndarray, dt: float) -> np.ndarray:
    """Exact propagator from the rise variable ``dI`` (nA/ms) of an alpha-shaped synaptic current
    to v (mV) over one step (Rotter & Diesmann 1999; NEST's ``iaf_psc_alpha`` P31):

    ``exp(-dt/tau_m) / cm * (1 - exp(-x) * (1 + x)) / a**2`` with ``a = 1/tau_s - 1/tau_m`` and
    ``x = a*dt``; near ``tau_s == tau_m`` (``|x| < 1e-3``) its Taylor series in ``x``, whose
    limit is ``dt**2 / (2 cm) * exp(-dt/tau_m)``.
    """
    x = (1.0 / tau_s - 1.0 / tau_m) * dt
    small = np.abs(x) < 1e-3
    xs = np.where(small, 1.0, x)
    exact = (-np.expm1(-xs) - xs * np.exp(-xs)) / xs ** 2
    series = 0.5 - x / 3.0 + x ** 2 / 8.0 - x ** 3 / 30.0 + x ** 4 / 144.0
    return np.exp(-dt / tau_m) / cm * dt ** 2 * np.where(small, series, exact)


def _alpha_step_average(tau: np.ndarray, dt: float) -> tuple[np.ndarray, np.ndarray]:
    """Coefficients ``(c0, c1)`` of the mean over one step of an alpha-function conductance,
    ``mean_t g(t) = c0 * g0 + c1 * dg0`` for ``g(t) = (g0 + dg0 t) exp(-t/tau)``, t in [0, dt]:
    ``c0 = (tau/dt) (1 - exp(-dt/tau))`` and ``c1 = (tau**2/dt) (1 - exp(-dt/tau)(1 + dt/tau))``
    (ms)."""
    x = dt / tau
    c0 = -np.expm1(-x) / x
    c1 = tau * (-np.expm1(-x) - x * np.exp(-x)) / x
    return c0, c1


def neuron_arrays(engine_model: str, params: dict[str, np.ndarray], dt: float,
                  synapse_shape: str = "exp") -> dict[str, np.ndarray]:
    """Engine arrays for one population.

    Parameters
    ----------
    engine_model
        ``"curr_lif"`` (IF_curr_exp/_alpha), ``"cond_lif"`` (IF_cond_exp/_alpha) or
        ``"cond_adex"`` (EIF_cond_exp/alpha_isfa_ista, HWNeuron).
    params
        PyNN parameter name -> array over the population's neurons (PyNN units).
    dt
        time step in ms.
    synapse_shape
        ``"exp"`` or ``"alpha"`` (:data:`SYNAPSE_SHAPES`): time course of the synaptic
        conductance/current of both receptors.

    Returns a dict with every name of :data:`FLOAT_FIELDS` (float64 arrays), ``"model"`` (int8)
    and ``"refr_steps"`` (int64: refractory period in whole steps, rounded like NEST).
    """
    if engine_model not in NEURON_MODELS:
        raise ValueError(f"unknown engine model {engine_model!r}; known: {NEURON_MODELS}")
    if synapse_shape not in SYNAPSE_SHAPES:
        raise ValueError(f"unknown synapse shape {synapse_shape!r}; known: {SYNAPSE_SHAPES}")
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
    alpha = synapse_shape == "alpha"
    out["psc_e"] = np.e / tau_e if alpha else np.zeros(n)
    out["psc_i"] = np.e / tau_i if alpha else np.zeros(n)
    # conductance over one step (conductance-based LIF): ge*dec_e_half + dge*rise_e
    out["rise_e"] = np.zeros(n)
    out["rise_i"] = np.zeros(n)
    if alpha:
        for rec, tau in (("e", tau_e), ("i", tau_i)):
            out[f"dec_{rec}_half"], out[f"rise_{rec}"] = _alpha_step_average(tau, dt)
    current_alpha = alpha and engine_model == "curr_lif"
    out["p31e"] = _p31(tau_m, tau_e, cm, dt) if current_alpha else np.zeros(n)
    out["p31i"] = _p31(tau_m, tau_i, cm, dt) if current_alpha else np.zeros(n)
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
