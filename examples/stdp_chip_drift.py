"""What STDP on the emulated chip loses against the ideal rule: weight drift after 10 s of the
Poisson protocol, decomposed distortion by distortion.

The protocol (the Poisson protocol of ``tests/test_plasticity_parity.py`` with the
Song et al. 2000 window, so that the weights neither saturate nor run away in 10 s): 100
``SpikeSourceArray`` inputs with independent 10 Hz Poisson trains drawn with numpy (on the
0.125-ms grid, so that the ideal emulator and NEST see identical spike times), one
``IF_curr_exp(tau_m=20)`` neuron (about 20 Hz), additive STDP (``SpikePairRule``
tau+ = tau- = 20 ms, A+ = 0.01 (``--a-plus``), A- = 1.05 A+; weights on [0, 0.35] nA, all
starting at 7/15 w_max -- a weight code of the 4-bit chip, so that the initial weight is not
itself rounded), delay 1 ms, 10 s biological.

Variants (every one driven by the same input trains):

* ``ideal`` -- ``setup(ideal=True)``: NEST's ``stdp_synapse`` exactly (checked against NEST
  when it imports: ``nest_check``); the reference of every other row;
* ``ideal_axonal`` -- the ideal rule with the delay axonal (``dendritic_delay_fraction=0``), as
  the chip sees spikes: how much of the difference is timing alone;
* ``mechanism`` -- the chip with every distortion switched off
  (``distortions={every ChipSwitches field: False}``): the chip's STDP mechanism only --
  nearest-neighbour correlation sensors, the update controller (every 50 ms bio on bss1),
  axonal timing, stochastic rounding onto a grid too fine to matter;
* ``+codes`` -- plus 4-bit weight codes (``weight_quantisation``);
* ``+codes+fpn`` -- plus fixed-pattern noise (``fixed_pattern_noise``: the correlation
  sensors' time constants and amplitudes *and* the neuron circuit's parameters, uncalibrated);
* ``full`` -- the default realistic chip (every distortion: also DAC quantisation, membrane
  noise, spike-time quantisation, host link), uncalibrated;
* ``full_calibrated`` -- the default chip with ``calibration="auto"`` (the neuron circuits
  calibrated by measurement; the first use per chip calibrates and caches it, about a minute).

Measures per variant and (chip_seed, seed): mean |w - w_ideal| / w_max, the mean signed
difference (w - w_ideal) / w_max, the Pearson correlation of the final weights with the
ideal ones; the same against ``ideal_axonal`` (what is lost beyond the timing); the
trial-to-trial spread, mean |w - w'| / w_max against a repeat with another ``setup(seed)``
(same input, same chip); the mean final weight / w_max and the neuron's rate. ``seed`` draws
the input trains and seeds the emulator (stochastic rounding, membrane noise); ``chip_seed``
chooses the chip (fixed-pattern noise). Prints a markdown table of the mean (and std) over every
(chip_seed, seed) pair; ``--json`` prints one JSON object instead; ``--out DIR`` writes
``stdp_chip_drift.json`` and ``stdp_chip_drift.png``.

    python examples/stdp_chip_drift.py [--chip-seeds 0 1 2] [--seeds 1 2 3] [--out DIR] [--json]
"""

from __future__ import annotations

import argparse
import sys
import time
from dataclasses import fields
from pathlib import Path

import numpy as np

import neurohw
from neurohw.backends.emulator.benchmark_network import poisson_trains
from neurohw.backends.emulator.chip.switches import ChipSwitches
from neurohw.cliutil import emit_json, output_dir, say, stdout_to_stderr, write_json_atomic

DT = 0.125            # ms: binary-exact grid (see tests/test_plasticity_parity.py)
W_MAX = 0.35          # nA
W_INIT = 7 / 15 * W_MAX
A_PLUS = 0.01
A_RATIO = 1.05        # A- / A+ (Song, Miller & Abbott 2000)


def stdp_parameters(a_plus: float = A_PLUS) -> dict:
    """SpikePairRule parameters of the protocol (ms, dimensionless amplitudes)."""
    return dict(tau_plus=20.0, tau_minus=20.0, A_plus=a_plus, A_minus=A_RATIO * a_plus)


ALL_OFF = {f.name: False for f in fields(ChipSwitches)}

#: variant -> (setup keywords, dendritic_delay_fraction or None for PyNN's default)
VARIANTS: dict[str, tuple[dict, float | None]] = {
    "ideal": ({"ideal": True}, None),
    "ideal_axonal": ({"ideal": True}, 0.0),
    "mechanism": ({"distortions": dict(ALL_OFF)}, None),
    "+codes": ({"distortions": {**ALL_OFF, "weight_quantisation": True}}, None),
    "+codes+fpn": ({"distortions": {**ALL_OFF, "weight_quantisation": True,
                                    "fixed_pattern_noise": True}}, None),
    "full": ({}, None),
    "full_calibrated": ({"calibration": "auto"}, None),
}
CHIP_INDEPENDENT = ("ideal", "ideal_axonal")


