"""Synaptic sampling with rewiring: learning a mixture, two lesions, recovery (Kappel et al. 2015).

Run:  python examples/synaptic_sampling_lesions.py --backend nest --out ss_lesions
      (backends: reference | nest | emulator; the CLI ``neurohw train synaptic-sampling --lesion``
      runs the same study)

Plots accuracy and connected fraction over simulated time with the lesions marked, and the
survival curve of new synapses; prints the summary.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backend", default="reference", choices=["reference", "nest", "emulator"])
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--out", default="synaptic_sampling_lesions")
    args = parser.parse_args()

    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    import neurohw
    from neurohw.networks.synaptic_sampling.study import StudyConfig, run_training

    sim = None if args.backend == "reference" else neurohw.backend(args.backend)
    setup = {"chip_seed": 1, "seed": args.seed} if args.backend == "emulator" else None
    config = StudyConfig()
    summary = run_training(args.backend, sim, config, lesion=True, seed=args.seed,
                           setup_kwargs=setup, progress=True)
    history = summary.pop("history")
    summary.pop("trainer")
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    minutes = np.array([r["iteration"] for r in history]) * config.inputs.duration_ms / 60e3
    fig, axes = plt.subplots(3, 1, figsize=(7, 8))
    axes[0].plot(minutes, [r["accuracy"] for r in history])
    axes[0].set_ylabel("accuracy")
    axes[1].plot(minutes, [r["connected_fraction"] for r in history])
    axes[1].set_ylabel("connected fraction")
    for ax in axes[:2]:
        for les in summary["lesions"]:
            ax.axvline(les["iteration"] * config.inputs.duration_ms / 60e3, color="r", ls="--")
        ax.set_xlabel("simulated time (min)")
    axes[2].plot(summary["survival_age_s"], summary["survival"])
    axes[2].set_xlabel("age of a new synapse (s)")
    axes[2].set_ylabel("surviving fraction")
    fig.tight_layout()
    fig.savefig(out / f"lesions_{args.backend}.png", dpi=120)
    for les in summary["lesions"]:
        print(f"{les['kind']:>10} lesion: before {les['before']:.3f}  right after "
              f"{les['right_after']:.3f}  recovered {les['recovered']:.3f}")
    print(f"connected fraction {summary['connected_fraction']:.3f}, turnover "
          f"{summary['turnover_per_min']:.3f}/min, rows max {summary['rows_max']:.0f}")
    print(f"figure: {out / f'lesions_{args.backend}.png'}")


if __name__ == "__main__":
    main()
