"""Synaptic sampling at T = 1 vs annealed to low T (experiment d of Kappel et al. 2015).

Run:  python examples/synaptic_sampling_temperature.py [--backend reference|nest|emulator] [--low 0.1]

Trains the same network twice with the same seed: once at T = 1 throughout (sampling the
posterior), once with the temperature annealed exponentially from 1 to ``--low`` between 1/4 and
3/4 of the run (simulated annealing); prints the reached accuracy and connected fraction.
"""

from __future__ import annotations

import argparse
import json


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backend", default="reference", choices=["reference", "nest", "emulator"])
    parser.add_argument("--low", type=float, default=0.1)
    parser.add_argument("--iterations", type=int, default=120)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()

    import neurohw
    from neurohw.networks.synaptic_sampling.study import temperature_comparison

    sim = None if args.backend == "reference" else neurohw.backend(args.backend)
    setup = {"chip_seed": 1, "seed": args.seed} if args.backend == "emulator" else None
    print(json.dumps(temperature_comparison(args.backend, sim, seed=args.seed,
                                            low_temperature=args.low, iterations=args.iterations,
                                            setup_kwargs=setup), indent=2))


if __name__ == "__main__":
    main()
