"""``neurohw train dendritic-balance``: train SB or DB coding networks and report the test loss.

Mikulasch, Rudelt & Priesemann (2021). ``--backend reference`` runs the fast numpy simulation;
``nest`` / ``emulator`` run the PyNN version in the loop (:mod:`neurohw.hil`). ``--rule both``
trains both rules with the same seed and reports both losses.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np

from neurohw.cliutil import emit_json, output_dir, say, stdout_to_stderr, write_json_atomic
from neurohw.errors import NeurohwError

from neurohw.networks.dendritic_balance.experiments import REFERENCE_PRESENTATIONS

DEFAULT_REFERENCE_PRESENTATIONS = REFERENCE_PRESENTATIONS
DEFAULT_HIL_ITERATIONS = 200


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="neurohw train dendritic-balance",
        description="Efficient coding with dendritic (DB) vs somatic (SB) E-I balance "
                    "(Mikulasch, Rudelt & Priesemann 2021). Prints the test decoder loss.")
    p.add_argument("--rule", choices=("db", "sb", "both"), default="db",
                   help="dendritic balance, somatic balance, or both (default: db)")
    p.add_argument("--task", choices=("bars", "images"), default="bars",
                   help="correlated 8x8 bars or whitened ON/OFF image patches (default: bars)")
    p.add_argument("--backend", choices=("reference", "nest", "emulator"), default="reference",
                   help="numpy reference simulation, or the PyNN version in the loop")
    p.add_argument("--p", type=float, default=0.5,
                   help="bars: probability that an image is one of the correlated pairs (0.5)")
    p.add_argument("--delay", type=int, default=0,
                   help="extra lateral-inhibition delay in ms (1-ms steps; default 0)")
    p.add_argument("--presentations", type=int, default=None,
                   help=f"reference: learning batches of 20 images (default "
                        f"{DEFAULT_REFERENCE_PRESENTATIONS}); in the loop: iterations of 50 "
                        f"images (default {DEFAULT_HIL_ITERATIONS})")
    p.add_argument("--seed", type=int, default=1, help="seed of weights, inputs and noise")
    p.add_argument("--checkpoint", default=None,
                   help="in the loop: checkpoint file to write and resume from (NPZ)")
    p.add_argument("--out", default=None, help="folder for receptive fields, history, metrics")
    p.add_argument("--json", action="store_true", help="print one JSON object on stdout")
    return p


def _run_one(args, rule: str, task, out: Path | None) -> dict:
    from neurohw.networks.dendritic_balance.plots import receptive_fields_plot
    from neurohw.networks.dendritic_balance.tasks import ImagePatchTask

    started = time.perf_counter()
    if args.backend == "reference":
        from dataclasses import replace

        from neurohw.networks.dendritic_balance.experiments import default_config, run_reference

        n = args.presentations or DEFAULT_REFERENCE_PRESENTATIONS
        cfg = replace(default_config(task), delay_steps=args.delay)
        res = run_reference(rule, task, n, args.seed, cfg)
        metrics, F, history = res["metrics"], res["state"].F, res["history"]
        settings = {"presentations": n, "streams": cfg.streams}
    else:
        import neurohw
        from neurohw.networks.dendritic_balance.hil_training import hil_model_config, train_in_the_loop

        sim = neurohw.backend(args.backend)
        n = args.presentations or DEFAULT_HIL_ITERATIONS
        model = hil_model_config(n_z=32 if isinstance(task, ImagePatchTask) else 16,
                                 delay_steps=args.delay)
        ckpt = args.checkpoint
        if ckpt and args.rule == "both":
            ckpt = str(Path(ckpt).with_name(f"{Path(ckpt).stem}_{rule}{Path(ckpt).suffix or '.npz'}"))
        res = train_in_the_loop(sim, rule, task, n, args.seed, model=model, checkpoint_path=ckpt,
                                progress=not args.json)
        metrics, F, history = res.metrics, res.parameters["F"], res.history
        settings = {"iterations": n, "presentations_per_iteration": 50}
    out_metrics = {"rule": rule, **metrics, **settings, "wall_s": time.perf_counter() - started}
    if out is not None:
        from neurohw.hil import save_history

        signed = isinstance(task, ImagePatchTask)
        fields = task.to_signed(F) if signed else F
        receptive_fields_plot(fields, task.image_shape, out / f"receptive_fields_{rule}.png",
                              title=f"{rule.upper()} input weights ({task.name}, {args.backend})",
                              signed=signed)
        if history:
            save_history(history, out, stem=f"history_{rule}")
        tmp = out / f"weights_{rule}.tmp.npz"
        np.savez(tmp, F=F)
        tmp.replace(out / f"weights_{rule}.npz")
    return out_metrics


def main(argv: list[str]) -> int:
    args = build_parser().parse_args(argv)
    from neurohw.networks.dendritic_balance.tasks import make_task

    try:
        with stdout_to_stderr(args.json):
            if args.presentations is not None and args.presentations < 1:
                raise NeurohwError("--presentations must be >= 1")
            if args.delay < 0:
                raise NeurohwError("--delay must be >= 0 ms")
            task = make_task(args.task, p=args.p)
            out = output_dir(args.out)
            rules_ = ("sb", "db") if args.rule == "both" else (args.rule,)
            results = {rule: _run_one(args, rule, task, out) for rule in rules_}
    except NeurohwError as err:
        say(f"neurohw train dendritic-balance: {err}")
        return 2
    report = {"network": "dendritic-balance", "task": args.task, "backend": args.backend,
              "p": args.p if args.task == "bars" else None, "delay_ms": args.delay,
              "seed": args.seed}
    if len(results) == 1:
        report.update(next(iter(results.values())))
    else:
        report["results"] = results
        report["db_minus_sb_test_loss"] = (results["db"]["test_decoder_loss"]
                                           - results["sb"]["test_decoder_loss"])
    if out is not None:
        write_json_atomic(out / "metrics.json", report)
    if args.json:
        emit_json(report)
    else:
        for rule, m in results.items():
            extra = (f", {m['distinct_bars']} distinct bars" if "distinct_bars" in m else "")
            print(f"{rule.upper()}: test decoder loss {m['test_decoder_loss']:.4f} "
                  f"(rate {m['test_rate_hz']:.1f} Hz{extra})")
    return 0
