"""``neurohw demo``: the main job.

One run shows the whole path from a paper's network to the emulated chip:

1. **calibrate** the emulated chip (``chip_seed``) by measurement — or load its cached calibration
   (``calibration="auto"``); ``--quick`` calibrates only the few circuits the demo uses;
2. **LIF sampling** of a 5-unit Boltzmann machine (Petrovici et al. 2016), trained with
   contrastive divergence in the loop on NEST, on the uncalibrated chip and on the calibrated chip;
3. **deterministic ensemble noise** (Dold et al. 2019) on the calibrated chip: sampling networks
   that are each other's only noise source, against the Poisson-noise baseline;
4. **NEST vs the emulated chip** on one small Poisson-driven network (elephant statistics: rates,
   ISI CVs, correlation of noise sources that share an on-chip generator, side-by-side raster);
5. a **report** (``report.md`` + PNGs, ``summary.json``) in ``--out``.

The defaults reproduce the numbers in the README. The full demo runs in a few minutes on 2 cores,
``--quick`` in under two (both measured and printed as ``wall_s``).
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path
from typing import Any

from neurohw.cliutil import emit_json, output_dir, say, stdout_to_stderr, write_json_atomic

#: Sampling-study settings of ``--quick`` (the full demo uses the study's own defaults).
QUICK_SAMPLING = {"iterations": 20, "iteration_ms": 2000.0, "sampling_ms": 2e4,
                  "activation_ms": 2000.0}
#: Circuits calibrated by ``--quick``: the ensemble's 20 x 5 neurons occupy circuits 0..99 (the
#: 5-unit sampling network the first five).
QUICK_CALIBRATION_CIRCUITS = 100
PRESET = "bss1"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--out", default="neurohw-demo",
                        help="folder for the report (default: ./neurohw-demo)")
    parser.add_argument("--chip-seed", type=int, default=1,
                        help="which emulated chip (fixes its fixed-pattern noise; default: 1)")
    parser.add_argument("--seed", type=int, default=1,
                        help="seed of targets, noise and training (default: 1)")
    parser.add_argument("--quick", action="store_true",
                        help="shorter training and sampling, partial calibration (< 2 min)")
    parser.add_argument("--no-nest", action="store_true",
                        help="skip the NEST reference run (emulator only)")
    parser.add_argument("--json", action="store_true", help="print one JSON object on stdout")


def _calibrate(chip_seed: int, quick: bool):
    from neurohw.hw_calibration.calibrate import calibrate_chip
    from neurohw.hw_calibration.setup_loader import cache_path, load_for_setup

    if quick:
        say(f"[1/5] calibrating circuits 0..{QUICK_CALIBRATION_CIRCUITS - 1} of chip "
            f"{chip_seed} by measurement")
        return calibrate_chip(chip_seed, PRESET, n_circuits=QUICK_CALIBRATION_CIRCUITS), "measured"
    cached = cache_path(chip_seed, PRESET).is_file()
    say(f"[1/5] {'loading the cached' if cached else 'measuring the'} calibration of chip "
        f"{chip_seed} (all 512 circuits{'' if cached else '; about 2 min, cached afterwards'})")
    return load_for_setup("auto", chip_seed, PRESET), "cache" if cached else "measured"


def _sampling_runs(args, calibration, out: Path | None) -> dict[str, dict]:
    from neurohw.networks.sampling.experiment import run_sampling_study

    settings = dict(QUICK_SAMPLING) if args.quick else {}
    runs = {}
    plan = [] if args.no_nest else [("nest", {})]
    plan += [("emulator, uncalibrated", {"chip_seed": args.chip_seed}),
             ("emulator, calibrated", {"chip_seed": args.chip_seed, "calibration": calibration})]
    for label, kwargs in plan:
        backend = "nest" if label == "nest" else "emulator"
        say(f"[2/5] LIF sampling, CD training in the loop: {label}")
        folder = None if out is None else out / ("sampling_" + label.replace(", ", "_"))
        result = run_sampling_study(backend, seed=args.seed, out=folder, **kwargs, **settings)
        runs[label] = {k: result[k] for k in ("dkl_initial", "dkl_final", "iterations",
                                              "sampling_time_ms", "wall_s", "spike_statistics")
                       if k in result}
        runs[label]["files"] = result.get("files", {})
        if "energy" in result:
            runs[label]["energy"] = _energy_summary(result["energy"])
        say(f"      D_KL {result['dkl_initial']:.4f} -> {result['dkl_final']:.4f} "
            f"({result['wall_s']:.0f} s)")
    return runs


def _energy_summary(report: dict) -> dict:
    """The figures of an energy report the demo shows (JSON-ready)."""
    keys = ("backend", "preset", "ideal", "biological_time_s", "hardware_wall_time_s",
            "emulation_time_s", "configuration_time_s", "host_io_time_s", "wall_time_s",
            "cpu_time_s", "energy_J", "energy_parts_J", "method", "counts", "cpu_model",
            "power_per_core_W")
    return {k: report[k] for k in keys if k in report}


def _energy_lines(sampling: dict) -> list[str]:
    """Markdown table: the sampling study's time and energy on each backend."""
    rows = [(label, r["energy"]) for label, r in sampling.items() if "energy" in r]
    if not rows:
        return []
    lines = ["", "### Time and energy of the sampling study (whole study: activation "
             "measurement, sampling, training)", "",
             "| where | simulated (bio s) | time (s) | energy (J) | how |", "|---|---|---|---|---|"]
    for label, e in rows:
        if e.get("backend") == "nest":
            lines.append(f"| {label} | {e.get('biological_time_s', float('nan')):.4g} | "
                         f"{e['wall_time_s']:.3g} (CPU wall time of run(), "
                         f"measured) | {e['energy_J']:.3g} | {e['method']} |")
        else:
            lines.append(f"| {label} | {e['biological_time_s']:.4g} | "
                         f"{e['hardware_wall_time_s']:.3g} (hardware: emulation "
                         f"{e['emulation_time_s']:.3g} + configuration "
                         f"{e['configuration_time_s']:.3g} + host I/O {e['host_io_time_s']:.3g})"
                         f" | {e['energy_J']:.3g} | estimate from counted events "
                         f"({e['counts']['synaptic_events']} synaptic events, "
                         f"{e['counts']['neuron_spikes']} spikes) and the {e['preset']} "
                         f"figures |")
    return lines