def run_protocol(sim, setup_kw: dict, trains: list[np.ndarray], duration_ms: float,
                 dendritic_delay_fraction: float | None = None, stdp: dict | None = None
                 ) -> dict:
    """One run of the protocol; final weights (nA), the neuron's rate (Hz), dropped events."""
    sim.setup(timestep=DT, min_delay=DT, **setup_kw)
    pre = sim.Population(len(trains), sim.SpikeSourceArray(spike_times=trains))
    post = sim.Population(1, sim.IF_curr_exp(tau_m=20.0))
    extra = ({} if dendritic_delay_fraction is None
             else {"dendritic_delay_fraction": dendritic_delay_fraction})
    stdp = sim.STDPMechanism(
        timing_dependence=sim.SpikePairRule(**(stdp or stdp_parameters())),
        weight_dependence=sim.AdditiveWeightDependence(w_min=0.0, w_max=W_MAX),
        weight=W_INIT, delay=1.0, **extra)
    prj = sim.Projection(pre, post, sim.AllToAllConnector(), stdp)
    post.record("spikes")
    sim.run(duration_ms)
    weights = np.array(prj.get("weight", format="array"), dtype=float).ravel()
    seg = post.get_data().segments[0]
    n_post = seg.spiketrains[0].size
    dropped = int(seg.annotations.get("dropped_input_events", 0))
    sim.end()
    return {"weights": weights, "rate_hz": n_post / (duration_ms / 1000.0), "dropped": dropped}


def nest_check(trains: list[np.ndarray], duration_ms: float, ideal_weights: np.ndarray,
               stdp: dict) -> float | None:
    """max |w_NEST - w_ideal| / w_max on the same input, or None when NEST does not import."""
    try:
        nest = neurohw.backend("nest")
    except Exception as err:  # noqa: BLE001 - any import problem: skip the check
        say(f"stdp_chip_drift: NEST check skipped ({err})")
        return None
    res = run_protocol(nest, {"spike_precision": "on_grid"}, trains, duration_ms, stdp=stdp)
    return float(np.max(np.abs(res["weights"] - ideal_weights)) / W_MAX)


def compare(w: np.ndarray, w_ideal: np.ndarray) -> dict:
    """Drift measures of final weights ``w`` against the ideal rule's ``w_ideal``."""
    same = np.std(w) == 0 or np.std(w_ideal) == 0
    return {"mean_abs_diff": float(np.mean(np.abs(w - w_ideal)) / W_MAX),
            "mean_signed_diff": float(np.mean(w - w_ideal) / W_MAX),
            "correlation": float("nan") if same else float(np.corrcoef(w, w_ideal)[0, 1]),
            "mean_weight": float(np.mean(w) / W_MAX)}


#: summary columns (mean and std over runs)
SUMMARY_KEYS = ("mean_abs_diff", "mean_signed_diff", "correlation", "mean_abs_diff_vs_axonal",
                "correlation_vs_axonal", "repeat_abs_diff", "mean_weight", "rate_hz")
#: setup(seed) offset of the repeat run (same input trains, same chip, other trial noise)
REPEAT_SEED_OFFSET = 1000


