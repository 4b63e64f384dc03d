"""``neurohw train bayesnet``: WTA modules learn the explaining-away network, infer by sampling.

Prints the KL divergence between the true joint and the joint the modules sample from, and the
explaining-away query p(reflectance step | shading) vs p(step | shading, curved contour), true,
learned (exact stationary joint) and estimated by Gibbs sampling. ``--out`` writes the KL/query
history (JSON, CSV, PNG); ``--json`` prints one JSON object on stdout and nothing else. The
defaults reproduce the README's numbers: NEST and the emulator run the settings of
:func:`~neurohw.networks.wta.bayesnet_training.default_config` (first-spike winners, 0.75 host
events/ms per module); on the emulator the circuits of all modules are calibrated first.
"""

from __future__ import annotations

import argparse

from neurohw.cliutil import emit_json, output_dir, say, stdout_to_stderr
from neurohw.networks.wta.run import BACKENDS

#: Default iterations per backend (20 samples per iteration on the reference, 40 on PyNN).
BACKEND_ITERATIONS = {"reference": 400, "nest": 60, "emulator": 60}


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="neurohw train bayesnet",
        description="Learn the explaining-away Bayesian network with WTA modules "
                    "(Pecevski & Maass 2016) and query it by sampling.")
    parser.add_argument("--backend", choices=BACKENDS, default="reference",
                        help="reference (numpy stochastic WTA, default), nest or emulator")
    parser.add_argument("--iterations", type=int, default=None,
                        help="in-the-loop iterations (default: reference 400, nest/emulator 60)")
    parser.add_argument("--seed", type=int, default=1, help="training seed (default 1)")
    parser.add_argument("--data-seed", type=int, default=0,
                        help="seed of the samples of the true network")
    parser.add_argument("--chip-seed", type=int, default=None,
                        help="emulator only: which chip (fixed-pattern noise; default 0)")
    parser.add_argument("--preset", choices=("bss1", "bss2"), default=None,
                        help="emulator only: chip preset (default bss1)")
    parser.add_argument("--no-calibration", action="store_true",
                        help="emulator only: skip the calibration of the modules' circuits")
    parser.add_argument("--checkpoint", default=None, help="NPZ checkpoint to write/resume")
    parser.add_argument("--out", default=None, help="folder for the KL/query history")
    parser.add_argument("--json", action="store_true", help="print one JSON object on stdout")
    parser.add_argument("--no-progress", action="store_true", help="hide the progress bar")
    return parser


def main(argv: list[str] | None = None) -> int:
    from neurohw.hil import save_history
    from neurohw.networks.wta.bayesnet_training import train_bayesnet

    args = build_parser().parse_args(argv)
    iterations = args.iterations if args.iterations is not None else \
        BACKEND_ITERATIONS[args.backend]
    if iterations < 1:
        say("neurohw train bayesnet: --iterations must be >= 1")
        return 2
    with stdout_to_stderr(args.json):
        out = output_dir(args.out)
        setup_kwargs = {}
        if args.backend == "emulator":
            if args.chip_seed is not None:
                setup_kwargs["chip_seed"] = args.chip_seed
            if args.preset is not None:
                setup_kwargs["preset"] = args.preset
        report = train_bayesnet(args.backend, iterations=iterations, seed=args.seed,
                                data_seed=args.data_seed, checkpoint=args.checkpoint,
                                progress=not args.no_progress, setup_kwargs=setup_kwargs,
                                calibrate=args.backend == "emulator" and not args.no_calibration)
        if out is not None:
            save_history(report["history"], out, keys=["kl_true_learned"], logy=True,
                         stem="kl_history")
            save_history(report["history"], out, keys=["p_step_given_shading",
                                                        "p_step_given_shading_contour"],
                         stem="query_history")
            report["out"] = str(out)
    report.pop("parameters")
    report["kl_over_time"] = [[r["iteration"], r["kl_true_learned"]] for r in report["history"]]
    report.pop("history")
    if args.json:
        emit_json(report)
    else:
        q_true, q_learned, q_sampled = (report["query_true"], report["query_learned"],
                                        report["query_sampled"])
        print(f"explaining-away network ({args.backend}, {report['samples_presented']} samples): "
              f"KL(true || learned) = {report['kl_true_learned']:.4f} nats "
              f"(from Gibbs samples: {report['kl_true_sampled']:.4f})")
        for key, text in (("p_step_given_shading", "p(step | shading)"),
                          ("p_step_given_shading_contour", "p(step | shading, contour)")):
            print(f"  {text:28s} true {q_true[key]:.3f}  learned {q_learned[key]:.3f}  "
                  f"sampled {q_sampled[key]:.3f}")
        if out is not None:
            print(f"history in {out}")
    return 0