def _ensemble_run(args, calibration, out: Path | None) -> dict:
    from neurohw.networks.ensemble.study import run_ensemble_study

    say("[3/5] deterministic ensemble noise on the calibrated chip vs Poisson noise")
    folder = None if out is None else out / "ensemble"
    report = run_ensemble_study("emulator", quick=args.quick, seed=args.seed,
                                setup_kwargs={"chip_seed": args.chip_seed, "seed": args.seed,
                                              "calibration": calibration},
                                out=folder)
    keys = ("median_dkl_poisson_untrained", "median_dkl_poisson_trained",
            "median_dkl_ensemble_untrained", "median_dkl_final", "random_sources",
            "host_input_events", "wall_s", "spike_statistics")
    summary = {k: report[k] for k in keys if k in report}
    summary["files"] = report.get("files", {})
    say(f"      median D_KL: Poisson trained {report['median_dkl_poisson_trained']:.4f}, "
        f"ensemble trained {report['median_dkl_final']:.4f}, random sources "
        f"{report.get('random_sources')}")
    return summary


def _backend_comparison(args, calibration, out: Path | None) -> dict:
    from neurohw.noise_comparison import compare_backends

    say("[4/5] NEST vs the chip on one Poisson-driven network: rates, ISI CVs, shared noise")
    runs: dict[str, tuple[str, dict | None]] = {} if args.no_nest else {"nest": ("nest", None)}
    runs["emulator, uncalibrated"] = ("emulator", {"chip_seed": args.chip_seed})
    runs["emulator, calibrated"] = ("emulator", {"chip_seed": args.chip_seed,
                                                 "calibration": calibration})
    summary = compare_backends(runs, out, seed=args.seed)
    for label, r in summary["runs"].items():
        say(f"      {label}: neuron rate {r['neurons']['rate_mean_hz']:.1f} Hz, CV "
            f"{r['neurons']['cv_mean']:.2f}; source corr. same generator "
            f"{r['correlation_sources']['same_generator']['mean']:.2f}, different "
            f"{r['correlation_sources']['different_generator']['mean']:.2f}")
    return summary


