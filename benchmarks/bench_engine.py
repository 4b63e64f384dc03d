"""Engine speed: the same PyNN network on NEST and on the emulator (ideal and realistic).

The network is :func:`neurohw.backends.emulator.benchmark_network.build_ei_network`: IF_cond_exp
neurons, 80 % excitatory / 20 % inhibitory, 10 % recurrent connectivity at 512 neurons, one
Poisson source per neuron, dt = 0.1 ms. The main comparison runs 512 neurons for 10 s biological
time; the scaling sweep runs 512 -> 4096 -> 16384 neurons for ``SWEEP_DURATION_MS`` with the
in-degree of the 512-neuron network held fixed (51 recurrent inputs per neuron), so activity
is comparable across sizes. Wall times cover ``sim.run`` only; building the network is reported
separately, and the numba JIT compile (or cache load) is measured once up front and excluded.

The realistic chip holds 512 circuits per chip; larger networks use ``n_chips`` chips.

A speed ratio only means something when both simulators run the same dynamics: every NEST /
ideal-emulator pair (main run and each sweep size) returns both simulators' mean excitatory and
inhibitory rates, and :func:`check_comparable` refuses (``BenchmarkNotComparableError``) when an
ideal-mode rate differs from NEST's by more than ``RATE_TOLERANCE`` (10 %). The realistic chip's
rates are reported but not compared (the chip is meant to differ).
"""

from __future__ import annotations

import time

import neurohw
from neurohw.cliutil import say
from neurohw.errors import NeurohwError
from neurohw.backends.emulator.benchmark_network import (
    EINetworkConfig,
    build_ei_network,
    population_rates_hz,
)

MAIN_DURATION_MS = 10000.0
SWEEP_SIZES = (512, 4096, 16384)
SWEEP_DURATION_MS = 1000.0
QUICK = {"main_duration_ms": 1000.0, "sweep_sizes": (512, 1024), "sweep_duration_ms": 500.0}
#: Largest relative difference of ideal-emulator and NEST mean rates for a meaningful ratio.
RATE_TOLERANCE = 0.10


class BenchmarkNotComparableError(NeurohwError):
    """NEST and the ideal emulator ran different dynamics: their speed ratio is meaningless."""


def check_comparable(nest: dict, ideal: dict, tolerance: float = RATE_TOLERANCE) -> dict:
    """Relative rate differences (ideal - NEST) / NEST per population; raise
    BenchmarkNotComparableError when one exceeds ``tolerance``."""
    diffs = {}
    for key in ("rate_exc_hz", "rate_inh_hz"):
        ref = nest[key]
        if ref <= 0:
            raise BenchmarkNotComparableError(
                f"NEST network n={nest['n_neurons']} is silent ({key} = {ref}); the benchmark "
                f"network must fire for a speed comparison to mean anything")
        diffs[key] = round((ideal[key] - ref) / ref, 4)
        if abs(diffs[key]) > tolerance:
            raise BenchmarkNotComparableError(
                f"n={nest['n_neurons']}: {key} is {ideal[key]} Hz on the ideal emulator but "
                f"{ref} Hz on NEST ({100 * diffs[key]:+.1f} %, allowed +-{100 * tolerance:g} %): "
                f"the two simulators do not run a comparable network, so the speed ratio is "
                f"meaningless; check the network/parameters given to both backends")
    return diffs


def _setup_kw(backend: str, mode: str, n: int) -> dict:
    if backend == "nest":
        return {}
    if mode == "ideal":
        return {"ideal": True, "seed": 1}
    return {"ideal": False, "seed": 1, "chip_seed": 0, "n_chips": max(1, -(-n // 512)),
            "allow_synapse_loss": True}


def time_network(backend: str, mode: str, n_neurons: int, duration_ms: float) -> dict:
    """Build and run the E/I network once; wall times (s) and population rates (Hz)."""
    sim = neurohw.backend(backend)
    sim.setup(timestep=0.1, min_delay=0.1, **_setup_kw(backend, mode, n_neurons))
    p_connect = 0.1 if n_neurons == 512 else None
    started = time.perf_counter()
    net = build_ei_network(sim, EINetworkConfig(n_neurons=n_neurons, p_connect=p_connect))
    build_s = time.perf_counter() - started
    started = time.perf_counter()
    sim.run(duration_ms)
    run_s = time.perf_counter() - started
    rates = population_rates_hz(net, duration_ms)
    energy = sim.energy_report()
    sim.end()
    say(f"bench_engine: {backend}/{mode} n={n_neurons} {duration_ms:g} ms: run {run_s:.2f} s")
    return {"backend": backend, "mode": mode, "n_neurons": n_neurons,
            "duration_ms": duration_ms, "build_s": round(build_s, 3), "run_s": round(run_s, 3),
            "rate_exc_hz": round(rates["exc"], 2), "rate_inh_hz": round(rates["inh"], 2),
            # NEST: measured CPU wall time of run() and CPU energy; emulator: hardware wall time
            # and energy estimate of the emulated chip (see neurohw.energy)
            "energy_J": energy["energy_J"],
            "energy_time_s": energy.get("hardware_wall_time_s", energy.get("wall_time_s")),
            "energy_method": energy["method"]}


def jit_warmup_s() -> float:
    """Time of the first emulator run in this process (numba compile or cache load)."""
    started = time.perf_counter()
    time_network("emulator", "ideal", 16, 1.0)
    return round(time.perf_counter() - started, 3)


def run(quick: bool = False) -> dict:
    """Wall times and emulator/NEST ratios; see the module docstring."""
    main_ms = QUICK["main_duration_ms"] if quick else MAIN_DURATION_MS
    sizes = QUICK["sweep_sizes"] if quick else SWEEP_SIZES
    sweep_ms = QUICK["sweep_duration_ms"] if quick else SWEEP_DURATION_MS
    result = {"jit_warmup_s": jit_warmup_s(), "quick": quick}
    main = {mode: time_network(backend, mode, 512, main_ms)
            for backend, mode in (("nest", "nest"), ("emulator", "ideal"),
                                  ("emulator", "realistic"))}
    result["main_512"] = main
    result["main_rate_rel_diff_ideal_vs_nest"] = check_comparable(main["nest"], main["ideal"])
    result["main_ratio_ideal_over_nest"] = round(main["ideal"]["run_s"] / main["nest"]["run_s"], 3)
    result["main_ratio_realistic_over_nest"] = round(
        main["realistic"]["run_s"] / main["nest"]["run_s"], 3)
    sweep = []
    for n in sizes:
        nest = time_network("nest", "nest", n, sweep_ms)
        ideal = time_network("emulator", "ideal", n, sweep_ms)
        sweep.append({"n_neurons": n, "nest_run_s": nest["run_s"], "ideal_run_s": ideal["run_s"],
                      "ratio_ideal_over_nest": round(ideal["run_s"] / nest["run_s"], 3),
                      "nest_rate_exc_hz": nest["rate_exc_hz"],
                      "ideal_rate_exc_hz": ideal["rate_exc_hz"],
                      "nest_rate_inh_hz": nest["rate_inh_hz"],
                      "ideal_rate_inh_hz": ideal["rate_inh_hz"],
                      "rate_rel_diff": check_comparable(nest, ideal)})
    result["sweep"] = sweep
    return result


if __name__ == "__main__":
    import json
    import sys

    print(json.dumps(run(quick="--quick" in sys.argv), indent=2))
