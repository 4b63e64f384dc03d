"""WTA modules learn the explaining-away network (Pecevski & Maass 2016) and answer a query by
sampling; plots the KL divergence to the true joint and the query over training.

    python examples/wta_bayesnet.py --out wta_bayesnet
    python examples/wta_bayesnet.py --backend emulator --out wta_bayesnet_chip   # calibrates first
"""

from __future__ import annotations

import argparse

from neurohw.hil import save_history
from neurohw.networks.wta.bayesnet_cli import BACKEND_ITERATIONS
from neurohw.networks.wta.bayesnet_training import train_bayesnet
from neurohw.networks.wta.run import BACKENDS


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backend", choices=BACKENDS, default="reference")
    parser.add_argument("--iterations", type=int, default=None,
                        help="default: reference 400, nest/emulator 60")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--out", default="wta_bayesnet")
    args = parser.parse_args()
    iterations = args.iterations or BACKEND_ITERATIONS[args.backend]
    report = train_bayesnet(args.backend, iterations=iterations, seed=args.seed, progress=True,
                            calibrate=args.backend == "emulator")
    save_history(report["history"], args.out, keys=["kl_true_learned"], logy=True,
                 stem="kl_history")
    save_history(report["history"], args.out,
                 keys=["p_step_given_shading", "p_step_given_shading_contour"],
                 stem="query_history")
    print(f"KL(true || learned) = {report['kl_true_learned']:.4f} nats; "
          f"p(step | shading): true {report['query_true']['p_step_given_shading']:.3f}, "
          f"sampled {report['query_sampled']['p_step_given_shading']:.3f}; "
          f"p(step | shading, contour): true "
          f"{report['query_true']['p_step_given_shading_contour']:.3f}, sampled "
          f"{report['query_sampled']['p_step_given_shading_contour']:.3f}")


if __name__ == "__main__":
    main()
