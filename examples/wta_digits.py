"""Unsupervised learning of handwritten digits by a WTA circuit with STDP (Nessler et al. 2013).

Trains K=20 z-neurons on the binarised 8x8 digits 0-4 of scikit-learn, labels every z-neuron by the
majority class of the training samples it wins, and scores held-out digits. Writes the learned
``p(pixel on | z_k)`` as images, the training history and the parameters to ``--out``.

    python examples/wta_digits.py --backend reference --out wta_digits
    python examples/wta_digits.py --backend nest --iterations 40 --batch 40
    python examples/wta_digits.py --backend emulator --iterations 40 --batch 40

The settings are those of ``neurohw train wta`` (``neurohw.networks.wta.cli.backend_config``):
on the PyNN backends the first z spike of a presentation is the circuit's decision, and on the
emulated chip the circuits are calibrated first.
"""

from __future__ import annotations

import argparse

from neurohw.networks.wta.cli import BACKEND_DEFAULTS, backend_config
from neurohw.networks.wta.run import BACKENDS, train_wta


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backend", choices=BACKENDS, default="reference")
    parser.add_argument("--dataset", choices=("digits", "synthetic"), default="digits")
    parser.add_argument("--iterations", type=int, default=400)
    parser.add_argument("--batch", type=int, default=10)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--out", default="wta_digits")
    args = parser.parse_args()
    config = backend_config(args.backend, batch=args.batch)
    report = train_wta(args.backend, args.dataset, config=config, iterations=args.iterations,
                       seed=args.seed, out=args.out, progress=True,
                       calibrate=BACKEND_DEFAULTS[args.backend].calibrate)
    test = report["test"]
    print(f"held-out accuracy {100 * test['accuracy']:.1f} % (chance {100 * test['chance']:.1f} %)"
          f", H(label | winner) = {test['conditional_entropy_bits']:.3f} bits; "
          f"weight images in {args.out}/weights.png")


if __name__ == "__main__":
    main()
