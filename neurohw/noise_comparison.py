"""One small Poisson-driven network on several backends, analysed side by side.

The network: ``n`` ``SpikeSourcePoisson`` sources of equal rate, each driving one ``IF_cond_exp``
neuron (one-to-one, excitatory). On NEST every source is an independent Poisson process; on the
emulated chip the sources map to the chip's few shared on-chip generators (source i uses
generator ``i % n_generators``, see ``neurohw.backends.emulator.chip.host_io``), so sources — and
the neurons they drive — that share a generator are correlated. :func:`compare_backends` runs the
network on each backend, measures rates and ISI CVs (:mod:`neurohw.analysis`), the correlation of
same-generator vs different-generator pairs, and writes a side-by-side raster.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import neurohw
from neurohw import analysis

#: Defaults of the network: 16 sources on 8 generators = 8 pairs sharing a generator.
DEFAULTS: dict[str, Any] = {"n": 16, "rate_hz": 300.0, "weight_uS": 0.012, "duration_ms": 2000.0,
                            "bin_ms": 5.0}
NEURON = {"v_rest": -58.0, "v_thresh": -50.0, "v_reset": -65.0, "tau_m": 10.0,
          "tau_refrac": 2.0, "tau_syn_E": 5.0, "e_rev_E": 0.0}


def run_noise_network(backend: str, setup_kwargs: Mapping[str, Any] | None = None, *,
                      n: int = DEFAULTS["n"], rate_hz: float = DEFAULTS["rate_hz"],
                      weight_uS: float = DEFAULTS["weight_uS"],
                      duration_ms: float = DEFAULTS["duration_ms"], seed: int = 1
                      ) -> dict[str, Any]:
    """Build and run the network on ``backend`` for ``duration_ms`` (biological ms).

    Returns ``{"sources": Block, "neurons": Block, "annotations": dict}`` (the neo Blocks as
    ``get_data()`` returns them; the Poisson sources are the only ones of the network, so source
    k has global Poisson index k).
    """
    sim = neurohw.backend(backend)
    kwargs = dict(setup_kwargs or {})
    if backend == "emulator":
        kwargs.setdefault("seed", seed)
    else:
        kwargs.setdefault("rng_seed", seed)
    sim.setup(timestep=0.1, **kwargs)
    try:
        sources = sim.Population(n, sim.SpikeSourcePoisson(rate=rate_hz), label="noise")
        neurons = sim.Population(n, sim.IF_cond_exp(**NEURON), label="neurons")
        sim.Projection(sources, neurons, sim.OneToOneConnector(),
                       sim.StaticSynapse(weight=weight_uS, delay=1.0),
                       receptor_type="excitatory")
        sources.record("spikes")
        neurons.record("spikes")
        sim.run(duration_ms)
        src, nrn = sources.get_data("spikes"), neurons.get_data("spikes")
        annotations = dict(nrn.segments[0].annotations) if nrn.segments else {}
        annotations.setdefault("backend", backend)
    finally:
        sim.end()
    return {"sources": src, "neurons": nrn, "annotations": annotations}


def compare_backends(runs: Mapping[str, tuple[str, Mapping[str, Any] | None]],
                     out: str | Path | None = None, *, raster_ms: float = 500.0,
                     seed: int = 1, **network) -> dict[str, Any]:
    """Run the network for each ``label -> (backend, setup_kwargs)`` and analyse it.

    Returns, per label, the neurons' and sources' :func:`analysis.spike_statistics` and the
    correlation of pairs sharing a generator vs not (``generator_pair_correlation``; on NEST the
    pairs are grouped as the chip would group them — there they are independent). With ``out``
    also writes ``backends_raster.png`` (first ``raster_ms`` ms of the neurons, side by side) and
    ``backends_analysis.json``.
    """
    bin_ms = float(network.pop("bin_ms", DEFAULTS["bin_ms"]))
    results: dict[str, Any] = {}
    neurons = {}
    for label, (backend, setup_kwargs) in runs.items():
        run = run_noise_network(backend, setup_kwargs, seed=seed, **network)
        n_gen = analysis.n_noise_generators(run["annotations"])
        grouping = n_gen if n_gen is not None else 8  # NEST: the same pairs as on the chip
        neurons[label] = run["neurons"]
        results[label] = {
            "backend": backend,
            "n_generators": n_gen,
            "neurons": analysis.spike_statistics(run["neurons"]),
            "sources": analysis.spike_statistics(run["sources"]),
            "correlation_sources": analysis.generator_pair_correlation(run["sources"], grouping,
                                                                       bin_ms),
            "correlation_neurons": analysis.generator_pair_correlation(run["neurons"], grouping,
                                                                       bin_ms),
        }
    summary: dict[str, Any] = {"network": {**DEFAULTS, **network, "neuron": NEURON},
                               "runs": results}
    if out is not None:
        written = analysis.write_spike_analysis(
            neurons, out, stem="backends", raster_ms=raster_ms,
            title="same network, Poisson-driven LIF neurons: neuron i and i+8 share a noise "
                  "generator on the chip", extra={"runs": results})
        summary["files"] = written["files"]
    return summary


def markdown_lines(summary: Mapping[str, Any]) -> list[str]:
    """Tables of :func:`compare_backends` results for a Markdown report."""
    runs = summary["runs"]
    lines = ["Neurons:", ""]
    lines += analysis.markdown_lines({label: r["neurons"] for label, r in runs.items()})
    lines += ["", "Poisson sources:", ""]
    lines += analysis.markdown_lines({label: r["sources"] for label, r in runs.items()})
    bin_ms = next(iter(runs.values()))["correlation_sources"]["bin_ms"]
    lines += ["", f"Correlation coefficient of binned trains ({bin_ms:g} ms bins), mean over "
              "pairs (min – max):", "",
              "| run | sources, same generator | sources, different generators | "
              "neurons, same generator | neurons, different generators |",
              "|---|---|---|---|---|"]

    def cell(c):
        return (f"{c['mean']:.3f} ({c['min']:.2f} – {c['max']:.2f}), {c['n_pairs']} pairs"
                if c["n_pairs"] else "–")

    for label, r in runs.items():
        cs, cn = r["correlation_sources"], r["correlation_neurons"]
        lines.append(f"| {label} | {cell(cs['same_generator'])} | "
                     f"{cell(cs['different_generator'])} | {cell(cn['same_generator'])} | "
                     f"{cell(cn['different_generator'])} |")
    return lines
