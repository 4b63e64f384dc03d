"""``neurohw train ensemble``: sampling networks that are each other's only noise (Dold et al. 2019).

Runs :func:`neurohw.networks.ensemble.study.run_ensemble_study` on one backend: the Poisson-noise
baseline and the ensemble, both trained in the loop with the same budget, and reports D_KL per
network (``dkl_final`` is the trained ensemble's), their median, the Poisson baseline's, the count
of random sources in the running ensemble (``random_sources``, 0 expected) and the host input
events each background needs. ``--json`` prints one JSON object; ``--out DIR`` writes plots,
histories and ``ensemble_report.json``.
"""

from __future__ import annotations

import argparse

from neurohw.cliutil import emit_json, output_dir, say, stdout_to_stderr
from neurohw.errors import NeurohwError

BACKENDS = ("nest", "emulator")


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of ``neurohw train ensemble``."""
    p = argparse.ArgumentParser(
        prog="neurohw train ensemble",
        description="An ensemble of LIF sampling networks as each other's only noise source "
                    "(Dold et al. 2019), trained in the loop with CD, vs Poisson noise.")
    p.add_argument("--backend", choices=BACKENDS, default="nest")
    p.add_argument("--networks", type=int, default=None,
                   help="number of sampling networks (default 20)")
    p.add_argument("--iterations", type=int, default=None,
                   help="CD iterations for each background (default 90; quick 40)")
    p.add_argument("--seed", type=int, default=1, help="targets, wiring and Poisson noise")
    p.add_argument("--quick", action="store_true",
                   help="short smoke-test budget (40 iterations of 500 ms, 3000 ms evaluations)")
    p.add_argument("--chip-seed", type=int, default=None,
                   help="emulator only: which emulated chip (its fixed-pattern noise)")
    p.add_argument("--calibration", default=None,
                   help="emulator only: a calibration file, 'auto' (the default: calibrate the "
                        "chip by measurement once, then use the cached result) or 'none' "
                        "(uncalibrated chip)")
    p.add_argument("--ideal", action="store_true",
                   help="emulator only: switch every chip distortion off")
    p.add_argument("--checkpoint-dir", default=None,
                   help="folder for training checkpoints (a rerun resumes)")
    p.add_argument("--progress", action="store_true", help="progress bars on stderr")
    p.add_argument("--json", action="store_true", help="print one JSON object on stdout")
    p.add_argument("--out", default=None, help="folder for plots, histories and the report")
    return p


def _summary(report: dict) -> dict:
    keys = ("backend", "setup", "seed", "n_neurons", "dkl_final", "median_dkl_final",
            "dkl_poisson_trained", "median_dkl_poisson_trained", "dkl_ensemble_untrained",
            "median_dkl_ensemble_untrained", "median_dkl_poisson_untrained",
            "ratio_ensemble_to_poisson", "target_within_2x_of_poisson", "random_sources",
            "random_sources_poisson_baseline", "host_input_events", "chip", "dkl_decomposition",
            "pooled_eval_ms", "median_dkl_poisson_trained_pooled", "median_dkl_final_pooled",
            "ratio_ensemble_to_poisson_pooled", "median_dkl_per_window", "stationarity",
            "wall_s", "cpu_s", "spike_statistics",
            "files")
    summary = {k: report[k] for k in keys if k in report}
    summary["iterations"] = report["settings"]["iterations"]
    summary["n_networks"] = report["settings"]["n_networks"]
    summary["median_dkl"] = report["median_dkl_final"]
    return summary


def setup_kwargs_from_args(args: argparse.Namespace) -> dict:
    """``sim.setup()`` keywords from the command line (emulator only; ``--calibration none``
    means uncalibrated). Raises ValueError for emulator options given with ``--backend nest``."""
    if args.backend != "emulator":
        if args.chip_seed is not None or args.calibration is not None or args.ideal:
            raise ValueError("--chip-seed, --calibration and --ideal apply to the emulator only; "
                             "drop them or use --backend emulator")
        return {}
    setup_kwargs: dict = {"seed": args.seed}
    if args.chip_seed is not None:
        setup_kwargs["chip_seed"] = args.chip_seed
    if args.calibration is not None:
        setup_kwargs["calibration"] = (None if args.calibration.lower() == "none"
                                       else args.calibration)
    if args.ideal:
        setup_kwargs["ideal"] = True
    return setup_kwargs


def main(argv: list[str] | None = None) -> int:
    """Entry point of ``neurohw train ensemble``; returns the exit code."""
    args = build_parser().parse_args(argv)
    try:
        setup_kwargs = setup_kwargs_from_args(args)
    except ValueError as err:
        say(f"neurohw train ensemble: {err}")
        return 2
    from neurohw.networks.ensemble.study import run_ensemble_study

    with stdout_to_stderr(args.json):
        try:
            out = output_dir(args.out)
            report = run_ensemble_study(
                args.backend, quick=args.quick, n_networks=args.networks,
                iterations=args.iterations, seed=args.seed, setup_kwargs=setup_kwargs,
                out=out, checkpoint_dir=args.checkpoint_dir, progress=args.progress)
        except NeurohwError as err:
            say(f"neurohw train ensemble: {err}")
            return 1
        summary = _summary(report)
        if not args.json:
            say(f"backend {report['backend']}: median D_KL over {summary['n_networks']} "
                f"networks after {summary['iterations']} iterations")
            say(f"  Poisson noise, trained:         {report['median_dkl_poisson_trained']:.4f}")
            say(f"  ensemble noise, untrained map:  {report['median_dkl_ensemble_untrained']:.4f}")
            say(f"  ensemble noise, trained:        {report['median_dkl_final']:.4f} "
                f"({report['ratio_ensemble_to_poisson']:.2f}x Poisson)")
            parts = report["dkl_decomposition"]["ensemble_trained"]
            say(f"    median moment part (CD can fix): {parts['median_moment']:.4f}, "
                f"higher-order part: {parts['median_higher_order']:.4f}")
            say(f"  pooled over {report['pooled_eval_ms'] / 1000:.0f} s: Poisson "
                f"{report['median_dkl_poisson_trained_pooled']:.4f}, ensemble "
                f"{report['median_dkl_final_pooled']:.4f} "
                f"({report['ratio_ensemble_to_poisson_pooled']:.2f}x)")
            say(f"  random sources in the ensemble: {report['random_sources']}")
    if args.json:
        emit_json(summary)
    return 0
