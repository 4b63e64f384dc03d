"""The measurements behind each calibrated parameter, vectorised over circuits.

Each function runs experiments on a :class:`~neurohw.hw_calibration.bench.ChipBench` (spikes of
every circuit at once, or membrane sessions multiplexed over the readout channels) and returns
measured biological values, one per circuit (NaN where a measurement failed).

Experiments (biological units):

* refractory period -- reset potential far above the spike detection level, so a circuit
  fires again in the first integration step after its refractory time: ISI = tau_refrac + dt.
  Measured on a bench with a fine time step.
* membrane session -- on a fast membrane the leak potential is read from plateaus; on the
  target tau_m code the membrane relaxes over a large leak step, ``v_inf + (v0 - v_inf)
  exp(-t/tau_m)`` with ``v_inf`` from the plateaus gives tau_m; the reset potential is read
  while the circuit is held in a long refractory period after spikes forced by a low
  exponential threshold; single-spike PSPs on the fast membrane, fitted with the exact
  conductance model (``C du/dt = -g_L u + g(t) (E_rev - v)``), give tau_syn and the peak
  conductance; PSPs on both sides of the reversal potential fix E_rev, the conductance per
  requested weight is the synaptic gain.
* threshold -- spike/no-spike of every circuit with its leak potential set (through the leak
  calibration) at a probe value, bisected per circuit: the effective threshold of the AdEx
  circuit, ``V_T - delta_T`` (Brette & Gerstner 2005), corrected by the nominal delta_T.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from neurohw.backends.emulator.chip import transfer
from neurohw.backends.emulator.chip.presets import get_preset

from . import analysis
from .bench import ChipBench, Segment
from .transfer_fit import TransferFit


#: Base codes of every calibration experiment: adaptation as small as it gets (a, b at code 0;
#: what remains of them through fixed-pattern offsets is frozen by the slowest tau_w) and the
#: sharpest exponential onset (smallest delta_T), i.e. as close to a LIF as the AdEx circuit gets.
LIF_LIKE_CODES = {"a": 0, "b": 0, "tau_w": 1023, "delta_T": 0}


def code_for(preset, name: str, bio_value: float) -> int:
    """Nominal (uncalibrated) DAC code for a biological value."""
    hw = transfer.bio_to_hw(preset, name, bio_value)
    c = transfer.nominal_code(preset, name, hw)
    return int(np.clip(np.rint(c), 0, get_preset(preset).max_dac_code))


# ---------------------------------------------------------------------------- refractory
def measure_refractory(bench: ChipBench, refrac_codes: np.ndarray, n_isi: int = 25
                       ) -> np.ndarray:
    """Refractory period (ms) of every circuit at ``refrac_codes`` (scalar or per circuit)."""
    p = bench.preset
    codes = {
        "tau_refrac": refrac_codes,
        "v_reset": p.max_dac_code,                     # reset far above ...
        "v_spike": 0,                                  # ... the spike detection level
        "v_thresh": p.max_dac_code,
        "delta_T": 0,
    }
    nominal_max = float(np.max(transfer.hw_to_bio(
        p, "tau_refrac", transfer.nominal_hw(p, "tau_refrac", np.max(refrac_codes)))))
    duration = (n_isi + 2) * 1.5 * nominal_max + 5 * bench.dt
    trains = bench.spike_run(codes, duration)
    isi = analysis.mean_isi(trains, 0.0, duration, min_spikes=4)
    return isi - bench.dt


# ---------------------------------------------------------------------------- membrane
@dataclass
class SessionPlan:
    """Codes a membrane session steps through and where each measurement sits in it."""

    segments: list
    relax: list          # (segment index, tau_m code, leak code)
    reset: list          # (segment index, reset code)
    psp: list            # (segment index, receptor, tau_syn code, gain code, leak code,
    #                       stimulus times in the segment, PSP window length)


def plan_session(preset, relax_steps: list, leak_code_mid, reset_codes, fast_tau_m_code,
                 psp_points: list, window_tau: float = 4.0, settle_ms: float = 10.0,
                 psp_repeats: int = 2) -> SessionPlan:
    """Build the schedule of one membrane session (the same for every circuit group).

    Codes may be scalars or per-circuit arrays.

    * ``relax_steps``: list of (tau_m code, leak code, duration ms): the leak potential jumps to
      the new code and the membrane relaxes with that tau_m;
    * ``reset_codes``: reset codes read while refractory after forced spikes;
    * ``psp_points``: list of (leak code, {receptor: (tau_syn code, gain code)}): one segment
      per point with ``psp_repeats`` excitatory then inhibitory single-spike PSPs on the fast
      membrane; ``window_ms[receptor]`` is each PSP's window (a few tau_syn).
    """
    p = preset
    quiet = {"v_thresh": p.max_dac_code, "v_spike": p.max_dac_code}
    segs, relax, reset, psp = [], [], [], []
    segs.append(Segment(12.0, dict(quiet, v_rest=leak_code_mid, tau_m=fast_tau_m_code),
                        label="leak_mid"))
    relax.append((0, fast_tau_m_code, leak_code_mid))
    for code, leak, duration in relax_steps:
        segs.append(Segment(float(duration), dict(quiet, v_rest=leak, tau_m=code), label="relax"))
        relax.append((len(segs) - 1, code, leak))
    names = {"excitatory": ("tau_syn_E", "syn_gain_E"), "inhibitory": ("tau_syn_I", "syn_gain_I")}
    for level, per_rec in psp_points:
        codes = dict(quiet, v_rest=level, tau_m=fast_tau_m_code)
        t = settle_ms
        stims = {}
        window_ms = {}
        for i, (rec, (s_code, g_code)) in enumerate(per_rec.items()):
            window_ms[rec] = window_tau * float(np.max(transfer.hw_to_bio(
                p, names[rec][0], transfer.nominal_hw(p, names[rec][0], np.asarray(s_code)))))
            codes[names[rec][0]] = s_code
            codes[names[rec][1]] = g_code
            if i > 0:
                t += window_ms[rec]       # let the previous receptor's last PSP die out
            stims[rec] = tuple(t + j * window_ms[rec] for j in range(psp_repeats))
            t += psp_repeats * window_ms[rec]
        segs.append(Segment(t, codes, exc_at=stims.get("excitatory", ()),
                            inh_at=stims.get("inhibitory", ()), label="psp"))
        for rec, (s_code, g_code) in per_rec.items():
            psp.append((len(segs) - 1, rec, s_code, g_code, level, stims[rec], window_ms[rec]))
    # reset, last (the long refractory period would clamp the next segment): a low
    # exponential threshold forces spikes, the refractory period holds v at the reset
    fire = {"v_thresh": code_for(p, "v_thresh", -100.0), "v_spike": p.max_dac_code,
            "tau_refrac": code_for(p, "tau_refrac", 20.0), "tau_m": fast_tau_m_code}
    for code in reset_codes:
        segs.append(Segment(5.0, dict(fire, v_reset=code), label="reset"))
        reset.append((len(segs) - 1, code))
    return SessionPlan(segs, relax, reset, psp)


def segment_slices(plan: SessionPlan, dt: float) -> list[slice]:
    """Sample ranges of each segment in a session trace (sample k = time (k+1)*dt)."""
    steps = [int(round(s.duration / dt)) for s in plan.segments]   # as ChipBench runs them
    starts = np.cumsum([0] + steps)
    return [slice(starts[i], starts[i + 1]) for i in range(len(plan.segments))]


def analyse_session(plan: SessionPlan, v: np.ndarray, dt: float, preset,
                    weights: dict[str, float]) -> dict:
    """Turn session traces (n_samples, n) into measured quantities per circuit.

    Returns a dict with lists of (code, measured value arrays) per quantity:
    ``tau_m`` [(code, ms)], ``v_rest`` [(code, mV)], ``v_reset`` [(code, mV)], ``fast_tau_m``
    (ms) and ``psp`` (averaged PSP records for :func:`synapse_parameters`).
    """
    sl = segment_slices(plan, dt)
    out = {"tau_m": [], "v_rest": [], "v_reset": [], "psp": [], "fast_tau_m": None}
    for idx, tau_code, leak in plan.relax:
        trace = v[sl[idx]]
        if plan.segments[idx].label != "relax":
            # settled plateau (the segment lasts many membrane time constants)
            out["v_rest"].append((leak, analysis.plateau(trace, 0.5)))
            continue
        # the search for tau is bounded to a factor 3 around the code's nominal value: a flat
        # trace must not be explained by a very slow exponential with an arbitrary asymptote
        nominal = float(np.median(transfer.hw_to_bio(preset, "tau_m", transfer.nominal_hw(
            preset, "tau_m", np.asarray(tau_code, float)))))
        grid = np.geomspace(nominal / 3.0, nominal * 3.0, 200)
        # on a slow membrane the asymptote is the leak potential of the same leak code,
        # measured on the fast membrane (the leak potential does not depend on the leak
        # conductance): fixing it decouples tau from the slowly reached end point
        known = [val for (c, val) in out["v_rest"] if _same(c, leak)] if nominal > 5.0 else []
        tau, v_inf, _rms = analysis.fit_relaxation(trace, dt, grid,
                                                   v_inf=known[0] if known else None)
        if not known:
            out["v_rest"].append((leak, v_inf))
        out["tau_m"].append((tau_code, tau))
    # the fast membrane's tau_m: average of its relaxation fits
    fast = plan.segments[0].codes["tau_m"]
    if not any(np.array_equal(c, fast) for c, _t in out["tau_m"]):
        raise ValueError("a session plan needs a relaxation step at the fast tau_m code")
    fast_taus = [t for (c, t) in out["tau_m"] if np.array_equal(c, fast)]
    out["fast_tau_m"] = np.mean(fast_taus, axis=0) if fast_taus else None
    for idx, code in plan.reset:
        trace = v[sl[idx]]
        skip = max(1, int(round(1.0 / dt)))
        out["v_reset"].append((code, np.median(trace[skip:], axis=0)))
    for idx, rec, s, g, level, stims, period in plan.psp:
        trace = v[sl[idx]]
        k0 = int(round(stims[0] / dt))
        base_pre = trace[max(0, k0 - int(round(2.0 / dt))):k0].mean(0)
        w = min(int(round(period / dt)), trace.shape[0] - int(round(stims[-1] / dt)))
        # average the repeated PSPs; sample k of a window is the membrane at (k+1)*dt after
        # the synaptic current started
        post = np.mean([trace[int(round(t0 / dt)):int(round(t0 / dt)) + w] for t0 in stims],
                       axis=0)
        out["psp"].append({"receptor": rec, "tau_syn_code": s, "gain_code": g, "level": level,
                           "trace": post, "v_base": base_pre, "weight": weights[rec],
                           "tau_m": out["fast_tau_m"], "cm": preset.native_cm_nF, "dt": dt})
    return out


def _same(a, b) -> bool:
    return np.array_equal(np.asarray(a), np.asarray(b))


def fit_synaptic_conductance(d: dict, e_rev: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """tau_syn (ms) and peak conductance ``g0`` (uS) of one averaged PSP record ``d`` on a
    membrane whose reversal potential for this receptor is ``e_rev`` (mV); see
    :func:`~neurohw.hw_calibration.analysis.fit_conductance_psp`."""
    u = d["trace"] - d["v_base"]
    return analysis.fit_conductance_psp(u, d["dt"], d["tau_m"], d["cm"], e_rev - d["v_base"],
                                        t0=d["dt"])


def synapse_parameters(psps: list[dict], receptor: str, tau_syn_code, gain_code, level_a,
                       level_b, e_rev_guess: float, n_iter: int = 4
                       ) -> tuple[np.ndarray, list]:
    """Reversal potential (mV) and, per PSP at ``level_a``, (tau_syn code, gain code, tau_syn
    in ms, conductance gain = realised peak conductance / requested weight).

    The PSPs at (``tau_syn_code``, ``gain_code``) on two membrane levels, chosen on both sides
    of the reversal potential, must show the same conductance; with the synaptic currents
    ``y = g0 * (E - V)`` that fixes ``E = (y_a V_b - y_b V_a) / (y_a - y_b)``, iterated from
    ``e_rev_guess`` because the fit's driving force depends on E.
    """
    rows = [d for d in psps if d["receptor"] == receptor]
    a = next(d for d in rows if _same(d["tau_syn_code"], tau_syn_code)
             and _same(d["gain_code"], gain_code) and _same(d["level"], level_a))
    b = next(d for d in rows if _same(d["tau_syn_code"], tau_syn_code)
             and _same(d["gain_code"], gain_code) and _same(d["level"], level_b))
    e_rev = np.full(a["v_base"].shape, float(e_rev_guess))
    for _ in range(n_iter):
        _ta, ga = fit_synaptic_conductance(a, e_rev)
        _tb, gb = fit_synaptic_conductance(b, e_rev)
        ya, yb = ga * (e_rev - a["v_base"]), gb * (e_rev - b["v_base"])
        with np.errstate(divide="ignore", invalid="ignore"):
            e_new = (ya * b["v_base"] - yb * a["v_base"]) / (ya - yb)
        lo, hi = np.minimum(a["v_base"], b["v_base"]), np.maximum(a["v_base"], b["v_base"])
        e_rev = np.where(np.isfinite(e_new), np.clip(e_new, lo, hi), e_rev)
    out = []
    for d in rows:
        if _same(d["level"], level_a):
            tau_s, g0 = fit_synaptic_conductance(d, e_rev)
            out.append((d["tau_syn_code"], d["gain_code"], tau_s, g0 / d["weight"]))
    return e_rev, out


# ---------------------------------------------------------------------------- threshold
def measure_threshold(bench: ChipBench, thresh_codes, leak_fit: TransferFit,
                      fast_tau_m_code, center_mV: float, half_range_mV: float = 12.0,
                      n_iter: int = 8, window_ms: float = 30.0, settle_ms: float = 10.0
                      ) -> np.ndarray:
    """Effective threshold (mV) of every circuit at ``thresh_codes``: the lowest leak potential
    (set through the leak calibration) at which the circuit fires, found by bisection per
    circuit, plus the nominal delta_T of code 0 (the AdEx rheobase sits at V_T - delta_T)."""
    p = bench.preset
    circuits = np.arange(bench.n)
    lo = np.full(bench.n, center_mV - half_range_mV)
    hi = np.full(bench.n, center_mV + half_range_mV)
    base = {"v_thresh": thresh_codes, "v_spike": p.max_dac_code, "delta_T": 0,
            "tau_m": fast_tau_m_code, "v_reset": code_for(p, "v_reset", center_mV - 20.0)}
    for _ in range(n_iter):
        mid = 0.5 * (lo + hi)
        leak_codes = leak_fit.codes(transfer.bio_to_hw(p, "v_rest", mid), circuits,
                                    p.max_dac_code)
        trains = bench.spike_run(dict(base, v_rest=leak_codes), settle_ms + window_ms)
        fired = analysis.spike_counts(trains, settle_ms, settle_ms + window_ms) > 0
        hi = np.where(fired, mid, hi)
        lo = np.where(fired, lo, mid)
    delta_t0 = float(transfer.hw_to_bio(p, "delta_T", transfer.nominal_hw(p, "delta_T", 0)))
    # a circuit that fired at the lowest or never at the highest probe is outside the range
    edge = (lo <= center_mV - half_range_mV) | (hi >= center_mV + half_range_mV)
    return np.where(edge, np.nan, 0.5 * (lo + hi) + delta_t0)
