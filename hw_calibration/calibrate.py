"""Calibrate a chip: measure, fit per circuit, verify by measuring again.

Order of the steps (later ones depend on earlier ones):

1. membrane sessions, multiplexed over the readout channels: leak potential (plateaus on a
   fast membrane), tau_m (relaxations over a large leak step; the fast membrane's tau_m is a
   second fit point), reset potential (held during
   the refractory period), PSPs on the fast membrane: tau_syn_E/I, reversal potentials and
   synaptic conductance gains ``syn_gain_E/I`` (exact conductance-PSP fits). Each receptor's
   PSPs are measured at a level far from its reversal potential (excitatory -100 mV,
   inhibitory -20 mV: a reversal-potential error of 1 mV moves the fitted conductance by
   about 1 % instead of 5 % at a 35 mV driving force) and on the other side of it (which
   fixes the reversal potential); the gain is the fitted peak conductance per requested
   weight, at the nominal and a second gain code (the time constants are fitted from the
   same PSPs, so they come before the gains by construction);
2. threshold: spike/no-spike bisection of every circuit over its leak potential, set through
   the leak fit of step 1;
3. verification of the membrane quantities at the calibrated codes, on a sample of circuits;
4. refractory period: reset above the spike level, ISI = tau_refrac (fine time step);

"Before" values are measured at the nominal (uncalibrated) codes of the targets, "after"
values at the calibrated codes; both by recording the chip. Fits are straight lines per circuit
in fit space (linear for potentials and gains, log for time constants;
:mod:`~neurohw.hw_calibration.transfer_fit`), over codes spanning the targets.
"""

from __future__ import annotations

import time
from typing import Callable

import numpy as np

from neurohw.backends.emulator.chip import transfer
from neurohw.backends.emulator.chip.presets import get_preset

from . import procedures as P
from .bench import ChipBench
from .result import CALIBRATED_PARAMETERS, Calibration, deviation_spread
from .errors import MeasurementError
from .targets import normalise_targets
from .transfer_fit import TransferFit, fit_lines

#: Experiment settings (defaults reproduce the README numbers). Potentials in mV, times in ms.
DEFAULT_SETTINGS = {
    "dt_ms": 0.2, "dt_refractory_ms": 0.01, "seed": 1234,   # dt_ms: at most the routing delay
    "fast_tau_m_ms": 1.2, "leak_step_mV": [-100.0, -20.0],
    "reset_point_mV": -45.0, "refractory_span_codes": 80, "threshold_span_mV": 8.0,
    "syn_alt_ms": 2.5, "gain_alt": 1.3,
    # per receptor: [measurement level far from the reversal potential (large driving force,
    # so a reversal-potential error hardly moves the fitted conductance), level on the other
    # side of the reversal potential (fixes it)]
    "psp_levels_mV": {"excitatory": [-100.0, 15.0], "inhibitory": [-20.0, -85.0]},
    "weight_uS": {"excitatory": 0.1, "inhibitory": 0.15}, "psp_repeats": 3,
    # PSPs of one measurement 6 tau_syn apart: at 4 the tail of one (e^-4 of its conductance)
    # rode under the next and biased the gains by +1.5 %
    "psp_window_tau": 6.0, "verify_every": 8,
}


def _space(name: str) -> str:
    return "log" if transfer.spec(name).curve == "log" else "linear"


def _nominal_slope(preset, name) -> float:
    """Slope of the nominal transfer curve in fit space (hardware units per code)."""
    y0, y1 = transfer.nominal_hw(preset, name, 0.0), transfer.nominal_hw(preset, name, 1.0)
    if _space(name) == "log":
        return float(np.log(y1 / y0))
    return float(y1 - y0)


def _fit(preset, name, points: list[tuple[np.ndarray, np.ndarray]], n) -> TransferFit:
    """points: (code(s), measured bio values) -> TransferFit in hardware units. Circuits whose
    measured slope is below a quarter of the nominal one (a code without measurable effect, or
    a failed measurement) get no fit."""
    codes = np.array([np.broadcast_to(np.asarray(c, float), (n,)) for c, _ in points])
    vals = np.array([transfer.bio_to_hw(preset, name, np.asarray(v, float)) for _, v in points])
    fit = fit_lines(codes, vals, _space(name), name)
    weak = ~(fit.slope >= 0.25 * _nominal_slope(preset, name))
    if np.any(weak):
        nan = np.where(weak, np.nan, 1.0)
        fit = TransferFit(name, fit.space, fit.intercept * nan, fit.slope * nan,
                          fit.rms_residual * nan)
    return fit


