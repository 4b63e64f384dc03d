r"""Unit conventions and the exact parameter conversion between NIR neurons and ``IF_curr_exp``.

NIR equations are dimensionless with time in seconds. neurohw reads them with

========================  ===========================  =====================================
NIR quantity              PyNN (``IF_curr_exp``)        conversion
========================  ===========================  =====================================
time (tau_*, delay)       ms                           ``t_ms = 1000 * t_s``
voltage (v_*)             mV                           1 NIR voltage unit = 1 mV [*]
current (I, bias)         nA                           1 NIR current unit = 1 nA [*]
``r``                     MOhm = mV/nA                 ``r = tau_m / cm``  (ms / nF)
========================  ===========================  =====================================

[*] by default; ``load(..., voltage_scale=k, voltage_offset=c)`` reads ``v`` as ``k*v + c`` mV and
currents as ``k`` nA per unit, an exact change of variables (the equations are affine in v and I).

NIR CubaLIF::

    tau_syn dI/dt = -I + w_in * S          S: weighted input spike train
    tau_mem dv/dt = (v_leak - v) + r * I   spike when v > v_threshold, then v = v_reset

PyNN ``IF_curr_exp`` (NEST ``iaf_psc_exp``)::

    dI/dt = -I / tau_syn + sum_k w_k delta(t - t_k)
    tau_m dV/dt = (v_rest - V) + (tau_m / cm) * (I + i_offset)

so ``tau_m = 1000 tau_mem``, ``tau_syn_E = tau_syn_I = 1000 tau_syn``, ``cm = tau_m / r``,
``v_rest + r * i_offset = v_leak``, ``v_thresh = v_threshold``, ``v_reset = v_reset``,
``tau_refrac = 0`` (NIR has no refractory period).

Spikes. NIR models a spike as a Dirac delta of unit area (time in s), so one input spike through
weight ``W`` makes the synaptic current jump by ``w_in * W / tau_syn`` (tau_syn in s). The PyNN
weight is that jump in nA::

    weight_nA = w_in * W * A / tau_syn_s          (A = 1 for Dirac spikes)

Discrete-time frameworks (snnTorch, Norse, …) export spikes as unit-*height* pulses one time step
``dt`` wide; for their files pass ``spike_width=dt`` (in s) to :func:`neurohw.nir.load`, which sets
``A = dt``. On export neurohw writes ``w_in = tau_syn_s`` so that the Linear weights *are* the PyNN
weights in nA, and folds ``i_offset`` into ``v_leak`` (exact: both enter the membrane equation the
same way).
"""

from __future__ import annotations

import numpy as np

MS_PER_S = 1000.0

#: The PyNN cell type that NIR's current-based LIF maps to, exactly.
PYNN_CELL = "IF_curr_exp"


def cubalif_from_pynn(p: dict[str, np.ndarray], tau_syn_ms: np.ndarray) -> dict[str, np.ndarray]:
    """NIR CubaLIF parameters (s, mV, MOhm, dimensionless ``w_in``) from IF_curr_exp parameters.

    ``p`` holds per-neuron arrays of ``tau_m`` (ms), ``cm`` (nF), ``v_rest``, ``v_thresh``,
    ``v_reset`` (mV) and ``i_offset`` (nA); ``tau_syn_ms`` is the one synaptic time constant used.
    """
    r = p["tau_m"] / p["cm"]
    tau_syn_s = tau_syn_ms / MS_PER_S
    return {
        "tau_syn": tau_syn_s,
        "tau_mem": p["tau_m"] / MS_PER_S,
        "r": r,
        "v_leak": p["v_rest"] + r * p["i_offset"],
        "v_threshold": np.array(p["v_thresh"], dtype=float),
        "v_reset": np.array(p["v_reset"], dtype=float),
        "w_in": tau_syn_s.copy(),
    }


def pynn_from_cuba(tau_syn_s, tau_mem_s, r, v_leak, v_threshold, v_reset) -> dict[str, np.ndarray]:
    """IF_curr_exp parameters (ms, nF, mV) from NIR CubaLIF parameters (s, MOhm, mV)."""
    tau_m = np.asarray(tau_mem_s, float) * MS_PER_S
    tau_syn = np.asarray(tau_syn_s, float) * MS_PER_S
    r = np.asarray(r, float)
    return {
        "tau_m": tau_m,
        "cm": tau_m / r,
        "tau_syn_E": tau_syn,
        "tau_syn_I": tau_syn.copy(),
        "v_rest": np.asarray(v_leak, float),
        "v_thresh": np.asarray(v_threshold, float),
        "v_reset": np.asarray(v_reset, float),
        "tau_refrac": np.zeros_like(tau_m),
        "i_offset": np.zeros_like(tau_m),
    }


def synaptic_weight_nA(W: np.ndarray, w_in: np.ndarray, tau_syn_s: np.ndarray, spike_area: float) -> np.ndarray:
    """PyNN weights (nA) of NIR weights ``W`` (shape n_post x n_pre) into a current-based neuron.

    ``weight = w_in * W * spike_area / tau_syn`` row by row (see the module docstring).
    """
    scale = np.asarray(w_in, float) * spike_area / np.asarray(tau_syn_s, float)
    return W * scale[:, None]