def _sampling_spike_lines(sampling: dict) -> list[str]:
    """Markdown table: elephant statistics of the sampling neurons (final evaluation)."""
    from neurohw.analysis import markdown_lines

    stats = {label: r["spike_statistics"] for label, r in sampling.items()
             if "spike_statistics" in r}
    if not stats:
        return []
    return ["", "### Sampling neurons in the final evaluation (elephant)", ""] + \
        markdown_lines(stats)


def _relative(path: str, root: Path) -> str:
    try:
        return str(Path(path).resolve().relative_to(root.resolve()))
    except ValueError:
        return str(path)


def write_report(summary: dict[str, Any], out: Path) -> Path:
    """Write ``report.md`` (tables + links to the PNGs) into ``out``."""
    lines = ["# neurohw demo report", "",
             f"Chip: preset `{PRESET}`, chip_seed {summary['chip_seed']}; seed {summary['seed']}; "
             f"{'quick' if summary['quick'] else 'full'} settings; wall time "
             f"{summary['wall_s']:.0f} s.", "",
             "## 1. Calibration by measurement", "",
             f"Source: {summary['calibration']['source']}, id `{summary['calibration']['id']}`, "
             f"{summary['calibration']['n_circuits_calibrated']} circuits.", "",
             "| parameter | unit | spread before | spread after | after/before |",
             "|---|---|---|---|---|"]
    for name, s in summary["calibration"]["spreads"].items():
        lines.append(f"| {name} | {s['unit']} | {s['spread_before']:.4g} | "
                     f"{s['spread_after']:.4g} | {s['ratio']:.3f} |")
    lines += ["", "## 2. LIF sampling of a 5-unit Boltzmann machine, CD in the loop", "",
              "D_KL(p_sampled || p_target) in nats, from "
              f"{next(iter(summary['sampling'].values()))['sampling_time_ms']:.0f} ms of sampling.",
              "", "| where | untrained (direct mapping) | trained | iterations | wall (s) |",
              "|---|---|---|---|---|"]
    for label, r in summary["sampling"].items():
        lines.append(f"| {label} | {r['dkl_initial']:.4f} | {r['dkl_final']:.4f} | "
                     f"{r['iterations']} | {r['wall_s']:.0f} |")
    lines += _energy_lines(summary["sampling"])
    lines += _sampling_spike_lines(summary["sampling"])
    lines.append("")
    for label, r in summary["sampling"].items():
        for key in ("kl_vs_iteration", "sampled_vs_target", "spike_raster"):
            if key in r["files"]:
                lines.append(f"![{label}: {key}]({_relative(r['files'][key], out)})")
    ens = summary.get("ensemble")
    if ens:
        lines += ["", "## 3. Deterministic noise from an ensemble (calibrated emulated chip)", "",
                  "| median D_KL over the networks | value |", "|---|---|",
                  f"| Poisson noise, untrained | {ens['median_dkl_poisson_untrained']:.4f} |",
                  f"| Poisson noise, trained | {ens['median_dkl_poisson_trained']:.4f} |",
                  f"| ensemble noise, untrained mapping | "
                  f"{ens['median_dkl_ensemble_untrained']:.4f} |",
                  f"| ensemble noise, trained | {ens['median_dkl_final']:.4f} |", "",
                  f"Random sources in the ensemble run: {ens.get('random_sources')}.", ""]
        if "spike_statistics" in ens:
            from neurohw.analysis import markdown_lines

            lines += ["Neurons of the trained ensemble in the final evaluation (elephant):", ""]
            lines += markdown_lines({"ensemble, trained": ens["spike_statistics"]}) + [""]
        for key, path in ens["files"].items():
            if str(path).endswith(".png"):
                lines.append(f"![ensemble: {key}]({_relative(path, out)})")
    cmp_ = summary.get("backends")
    if cmp_:
        from neurohw.noise_comparison import markdown_lines as comparison_lines

        net = cmp_["network"]
        lines += ["", "## 4. NEST vs the emulated chip: spike statistics and shared noise "
                  "generators", "",
                  f"One network on every backend: {net['n']} SpikeSourcePoisson sources at "
                  f"{net['rate_hz']:g} Hz, each driving one IF_cond_exp neuron; "
                  f"{net['duration_ms']:g} ms. On the chip SpikeSourcePoisson maps to the shared "
                  "on-chip generators (source i uses generator i % n_generators), so sources "
                  "sharing a generator receive identical trains; on NEST they are independent. "
                  "Statistics with elephant (mean_firing_rate, isi + cv, "
                  "correlation_coefficient of binned trains).", ""]
        lines += comparison_lines(cmp_)
        if "raster" in cmp_.get("files", {}):
            lines += ["", f"![raster, NEST vs chip]({_relative(cmp_['files']['raster'], out)})"]
    path = out / "report.md"
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text("\n".join(lines) + "\n")
    tmp.replace(path)
    return path


