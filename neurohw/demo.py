"""``neurohw demo``: the main job.

Runs a small excitatory/inhibitory network with Poisson drive on the chosen backend (NEST by
default), and writes a spike raster (PNG) and a JSON summary (population rates in Hz, wall time)
to ``--out``.
"""

from __future__ import annotations

import argparse
import time

import numpy as np

import neurohw
from neurohw.cliutil import emit_json, output_dir, say, stdout_to_stderr, write_json_atomic
from neurohw.spikes import firing_rates, spike_time_arrays


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--backend", default="nest", help="nest or emulator (default: nest)")
    parser.add_argument("--out", default="neurohw-demo", help="folder for the report "
                        "(default: ./neurohw-demo)")
    parser.add_argument("--seed", type=int, default=1234, help="random seed (default: 1234)")
    parser.add_argument("--duration", type=float, default=1000.0,
                        help="simulated biological time in ms (default: 1000)")
    parser.add_argument("--quick", action="store_true", help="a shorter run")
    parser.add_argument("--json", action="store_true", help="print one JSON object on stdout")


def run_ei_network(sim, duration_ms: float, seed: int, n_exc: int = 160, n_inh: int = 40) -> dict:
    """Build and run a sparse E/I network on ``sim``; return spike times and rates per population."""
    sim.setup(timestep=0.1, min_delay=1.0)
    cell = sim.IF_cond_exp(tau_m=20.0, v_rest=-65.0, v_thresh=-50.0, v_reset=-65.0,
                           tau_refrac=2.0, tau_syn_E=5.0, tau_syn_I=10.0)
    exc = sim.Population(n_exc, cell, label="excitatory")
    inh = sim.Population(n_inh, cell, label="inhibitory")
    cells = sim.Assembly(exc, inh)
    noise = sim.Population(n_exc + n_inh, sim.SpikeSourcePoisson(rate=20.0), label="noise")
    rng = sim.NumpyRNG(seed=seed)
    sim.Projection(noise, cells, sim.FixedNumberPreConnector(10, rng=rng),
                   sim.StaticSynapse(weight=0.008, delay=1.0), receptor_type="excitatory")
    sim.Projection(exc, cells, sim.FixedProbabilityConnector(0.1, rng=rng),
                   sim.StaticSynapse(weight=0.004, delay=1.0), receptor_type="excitatory")
    sim.Projection(inh, cells, sim.FixedProbabilityConnector(0.1, rng=rng),
                   sim.StaticSynapse(weight=0.02, delay=1.0), receptor_type="inhibitory")
    cells.record("spikes")
    sim.run(duration_ms)
    result = {}
    for pop in (exc, inh):
        block = pop.get_data()
        result[pop.label] = {
            "spike_times_ms": spike_time_arrays(block),
            "rate_hz": float(np.mean(firing_rates(block, 0.0, duration_ms).magnitude)),
        }
    sim.end()
    return result


def main(args: argparse.Namespace) -> int:
    out = output_dir(args.out)
    duration = 200.0 if args.quick else args.duration
    started = time.perf_counter()
    with stdout_to_stderr(args.json):
        sim = neurohw.backend(args.backend)
        say(f"neurohw demo: E/I network on {args.backend}, {duration:.0f} ms")
        result = run_ei_network(sim, duration, args.seed)
        summary = {
            "backend": args.backend,
            "duration_ms": duration,
            "seed": args.seed,
            "rates_hz": {label: r["rate_hz"] for label, r in result.items()},
            "wall_s": round(time.perf_counter() - started, 3),
        }
        if out is not None:
            from neurohw.plotting import raster_plot

            trains = [t for r in result.values() for t in r["spike_times_ms"]]
            raster_plot(trains, out / "raster.png", f"E/I network on {args.backend}", duration)
            write_json_atomic(out / "summary.json", summary)
            summary["report"] = str(out)
            say(f"neurohw demo: wrote {out / 'raster.png'} and {out / 'summary.json'}")
    if args.json:
        emit_json(summary)
    else:
        for label, rate in summary["rates_hz"].items():
            print(f"{label:12s} {rate:6.2f} Hz")
        print(f"wall time {summary['wall_s']:.1f} s; report in {out}")
    return 0