def _codes(fit: TransferFit, preset, name, target_bio, n) -> np.ndarray:
    hw = transfer.bio_to_hw(preset, name, np.broadcast_to(target_bio, (n,)))
    return fit.codes(hw, np.arange(n), preset.max_dac_code)


RECEPTORS = ("excitatory", "inhibitory")


def _psp_points(entries: list[tuple[dict, dict]]) -> list[tuple[int, dict]]:
    """[(level code per receptor, (tau_syn code, gain code) per receptor), ...] -> PSP points
    of :func:`~neurohw.hw_calibration.procedures.plan_session`: one segment per distinct
    level, holding every receptor measured there (in order of first appearance)."""
    by_level: dict[int, dict] = {}
    for levels, codes in entries:
        for rec in RECEPTORS:
            if rec in codes:
                by_level.setdefault(int(levels[rec]), {})[rec] = codes[rec]
    return list(by_level.items())


def _expand(a, circuits, n_total, fill=np.nan, dtype=float):
    out = np.full(n_total, fill, dtype=dtype)
    out[circuits] = a
    return out


def calibrate_chip(chip_seed: int, preset: str = "bss1", targets: dict | None = None,
                   n_circuits: int | None = None, settings: dict | None = None,
                   progress: Callable[[str], None] | None = None) -> Calibration:
    """Calibrate circuits ``0..n_circuits-1`` (default: the whole chip) of chip ``chip_seed``.

    ``targets``: bio values (scalar or per circuit) for the parameters in
    :data:`~neurohw.hw_calibration.result.CALIBRATED_PARAMETERS` (defaults:
    :data:`~neurohw.hw_calibration.targets.DEFAULT_TARGETS`). ``progress`` receives one line of
    text per step. Parameters whose transfer cannot be fitted are left uncalibrated and listed
    in ``settings["not_calibrated"]`` of the result (the chip then uses nominal curves for them).
    """
    t_start = time.perf_counter()
    p = get_preset(preset)
    s = dict(DEFAULT_SETTINGS)
    s.update(settings or {})
    n = int(n_circuits or p.neurons_per_chip)
    n_total = p.neurons_per_chip
    say = progress or (lambda msg: None)
    tg = normalise_targets(targets, p.name, n)
    # per-circuit nominal codes (targets may differ per circuit): the uncalibrated setting
    nominal_codes = {k: np.rint(transfer.nominal_code(p, k, transfer.bio_to_hw(p, k, tg[k])))
                     .clip(0, p.max_dac_code).astype(np.int64) for k in CALIBRATED_PARAMETERS}
    fits: dict[str, TransferFit] = {}
    before: dict[str, np.ndarray] = {}
    after: dict[str, np.ndarray] = {}
    codes: dict[str, np.ndarray] = {}
    not_calibrated: dict[str, str] = {}
    n_runs = 0

    def settle(name: str) -> None:
        """Codes at the targets from the fit, or record why the parameter stays nominal."""
        bad = np.flatnonzero(~fits[name].calibrated)
        if bad.size:
            not_calibrated[name] = (
                f"no usable transfer fit on {bad.size} of {n} circuits (first: "
                f"{bad[:5].tolist()}): the measured value does not follow the DAC code")
            say(f"WARNING {name} not calibrated: {not_calibrated[name]}")
            return
        codes[name] = _codes(fits[name], p, name, tg[name], n)

    # 1. membrane sessions: leak, reset, fast tau_m, synapses -----------------------------
    # the stimulus must reach the membrane at a known step: dt no longer than the chip's
    # one realised synaptic delay (0.1 ms on bss2)
    dt = min(float(s["dt_ms"]), p.routing_delay_bio_ms)
    bench = ChipBench(chip_seed, p.name, n, seed=s["seed"] + 1, dt=dt,
                      weight_exc_uS=s["weight_uS"]["excitatory"],
                      weight_inh_uS=s["weight_uS"]["inhibitory"], base_codes=P.LIF_LIKE_CODES)
    weights = {"excitatory": bench.weight_exc, "inhibitory": bench.weight_inh}
    fast = P.code_for(p, "tau_m", s["fast_tau_m_ms"])
    lo, hi = (P.code_for(p, "v_rest", v) for v in s["leak_step_mV"])
    # tau_m: relaxations over a large step (the membrane noise is correlated over tau_m, so
    # the step size sets the precision); asymptotes from plateaus on the fast membrane
    t_lo, t_hi = lo, hi
    tau_target = float(np.mean(tg["tau_m"]))
    fast_steps = [(fast, c, 6.0 * s["fast_tau_m_ms"]) for c in (t_lo, t_hi)]
    relax_steps = fast_steps + [(nominal_codes["tau_m"], t_lo, 3.0 * tau_target),
                                (nominal_codes["tau_m"], t_hi, 3.0 * tau_target)]
    reset_codes = [nominal_codes["v_reset"], P.code_for(p, "v_reset", s["reset_point_mV"])]
    # PSPs of each receptor at its measurement level (a) and on the other side of its
    # reversal potential (b)
    level_a = {r: P.code_for(p, "v_rest", s["psp_levels_mV"][r][0]) for r in RECEPTORS}
    level_b = {r: P.code_for(p, "v_rest", s["psp_levels_mV"][r][1]) for r in RECEPTORS}
    names = {"excitatory": ("tau_syn_E", "syn_gain_E"), "inhibitory": ("tau_syn_I", "syn_gain_I")}
    ref = {r: (nominal_codes[sn], nominal_codes[gn]) for r, (sn, gn) in names.items()}
    # second fit point of tau_syn and of the gain in one segment (separate DACs: the PSP
    # shape gives tau_syn, its conductance the gain)
    alt = {r: (P.code_for(p, sn, s["syn_alt_ms"]), P.code_for(p, gn, s["gain_alt"]))
           for r, (sn, gn) in names.items()}
    psp_points = _psp_points([(level_a, ref), (level_b, ref)]) + _psp_points([(level_a, alt)])
    plan = P.plan_session(p, relax_steps, nominal_codes["v_rest"], reset_codes, fast,
                          psp_points, s["psp_window_tau"], psp_repeats=int(s["psp_repeats"]))
    say(f"membrane sessions: {sum(x.duration for x in plan.segments):.0f} ms each, "
        f"{int(np.ceil(n / bench.channels))} channel groups")
    v = bench.membrane_session(plan.segments)
    m = P.analyse_session(plan, v, bench.dt, p, weights)
    fits["v_rest"] = _fit(p, "v_rest", m["v_rest"], n)
    before["v_rest"] = m["v_rest"][0][1]
    fits["v_reset"] = _fit(p, "v_reset", m["v_reset"], n)
    before["v_reset"] = m["v_reset"][0][1]
    tau_pts = m["tau_m"]          # fast code (x4) and nominal code (x2)
    fits["tau_m"] = _fit(p, "tau_m", tau_pts, n)
    before["tau_m"] = np.mean([t for c, t in tau_pts if P._same(c, nominal_codes["tau_m"])],
                              axis=0)
    e_rev = {}
    for rec, (sn, gn) in names.items():
        e_name = "e_rev_E" if rec == "excitatory" else "e_rev_I"
        guess = float(transfer.hw_to_bio(p, e_name, transfer.nominal_hw(
            p, e_name, bench.base_codes[e_name])))
        e_rev[rec], rows = P.synapse_parameters(m["psp"], rec, ref[rec][0], ref[rec][1],
                                                level_a[rec], level_b[rec], guess)
        syn_pts = [(sc, ts) for sc, _gc, ts, _g in rows]
        gain_pts = [(gc, g) for _sc, gc, _ts, g in rows]
        fits[sn] = _fit(p, sn, syn_pts, n)
        fits[gn] = _fit(p, gn, gain_pts, n)
        ref_row = next(r for r in rows if P._same(r[0], ref[rec][0]) and P._same(r[1], ref[rec][1]))
        before[sn], before[gn] = ref_row[2], ref_row[3]
    for name in ("v_rest", "v_reset", "tau_m", "tau_syn_E", "tau_syn_I", "syn_gain_E",
                 "syn_gain_I"):
        settle(name)
    if "v_rest" in not_calibrated:
        raise MeasurementError("the leak potential could not be calibrated; every later step "
                               "depends on it: " + not_calibrated["v_rest"])

    # 2. threshold (spike-based bisection through the leak calibration) --------------------
    say("threshold: spike-based bisection over the calibrated leak potential")
    center = float(np.mean(tg["v_thresh"]))
    half = float(s["threshold_span_mV"])
    thr_pts = []
    for dv, c in ((0.0, nominal_codes["v_thresh"]),
                  (half, np.full(n, P.code_for(p, "v_thresh", center + half)))):
        thr_pts.append((c, P.measure_threshold(bench, c, fits["v_rest"], fast, center + dv)))
    before["v_thresh"] = thr_pts[0][1]
    fits["v_thresh"] = _fit(p, "v_thresh", thr_pts, n)
    settle("v_thresh")
    use = {k: codes.get(k, nominal_codes[k]) for k in CALIBRATED_PARAMETERS}
    after["v_thresh"] = P.measure_threshold(bench, use["v_thresh"], fits["v_rest"], fast, center)

    # 3. verification of the membrane quantities (a sample of circuits) ---------------------
    say("verification: membrane sessions at the calibrated codes")
    vref = {r: (use[sn], use[gn]) for r, (sn, gn) in names.items()}
    vsteps = [(fast, t_lo, 6.0 * s["fast_tau_m_ms"]), (fast, t_hi, 6.0 * s["fast_tau_m_ms"]),
              (use["tau_m"], t_lo, 3.0 * tau_target), (use["tau_m"], t_hi, 3.0 * tau_target)]
    vplan = P.plan_session(p, vsteps, use["v_rest"], [use["v_reset"]], fast,
                           _psp_points([(level_a, vref)]), s["psp_window_tau"],
                           psp_repeats=int(s["psp_repeats"]))
    # the spread across circuits needs a sample, not every circuit; spike-based quantities are
    # verified on all circuits
    verify = np.arange(0, n, int(s["verify_every"]))
    vv = bench.membrane_session(vplan.segments, circuits=verify)[:, verify]
    mv = P.analyse_session(vplan, vv, bench.dt, p, weights)

    def on_verified(values):
        out = np.full(n, np.nan)
        out[verify] = values
        return out

    after["v_rest"] = on_verified(mv["v_rest"][0][1])
    after["v_reset"] = on_verified(mv["v_reset"][0][1])
    after["tau_m"] = on_verified(np.mean([t for c, t in mv["tau_m"] if P._same(c, use["tau_m"])],
                                         axis=0))
    for rec, (sn, gn) in names.items():
        d = next(x for x in mv["psp"] if x["receptor"] == rec)
        tau_s, g0 = P.fit_synaptic_conductance(d, e_rev[rec][verify])
        after[sn] = on_verified(tau_s)
        after[gn] = on_verified(g0 / d["weight"])
    n_runs += bench.n_runs

    # 4. refractory period (spike-based, fine time step) -----------------------------------
    say("refractory period: spike runs on a fine time step")
    fine = ChipBench(chip_seed, p.name, n, seed=s["seed"], dt=s["dt_refractory_ms"],
                     base_codes=P.LIF_LIKE_CODES)
    span = int(s["refractory_span_codes"])
    c0 = nominal_codes["tau_refrac"]
    pts = [(np.clip(c, 0, p.max_dac_code), None) for c in (c0 - span, c0, c0 + span)]
    pts = [(c, P.measure_refractory(fine, c)) for c, _ in pts]
    before["tau_refrac"] = pts[1][1]
    fits["tau_refrac"] = _fit(p, "tau_refrac", pts, n)
    settle("tau_refrac")
    use["tau_refrac"] = codes.get("tau_refrac", nominal_codes["tau_refrac"])
    after["tau_refrac"] = P.measure_refractory(fine, use["tau_refrac"])
    n_runs += fine.n_runs

    calibrated = [k for k in CALIBRATED_PARAMETERS if k in codes]
    uncalibrated_spread = {k: {"reason": not_calibrated[k],
                               "spread_before": deviation_spread(before[k], tg[k], k)}
                           for k in not_calibrated}
    circuits = np.arange(n)
    wall = time.perf_counter() - t_start
    cal = Calibration(
        chip_seed=chip_seed, preset=p.name, n_circuits=n_total, circuits=circuits,
        targets={k: _expand(tg[k], circuits, n_total) for k in calibrated},
        fits={k: TransferFit(k, fits[k].space, _expand(fits[k].intercept, circuits, n_total),
                             _expand(fits[k].slope, circuits, n_total),
                             _expand(fits[k].rms_residual, circuits, n_total))
              for k in calibrated},
        codes={k: _expand(codes[k], circuits, n_total, -1, np.int64) for k in calibrated},
        measured_before={k: _expand(np.asarray(before[k], float), circuits, n_total)
                         for k in calibrated},
        measured_after={k: _expand(np.asarray(after[k], float), circuits, n_total)
                        for k in calibrated},
        settings=dict(s, n_runs=n_runs, n_membrane_verified=int(verify.size),
                      not_calibrated=uncalibrated_spread),
        wall_time_s=wall)
    say(f"done in {wall:.1f} s ({n_runs} runs)")
    return cal