def main(args: argparse.Namespace) -> int:
    out = output_dir(args.out)
    started = time.perf_counter()
    with stdout_to_stderr(args.json):
        calibration, source = _calibrate(args.chip_seed, args.quick)
        summary: dict[str, Any] = {
            "chip_seed": args.chip_seed, "seed": args.seed, "quick": bool(args.quick),
            "preset": PRESET,
            "calibration": {"id": calibration.id, "source": source,
                            "n_circuits_calibrated": int(len(calibration.circuits)),
                            "spreads": calibration.spreads()},
        }
        summary["sampling"] = _sampling_runs(args, calibration, out)
        summary["ensemble"] = _ensemble_run(args, calibration, out)
        summary["backends"] = _backend_comparison(args, calibration, out)
        summary["wall_s"] = round(time.perf_counter() - started, 1)
        if out is not None:
            say("[5/5] writing the report")
            summary["report"] = str(write_report(summary, out))
            write_json_atomic(out / "summary.json", summary)
    if args.json:
        emit_json(summary)
    else:
        print(f"neurohw demo ({'quick' if args.quick else 'full'}), chip_seed {args.chip_seed}")
        for label, r in summary["sampling"].items():
            print(f"  sampling D_KL, {label:24s} {r['dkl_initial']:.4f} -> {r['dkl_final']:.4f}")
        for label, r in summary["sampling"].items():
            e = r.get("energy")
            if e:
                t = e.get("hardware_wall_time_s", e.get("wall_time_s"))
                print(f"  sampling study energy, {label:16s} {e['energy_J']:.3g} J in "
                      f"{t:.3g} s ({'hardware' if 'hardware_wall_time_s' in e else 'CPU'})")
        ens = summary["ensemble"]
        print(f"  ensemble median D_KL (chip): Poisson trained "
              f"{ens['median_dkl_poisson_trained']:.4f}, ensemble trained "
              f"{ens['median_dkl_final']:.4f}, random sources {ens.get('random_sources')}")
        for label, r in summary["backends"]["runs"].items():
            c = r["correlation_sources"]
            print(f"  {label:24s} neuron rate {r['neurons']['rate_mean_hz']:.1f} Hz, ISI CV "
                  f"{r['neurons']['cv_mean']:.2f}; noise-source corr. same generator "
                  f"{c['same_generator']['mean']:.2f}, different {c['different_generator']['mean']:.2f}")
        print(f"  wall time {summary['wall_s']:.0f} s; report: {summary.get('report', '-')}")
    return 0
