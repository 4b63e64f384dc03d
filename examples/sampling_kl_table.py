"""D_KL of LIF sampling before and after in-the-loop training, over seeds, chips and backends.

Runs :func:`neurohw.networks.sampling.experiment.run_sampling_study` (the defaults of
``neurohw train sampling``: 5-unit BMs with W_ij, b_i ~ U(-1, 1), 60 iterations of 5000 ms,
D_KL from 1e5 ms of sampling) and prints a markdown table -- the table in the README.

    python examples/sampling_kl_table.py --seeds 1 2 3                       # NEST
    python examples/sampling_kl_table.py --backend emulator --chips 1 2 3 --seeds 1 2
    python examples/sampling_kl_table.py --backend emulator --calibration auto --chips 1 2 3
"""

from __future__ import annotations

import argparse
import sys

from neurohw.networks.sampling.experiment import run_sampling_study


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--backend", default="nest", choices=["nest", "emulator"])
    p.add_argument("--seeds", type=int, nargs="+", default=[1, 2, 3])
    p.add_argument("--chips", type=int, nargs="+", default=[1],
                   help="emulator chip seeds (ignored on NEST)")
    p.add_argument("--calibration", default=None, help="emulator: e.g. auto (default: none)")
    p.add_argument("--iterations", type=int, default=None, help="default: the CLI's")
    args = p.parse_args(argv)
    chips = args.chips if args.backend == "emulator" else [None]
    extra = {} if args.iterations is None else {"iterations": args.iterations}
    print("| backend | calibration | chip | seed | D_KL untrained | D_KL trained | ratio | wall (s) |")
    print("|---|---|---|---|---|---|---|---|")
    for chip in chips:
        for seed in args.seeds:
            kwargs = dict(extra)
            if args.backend == "emulator":
                kwargs.update(chip_seed=chip, calibration=args.calibration)
            r = run_sampling_study(args.backend, seed=seed, **kwargs)
            print(f"| {args.backend} | {args.calibration or 'none'} | {chip if chip is not None else '-'} "
                  f"| {seed} | {r['dkl_initial']:.4f} | {r['dkl_final']:.4f} | "
                  f"{r['improvement']:.1f} | {r['wall_s']:.0f} |", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
