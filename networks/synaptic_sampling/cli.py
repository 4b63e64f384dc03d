"""``neurohw train synaptic-sampling``: synaptic sampling with rewiring, in the loop.

Prints (or, with ``--json``, emits as one JSON object) performance before each lesion, right after
it and recovered; connected fraction; turnover per simulated minute; synapse rows used. ``--out``
gets the history (JSON/CSV/PNG), the survival curve and the summary. Defaults reproduce the
README numbers.
"""

from __future__ import annotations

import argparse

from neurohw.cliutil import emit_json, output_dir, say, stdout_to_stderr, write_json_atomic


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="neurohw train synaptic-sampling",
                                description="Synaptic sampling with rewiring (Kappel et al. 2015) "
                                            "with the network in the loop.")
    p.add_argument("--backend", choices=["reference", "nest", "emulator"], default="nest",
                   help="where the WTA network runs (reference: numpy ideal WTA)")
    p.add_argument("--lesion", action="store_true",
                   help="remove half the WTA neurons, later all synapses of input population 0, "
                        "and measure recovery")
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--temperature", type=float, default=1.0)
    p.add_argument("--anneal-to", type=float, default=None,
                   help="anneal the temperature to this value (simulated annealing)")
    p.add_argument("--chip-seed", type=int, default=1, help="emulator: which chip")
    p.add_argument("--checkpoint", default=None, help="checkpoint file (resume if it exists)")
    p.add_argument("--json", action="store_true", help="print one JSON object on stdout")
    p.add_argument("--out", default=None, help="folder for history, plots and summary")
    return p


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    with stdout_to_stderr(args.json):
        from dataclasses import replace

        from neurohw.networks.synaptic_sampling.study import StudyConfig, run_training

        sim, setup_kwargs = None, None
        if args.backend != "reference":
            import neurohw

            sim = neurohw.backend(args.backend)
            if args.backend == "emulator":
                setup_kwargs = {"chip_seed": args.chip_seed, "seed": args.seed}
        config = replace(StudyConfig(), temperature=args.temperature, anneal_to=args.anneal_to)
        summary = run_training(args.backend, sim, config, lesion=args.lesion, seed=args.seed,
                               checkpoint_path=args.checkpoint, setup_kwargs=setup_kwargs,
                               progress=not args.json)
        trainer = summary.pop("trainer")
        history = summary.pop("history")
        out = output_dir(args.out)
        if out is not None:
            from neurohw.plotting import line_plot

            trainer.save_history(out, keys=["accuracy", "connected_fraction"])
            line_plot({"survival": (summary["survival_age_s"], summary["survival"])},
                      out / "survival.png", "age of new synapse (s)", "surviving fraction")
            write_json_atomic(out / "summary.json", summary)
        summary["history_length"] = len(history)
    if args.json:
        emit_json(summary)
    else:
        print(f"backend {args.backend}: final accuracy {summary['final_accuracy']:.3f} "
              f"(chance {summary['chance_level']:.2f})")
        for les in summary.get("lesions", []):
            print(f"  lesion {les['kind']} at iteration {les['iteration']}: before "
                  f"{les['before']:.3f}, right after {les['right_after']:.3f}, recovered "
                  f"{les['recovered']:.3f} ({'ok' if les['recovered_within_10pct'] else 'NOT'} "
                  "within 10 %)")
        print(f"  connected fraction {summary['connected_fraction']:.3f}, turnover "
              f"{summary['turnover_per_min']:.3f}/simulated min, synapse rows per neuron max "
              f"{summary['rows_max']:.0f} (mean {summary['rows_mean']:.1f})")
        say("done")
    return 0
