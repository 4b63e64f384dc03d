"""Dendritic vs somatic balance (Mikulasch, Rudelt & Priesemann 2021) on the reference simulation.

Runs the three experiments of the paper's Fig. 4 style on the fast numpy model and writes JSON
and PNG files into ``--out`` (default ``dendritic_balance_results``):

* test decoder loss vs bar correlation p, SB and DB, several seeds (``loss_vs_p.*``);
* test decoder loss vs lateral inhibitory delay (``loss_vs_delay.*``);
* ``--parts transfer``: networks trained without delay, evaluated with each delay, next to networks
  trained with it (``delay_transfer.json``) -- separates the delay's effect on the learned code from
  its effect on learning;
* ``--parts timestep``: the delay modelled as the paper's Fig. 5 does it, as a coarse simulation
  time step that delays all inhibition including a neuron's own (``loss_vs_timestep.*``);
* learned receptive fields on bars (p = 0.5) and on whitened image patches (``rf_*.png``).

    python examples/dendritic_balance_experiments.py --out results   # ~35 min on one core
    python examples/dendritic_balance_experiments.py --quick         # ~2 min, fewer points

Every image is presented for 100 ms (:data:`REFERENCE_PRESENTATION_MS`) and fades in from the previous
one over its first 30 ms (:data:`REFERENCE_FADE_FRACTION`), as in the authors' code; training runs
4500 batches of 20 images (:data:`REFERENCE_PRESENTATIONS`).
"""

from __future__ import annotations

import argparse
import sys
import time

import numpy as np

from neurohw.cliutil import output_dir, say, to_json, write_json_atomic
from neurohw.networks.dendritic_balance.experiments import (REFERENCE_PRESENTATIONS, delay_transfer,
                                                            loss_vs_correlation, loss_vs_delay,
                                                            loss_vs_timestep, run_reference)
from neurohw.networks.dendritic_balance.plots import loss_curve_plot, receptive_fields_plot
from neurohw.networks.dendritic_balance.tasks import BarsTask, ImagePatchTask


def _summary(table: dict, key: str) -> dict:
    return {rule: {"mean": np.mean(table[rule]["loss"], axis=1).round(5).tolist(),
                   "std": np.std(table[rule]["loss"], axis=1).round(5).tolist()}
            for rule in ("sb", "db")} | {key: table[key]}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", default="dendritic_balance_results")
    ap.add_argument("--quick", action="store_true", help="fewer points, seeds and presentations")
    ap.add_argument("--parts", default="p,delay,rf",
                    help="comma-separated subset of: p (loss vs p), delay, rf (receptive fields), transfer "
                         "(no-delay training evaluated with delay), timestep (delay as a coarse time "
                         "step, as in the paper's Fig. 5); the last two are not in the default")
    ap.add_argument("--ps", default=None, help="comma-separated p values (default 0,.2,.4,.6,.8)")
    ap.add_argument("--delays", default=None, help="comma-separated delays in ms (default 0,2,5,10)")
    ap.add_argument("--timesteps", default=None,
                    help="comma-separated time steps in ms for --parts timestep (default 1,2,5,10)")
    ap.add_argument("--seeds", default=None, help="comma-separated seeds (default 1,2,3)")
    args = ap.parse_args(argv)
    out = output_dir(args.out)
    parts = set(args.parts.split(","))
    seeds = (1, 2) if args.quick else (1, 2, 3)
    n = 500 if args.quick else REFERENCE_PRESENTATIONS
    ps = (0.0, 0.5) if args.quick else (0.0, 0.2, 0.4, 0.6, 0.8)
    delays = (0, 5) if args.quick else (0, 2, 5, 10)
    seeds = tuple(int(v) for v in args.seeds.split(",")) if args.seeds else seeds
    ps = tuple(float(v) for v in args.ps.split(",")) if args.ps else ps
    delays = tuple(int(v) for v in args.delays.split(",")) if args.delays else delays
    timesteps = (1.0, 2.0, 5.0, 10.0)
    timesteps = tuple(float(v) for v in args.timesteps.split(",")) if args.timesteps else timesteps
    t0 = time.perf_counter()
    summary: dict = {"presentations": n, "seeds": list(seeds)}

    if "p" in parts:
        say("loss vs correlation p ...")
        by_p = loss_vs_correlation(ps=ps, seeds=seeds, presentations=n)
        write_json_atomic(out / "loss_vs_p.json", by_p)
        loss_curve_plot(list(ps), {r.upper(): np.array(by_p[r]["loss"]) for r in ("sb", "db")},
                        out / "loss_vs_p.png", "bar-pair correlation p", "correlated bars")
        summary["loss_vs_p"] = _summary(by_p, "p")

    if "delay" in parts:
        say("loss vs inhibitory delay ...")
        by_d = loss_vs_delay(delays=delays, p=0.0, seeds=seeds, presentations=n)
        write_json_atomic(out / "loss_vs_delay.json", by_d)
        loss_curve_plot(list(delays), {r.upper(): np.array(by_d[r]["loss"]) for r in ("sb", "db")},
                        out / "loss_vs_delay.png", "lateral inhibitory delay (ms)", "bars, p = 0")
        summary["loss_vs_delay"] = _summary(by_d, "delay_ms")

    if "transfer" in parts:
        say("delay transfer (trained without delay, evaluated with delay) ...")
        tr = delay_transfer(delays=delays, p=0.0, seeds=seeds, presentations=n)
        write_json_atomic(out / "delay_transfer.json", tr)
        summary["delay_transfer"] = {
            rule: {key: {"mean": np.mean(tr[rule][key], axis=1).round(5).tolist(),
                         "std": np.std(tr[rule][key], axis=1).round(5).tolist()}
                   for key in ("trained_without_delay", "trained_with_delay")}
            for rule in ("sb", "db")} | {"delay_ms": tr["delay_ms"]}

    if "timestep" in parts:
        say("loss vs simulation time step (delay of all inhibition) ...")
        by_dt = loss_vs_timestep(timesteps=timesteps, p=0.0, seeds=seeds, presentations=n)
        write_json_atomic(out / "loss_vs_timestep.json", by_dt)
        loss_curve_plot(list(timesteps), {r.upper(): np.array(by_dt[r]["loss"]) for r in ("sb", "db")},
                        out / "loss_vs_timestep.png", "time step = delay of all inhibition (ms)",
                        "bars, p = 0")
        summary["loss_vs_timestep"] = _summary(by_dt, "dt_ms")

    fields = {}
    for task in ((BarsTask(p=0.5), ImagePatchTask()) if "rf" in parts else ()):
        say(f"receptive fields on {task.name} ...")
        for rule in ("sb", "db"):
            res = run_reference(rule, task, n, seeds[0])
            F = res["state"].F
            signed = isinstance(task, ImagePatchTask)
            receptive_fields_plot(task.to_signed(F) if signed else F, task.image_shape,
                                  out / f"rf_{task.name}_{rule}.png",
                                  title=f"{rule.upper()} on {task.name}", signed=signed)
            fields[f"{task.name}_{rule}"] = res["metrics"]
    if fields:
        write_json_atomic(out / "receptive_field_runs.json", fields)
        summary["receptive_field_runs"] = fields
    summary["wall_s"] = round(time.perf_counter() - t0, 1)
    write_json_atomic(out / f"summary_{'_'.join(sorted(parts))}.json", summary)
    print(to_json(summary, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
