"""``neurohw train sampling``: LIF sampling of a Boltzmann machine, trained in the loop.

Examples::

    neurohw train sampling --backend nest --out runs/sampling-nest
    neurohw train sampling --backend emulator --chip-seed 3 --json
    neurohw train sampling --backend emulator --chip-seed 3 --calibration auto --json
"""

from __future__ import annotations

import argparse
from pathlib import Path

from neurohw.cliutil import emit_json, output_dir, say, stdout_to_stderr
from neurohw.errors import NeurohwError

from .experiment import DEFAULTS, run_sampling_study


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of ``neurohw train sampling``."""
    p = argparse.ArgumentParser(
        prog="neurohw train sampling",
        description="Sample a random 5-unit Boltzmann machine with LIF neurons and train the "
                    "network in the loop (contrastive divergence) on NEST or the emulated chip. "
                    "Reports D_KL(p_sampled || p_target) of the direct translation and after "
                    "training.")
    p.add_argument("--backend", default="nest", choices=["nest", "emulator"],
                   help="where the network runs (default: nest)")
    p.add_argument("--chip-seed", type=int, default=None,
                   help="emulator: which chip (fixed-pattern noise); default 0")
    p.add_argument("--calibration", default=None,
                   help="emulator: calibration file, or 'auto' to calibrate-or-load (default: "
                        "uncalibrated)")
    p.add_argument("--preset", default=None, choices=["bss1", "bss2"],
                   help="emulator: chip preset (default: the emulator's, bss1)")
    p.add_argument("--iterations", type=int, default=DEFAULTS["iterations"],
                   help=f"training iterations (default {DEFAULTS['iterations']})")
    p.add_argument("--seed", type=int, default=DEFAULTS["seed"],
                   help="seed of the target BM, the noise and the training "
                        f"(default {DEFAULTS['seed']})")
    p.add_argument("--units", type=int, default=DEFAULTS["n_units"],
                   help=f"number of units (default {DEFAULTS['n_units']})")
    p.add_argument("--iteration-ms", type=float, default=DEFAULTS["iteration_ms"],
                   help="biological ms sampled per training iteration "
                        f"(default {DEFAULTS['iteration_ms']:g})")
    p.add_argument("--sampling-ms", type=float, default=DEFAULTS["sampling_ms"],
                   help="biological ms sampled to measure D_KL before and after training "
                        f"(default {DEFAULTS['sampling_ms']:g})")
    p.add_argument("--activation-ms", type=float, default=DEFAULTS["activation_ms"],
                   help="biological ms per point of the activation sweep "
                        f"(default {DEFAULTS['activation_ms']:g})")
    p.add_argument("--learning-rate", type=float, default=DEFAULTS["learning_rate"],
                   help=f"initial learning rate (default {DEFAULTS['learning_rate']:g})")
    p.add_argument("--activation-fit", default=None,
                   help="JSON activation fit to use instead of measuring one")
    p.add_argument("--checkpoint", default=None,
                   help="checkpoint file (default: OUT/checkpoint.npz when --out is given); a "
                        "killed run resumes from it")
    p.add_argument("--out", default=None, help="folder for plots, history and result.json")
    p.add_argument("--json", action="store_true", help="print one JSON object on stdout")
    p.add_argument("--no-progress", action="store_true", help="no progress bar")
    return p


SUMMARY_KEYS = ("backend", "chip_seed", "calibration", "preset", "seed", "n_units",
                "target_distribution", "dkl_initial", "dkl_final", "improvement", "iterations",
                "resumed_from", "iteration_ms", "sampling_time_ms", "noise_reseeded", "wall_s",
                "target", "trained", "activation", "annotations_final", "spike_statistics", "files")


def main(argv: list[str]) -> int:
    """Entry point of ``neurohw train sampling``; returns the exit status."""
    args = build_parser().parse_args(argv)
    out = output_dir(args.out)
    checkpoint = args.checkpoint
    if checkpoint is None and out is not None:
        checkpoint = str(Path(out) / "checkpoint.npz")
    try:
        with stdout_to_stderr(args.json):
            summary = run_sampling_study(
                args.backend, chip_seed=args.chip_seed, calibration=args.calibration,
                preset=args.preset, iterations=args.iterations, seed=args.seed,
                n_units=args.units, iteration_ms=args.iteration_ms, sampling_ms=args.sampling_ms,
                activation_ms=args.activation_ms, learning_rate=args.learning_rate,
                activation_fit=args.activation_fit, out=out,
                checkpoint=checkpoint, progress=not args.no_progress)
    except NeurohwError as err:
        say(f"neurohw train sampling: {err}")
        return 1
    report = {k: summary[k] for k in SUMMARY_KEYS if k in summary}
    if args.json:
        emit_json(report)
    else:
        say(f"{summary['backend']}: D_KL untrained {summary['dkl_initial']:.4f} -> trained "
            f"{summary['dkl_final']:.4f} ({summary['improvement']:.1f}x) after "
            f"{summary['iterations']} iterations; {summary['sampling_time_ms']:g} ms sampled per "
            f"evaluation; {summary['wall_s']:.1f} s")
        if out is not None:
            say(f"report in {out}")
    return 0