def run_study(chip_seeds: list[int], seeds: list[int], variants: list[str],
              duration_ms: float = 10000.0, n_inputs: int = 100, rate_hz: float = 10.0,
              check_nest: bool = True, a_plus: float = A_PLUS) -> dict:
    """Every variant for every (chip_seed, seed); per-run records and a summary per variant.

    Per run, against the ideal rule (``mean_abs_diff``, ``mean_signed_diff``, ``correlation``)
    and against the ideal rule with axonal delays (``..._vs_axonal``: what the chip's pairing,
    controller and distortions lose beyond the timing), and ``repeat_abs_diff``: mean
    |w - w'| / w_max between this run and a repeat with another ``setup(seed)`` (same input
    trains, same chip): the trial-to-trial spread (stochastic rounding, membrane noise)."""
    emu = neurohw.backend("emulator")
    stdp = stdp_parameters(a_plus)
    records = []
    nest_diffs = []
    example = {}
    for seed in seeds:
        trains = poisson_trains(n_inputs, rate_hz, duration_ms, seed, dt=DT)
        ideal = run_protocol(emu, {"ideal": True, "seed": seed}, trains, duration_ms,
                             stdp=stdp)
        axonal = run_protocol(emu, {"ideal": True, "seed": seed}, trains, duration_ms,
                              VARIANTS["ideal_axonal"][1], stdp)
        if check_nest:
            diff = nest_check(trains, duration_ms, ideal["weights"], stdp)
            if diff is not None:
                nest_diffs.append(diff)
        base = {"ideal_change": float(np.mean(np.abs(ideal["weights"] - W_INIT)) / W_MAX)}
        for chip_seed in chip_seeds:
            for name in variants:
                if name in CHIP_INDEPENDENT and chip_seed != chip_seeds[0]:
                    continue
                kw, ddf = VARIANTS[name]
                kw = {**kw, "seed": seed}
                if not kw.get("ideal"):
                    kw["chip_seed"] = chip_seed
                started = time.perf_counter()
                res = {"ideal": ideal, "ideal_axonal": axonal}.get(name) or run_protocol(
                    emu, kw, trains, duration_ms, ddf, stdp)
                wall = time.perf_counter() - started
                if name in CHIP_INDEPENDENT:      # deterministic: a repeat is identical
                    repeat = 0.0
                else:
                    again = run_protocol(emu, {**kw, "seed": seed + REPEAT_SEED_OFFSET},
                                         trains, duration_ms, ddf, stdp)
                    repeat = float(np.mean(np.abs(again["weights"] - res["weights"])) / W_MAX)
                vs_axonal = compare(res["weights"], axonal["weights"])
                rec = {"variant": name, "seed": seed,
                       "chip_seed": None if name in CHIP_INDEPENDENT else chip_seed,
                       "rate_hz": res["rate_hz"], "dropped_input_events": res["dropped"],
                       "wall_s": round(wall, 3), **base,
                       **compare(res["weights"], ideal["weights"]),
                       "mean_abs_diff_vs_axonal": vs_axonal["mean_abs_diff"],
                       "correlation_vs_axonal": vs_axonal["correlation"],
                       "repeat_abs_diff": repeat}
                records.append(rec)
                if seed == seeds[0] and chip_seed == chip_seeds[0]:
                    example[name] = res["weights"]
                say(f"stdp_chip_drift: {name:16s} chip {chip_seed} seed {seed}: "
                    f"|dw| {rec['mean_abs_diff']:.4f} w_max, r {rec['correlation']:.3f}, "
                    f"repeat {repeat:.4f}, mean w {rec['mean_weight']:.3f}, "
                    f"{rec['rate_hz']:.1f} Hz")
    summary = {}
    for name in variants:
        rows = [r for r in records if r["variant"] == name]
        summary[name] = {"n_runs": len(rows)}
        for key in SUMMARY_KEYS:
            vals = np.array([r[key] for r in rows], dtype=float)
            summary[name][key] = float(np.nanmean(vals))
            summary[name][key + "_std"] = float(np.nanstd(vals))
    return {"protocol": {"n_inputs": n_inputs, "rate_hz": rate_hz, "duration_ms": duration_ms,
                         "dt_ms": DT, "w_max_nA": W_MAX, "w_init_nA": W_INIT, **stdp,
                         "neuron": "IF_curr_exp(tau_m=20)", "delay_ms": 1.0,
                         "weight_code_step": 1 / 15},
            "chip_seeds": chip_seeds, "seeds": seeds,
            "ideal_vs_nest_max_abs_diff": max(nest_diffs) if nest_diffs else None,
            "ideal_mean_abs_change": float(np.mean([r["ideal_change"] for r in records])),
            "summary": summary, "runs": records,
            "example_weights": {k: v.tolist() for k, v in example.items()},
            "example": {"seed": seeds[0], "chip_seed": chip_seeds[0]}}


def markdown_table(result: dict) -> str:
    """The summary as a markdown table (mean ± std over runs; differences in units of w_max)."""
    lines = ["| variant | runs | mean abs(w - w_ideal) | mean (w - w_ideal) | corr with ideal "
             "| mean abs(w - w_axonal) | corr with axonal | repeat: mean abs(w - w') "
             "| mean w | rate (Hz) |",
             "|---|---|---|---|---|---|---|---|---|---|"]
    for name, s in result["summary"].items():
        def cell(key, fmt=".3f"):
            return f"{s[key]:{fmt}} ± {s[key + '_std']:{fmt.lstrip('+')}}"
        lines.append(f"| {name} | {s['n_runs']} | {cell('mean_abs_diff')} | "
                     f"{cell('mean_signed_diff', '+.3f')} | {cell('correlation', '.2f')} | "
                     f"{cell('mean_abs_diff_vs_axonal')} | {cell('correlation_vs_axonal', '.2f')} "
                     f"| {cell('repeat_abs_diff')} | {cell('mean_weight')} | "
                     f"{cell('rate_hz', '.1f')} |")
    return "\n".join(lines)


