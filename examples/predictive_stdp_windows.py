"""STDP windows of the Eq. 1 rule (Bengio et al. 2015, arXiv:1509.05936) on every backend.

Runs the paper's reference simulation and the LIF measurement on NEST and, when it imports, on the
emulated chip; prints the binned correlation with nearest-neighbour STDP and the window's sign at
±5 (steps or ms), and saves one plot per backend.

    python examples/predictive_stdp_windows.py [OUT_DIR]
"""

from __future__ import annotations

import sys
from dataclasses import replace
from pathlib import Path

import neurohw
from neurohw.errors import BackendUnavailableError
from neurohw.networks.predictive_stdp import run_reference
from neurohw.networks.predictive_stdp.neuron_window import (
    NeuronWindowConfig,
    measure_window,
    seeded_setup,
)
from neurohw.networks.predictive_stdp.plots import plot_windows


def main(out: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    ref = run_reference()
    plot_windows(ref.eq1, ref.stdp, out / "reference.png", "reference (steps)")
    print(f"reference: r = {ref.pearson_r:.3f}, sign(+5) = {ref.sign_plus5:+d}, "
          f"sign(-5) = {ref.sign_minus5:+d}")
    for name in ("nest", "emulator"):
        try:
            sim = neurohw.backend(name)
        except BackendUnavailableError as err:
            print(f"{name}: skipped ({err})")
            continue
        cfg = NeuronWindowConfig()
        res = measure_window(sim, replace(cfg, setup_kwargs=seeded_setup(name, cfg.seed)), name)
        plot_windows(res.eq1, res.stdp, out / f"{name}.png", f"{name} LIF (ms)")
        print(f"{name}: r = {res.pearson_r:.3f}, sign(+5 ms) = {res.sign_plus5:+d}, "
              f"sign(-5 ms) = {res.sign_minus5:+d}, STDP shape = {res.shape['stdp_shape']}")


if __name__ == "__main__":
    main(Path(sys.argv[1] if len(sys.argv) > 1 else "predictive_stdp_out"))
