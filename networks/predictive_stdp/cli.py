"""``neurohw train predictive-stdp``: the STDP window of the Eq. 1 rule (Bengio et al. 2015).

``--backend reference`` runs the paper's rate/binomial-spike simulation (time in steps);
``--backend nest`` or ``emulator`` measures the window from a LIF neuron simulated there (time in
ms). Every run also checks the constant-rate prediction (zero mean change) and the signs for
rising/falling postsynaptic activity in the reference model. ``--json`` prints one JSON object;
``--out DIR`` writes the window plot and a JSON report.
"""

from __future__ import annotations

import argparse
from dataclasses import replace

from neurohw.cliutil import emit_json, output_dir, say, stdout_to_stderr, write_json_atomic
from neurohw.errors import NeurohwError

BACKENDS = ("reference", "nest", "emulator")


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="neurohw train predictive-stdp",
        description="STDP window of dW ∝ pre spike · ds_post/dt (Bengio et al. 2015, "
                    "arXiv:1509.05936) vs nearest-neighbour STDP.")
    p.add_argument("--backend", choices=BACKENDS, default="reference",
                   help="reference (paper's simulation), nest or emulator (LIF neuron via PyNN)")
    p.add_argument("--seed", type=int, default=None,
                   help="random seed (default: the seed of the README numbers)")
    p.add_argument("--duration", type=float, default=None,
                   help="simulated time in ms for nest/emulator (default 40000)")
    p.add_argument("--membrane", choices=("free", "spiking"), default="free",
                   help="nest/emulator: record the free membrane (paper's s) or the spiking "
                        "neuron's own v (reset included)")
    p.add_argument("--chip-seed", type=int, default=None,
                   help="emulator only: which emulated chip (its fixed-pattern noise)")
    p.add_argument("--calibration", default=None,
                   help="emulator only: calibration file or 'auto' (default: uncalibrated)")
    p.add_argument("--json", action="store_true", help="print one JSON object on stdout")
    p.add_argument("--out", default=None, help="folder for the plot and report")
    return p


def _prediction_checks() -> dict:
    from neurohw.networks.predictive_stdp.reference import mean_eq1_change

    return {name: mean_eq1_change(slope) for name, slope in
            (("constant_rate", 0.0), ("rising", 0.004), ("falling", -0.004))}


def run(args: argparse.Namespace) -> tuple[dict, object, object, str]:
    """Do the measurement chosen by ``args``; return (report, eq1 window, stdp window, title)."""
    if args.backend == "reference":
        from neurohw.networks.predictive_stdp.reference import ReferenceConfig, run_reference

        cfg = ReferenceConfig() if args.seed is None else ReferenceConfig(seed=args.seed)
        res = run_reference(cfg)
        report = {"backend": "reference", **res.summary(),
                  "window_eq1": res.eq1.to_dict(), "window_stdp": res.stdp.to_dict()}
        title = f"reference (binomial spikes), r = {res.pearson_r:.3f}"
        eq1, stdp = res.eq1, res.stdp
    else:
        import neurohw
        from neurohw.networks.predictive_stdp.neuron_window import (
            NeuronWindowConfig,
            measure_window,
            seeded_setup,
        )
        from neurohw.networks.predictive_stdp.rules import PredictiveStdpError

        cfg = NeuronWindowConfig(membrane=args.membrane)
        if args.seed is not None:
            cfg = replace(cfg, seed=args.seed)
        if args.duration is not None:
            cfg = replace(cfg, duration=args.duration)
        setup_kwargs = seeded_setup(args.backend, cfg.seed)
        if args.backend == "emulator":
            if args.chip_seed is not None:
                setup_kwargs["chip_seed"] = args.chip_seed
            if args.calibration is not None:
                setup_kwargs["calibration"] = args.calibration
        elif args.chip_seed is not None or args.calibration is not None:
            raise PredictiveStdpError(
                "--chip-seed and --calibration apply to --backend emulator only")
        cfg = replace(cfg, setup_kwargs=setup_kwargs)
        sim = neurohw.backend(args.backend)
        say(f"predictive-stdp: simulating {cfg.duration:g} ms on {args.backend} ...")
        res = measure_window(sim, cfg, args.backend)
        report = {**res.summary(), "unit": "ms",
                  "window_eq1": res.eq1.to_dict(), "window_stdp": res.stdp.to_dict()}
        title = f"{args.backend} LIF ({cfg.membrane} membrane), r = {res.pearson_r:.3f}"
        eq1, stdp = res.eq1, res.stdp
    report["eq1_predictions"] = _prediction_checks()
    return report, eq1, stdp, title


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    with stdout_to_stderr(args.json):
        try:
            report, eq1, stdp, title = run(args)
        except NeurohwError as err:
            say(f"neurohw train predictive-stdp: {err}")
            return 2
        out = output_dir(args.out)
        if out is not None:
            from neurohw.networks.predictive_stdp.plots import plot_windows

            png = plot_windows(eq1, stdp, out / f"predictive_stdp_window_{args.backend}.png", title)
            report["plot"] = str(png)
            write_json_atomic(out / f"predictive_stdp_{args.backend}.json", report)
        if not args.json:
            keys = [k for k in report if not k.startswith("window_") and k != "annotations"]
            for k in keys:
                say(f"{k}: {report[k]}")
    if args.json:
        emit_json(report)
    return 0