def plot(result: dict, path: Path) -> Path:
    """Drift per variant (bars, std over runs) and final weights against the ideal ones for
    the first (chip_seed, seed)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    names = [n for n in result["summary"] if n != "ideal"]
    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(11, 4.2), dpi=110)
    means = [result["summary"][n]["mean_abs_diff"] for n in names]
    stds = [result["summary"][n]["mean_abs_diff_std"] for n in names]
    ax1.bar(range(len(names)), means, yerr=stds, color="tab:blue", capsize=3,
            label="chip vs ideal (mean, std over runs)")
    ax1.plot(range(len(names)), [result["summary"][n]["repeat_abs_diff"] for n in names], "kD",
             ms=5, label="repeat with another seed: mean |w - w'| / w_max")
    ax1.axhline(result["ideal_mean_abs_change"], color="k", ls="--", lw=1,
                label="ideal: mean |w - w_init| / w_max")
    ax1.axhline(1 / 15, color="tab:red", ls=":", lw=1, label="one 4-bit weight code (bss1)")
    ax1.set_xticks(range(len(names)))
    ax1.set_xticklabels(names, rotation=30, ha="right")
    ax1.set_ylim(0, 1.5 * max(np.add(means, stds).max(), 1 / 15))
    ax1.set_ylabel("mean |w - w_ideal| / w_max")
    ax1.set_title("drift against the ideal rule after "
                  f"{result['protocol']['duration_ms'] / 1000:g} s")
    ax1.legend(fontsize=8)
    ex = result["example_weights"]
    w_ideal = np.asarray(ex["ideal"]) / W_MAX
    for name, marker in (("mechanism", "o"), ("full", "s"), ("full_calibrated", "^")):
        if name in ex:
            ax2.plot(w_ideal, np.asarray(ex[name]) / W_MAX, marker, ms=3.5, alpha=0.7,
                     label=name)
    ax2.plot([0, 1], [0, 1], "k-", lw=0.8)
    ax2.set_xlabel("ideal final weight / w_max")
    ax2.set_ylabel("chip final weight / w_max")
    ax2.set_title(f"chip_seed {result['example']['chip_seed']}, seed "
                  f"{result['example']['seed']}")
    ax2.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)
    return path


def _finite(value):
    """NaN (a correlation with constant weights, e.g. a silent neuron) -> None, for JSON."""
    if isinstance(value, dict):
        return {k: _finite(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_finite(v) for v in value]
    if isinstance(value, float) and not np.isfinite(value):
        return None
    return value


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--chip-seeds", type=int, nargs="+", default=[0, 1, 2])
    p.add_argument("--seeds", type=int, nargs="+", default=[1, 2, 3])
    p.add_argument("--duration", type=float, default=10000.0, help="biological ms")
    p.add_argument("--a-plus", type=float, default=A_PLUS,
                   help=f"STDP amplitude A+ (A- = {A_RATIO} A+)")
    p.add_argument("--variants", nargs="+", default=list(VARIANTS), choices=list(VARIANTS),
                   help="which rows (ideal is always run: it is the reference)")
    p.add_argument("--no-calibration", action="store_true",
                   help="leave out full_calibrated (calibrating a chip takes about a minute "
                        "the first time)")
    p.add_argument("--no-nest", action="store_true", help="skip the ideal-vs-NEST check")
    p.add_argument("--out", default=None, help="write stdp_chip_drift.json/.png here")
    p.add_argument("--json", action="store_true", help="print one JSON object on stdout")
    args = p.parse_args(argv)
    variants = ["ideal"] + [v for v in args.variants if v != "ideal"]
    if args.no_calibration and "full_calibrated" in variants:
        variants.remove("full_calibrated")
    out = output_dir(args.out)
    started = time.perf_counter()
    with stdout_to_stderr(args.json):
        result = run_study(args.chip_seeds, args.seeds, variants, args.duration,
                           check_nest=not args.no_nest, a_plus=args.a_plus)
        result["wall_s"] = round(time.perf_counter() - started, 1)
        if out is not None:
            write_json_atomic(out / "stdp_chip_drift.json", _finite(result))
            plot(result, out / "stdp_chip_drift.png")
    if args.json:
        emit_json(_finite({k: v for k, v in result.items() if k != "example_weights"}))
    else:
        print(markdown_table(result))
        print(f"weights in units of w_max; one 4-bit code = 1/15 = 0.067; ideal: mean "
              f"|w - w_init| = {result['ideal_mean_abs_change']:.3f}; "
              f"ideal vs NEST max |dw| / w_max = {result['ideal_vs_nest_max_abs_diff']}; "
              f"wall {result['wall_s']} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
