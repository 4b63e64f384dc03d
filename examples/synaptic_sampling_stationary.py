"""Theory check: synaptic sampling's theta distribution is p*(theta)^(1/T) (Kappel et al. 2015).

Run:  python examples/synaptic_sampling_stationary.py --out ss_stationary

For T in (0.5, 1, 2): samples many independent chains of the learning rule on a single synapse
with a known likelihood, prints KS test and KL divergence against the analytic density and plots
the histograms over the analytic curves.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default="synaptic_sampling_stationary")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()

    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from neurohw.networks.synaptic_sampling.stationary import (SingleSynapseProblem,
                                                               sample_stationary,
                                                               stationary_check)

    problem = SingleSynapseProblem()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    fig, ax = plt.subplots(figsize=(7, 4))
    for temperature in (0.5, 1.0, 2.0):
        result = stationary_check(temperature, seed=args.seed, problem=problem)
        print({k: round(v, 4) if isinstance(v, float) else v for k, v in result.items()})
        samples = sample_stationary(problem, temperature, args.seed)
        grid, cdf = problem.target_cdf(temperature)
        density = np.gradient(cdf, grid)
        ax.hist(samples, bins=60, density=True, alpha=0.35, label=f"sampled, T={temperature}")
        ax.plot(grid, density, lw=1.5)
    ax.set_xlim(-4, 4)
    ax.set_xlabel("theta")
    ax.set_ylabel("density")
    ax.legend()
    fig.tight_layout()
    fig.savefig(out / "stationary.png", dpi=120)
    print(f"figure: {out / 'stationary.png'}")


if __name__ == "__main__":
    main()
