"""The recurrent E/I network used to compare the emulator with NEST (parity tests, benchmarks).

A conductance-based balanced network in the style of the COBA benchmark (Vogels & Abbott 2005,
J. Neurosci. 25:10786; Brette et al. 2007, J. Comput. Neurosci. 23:349): 80 % excitatory, 20 %
inhibitory IF_cond_exp neurons, random recurrent connectivity (``p_connect``), each neuron driven
by its own Poisson source. Built with the PyNN API only, so it runs unchanged on every backend.
"""

from __future__ import annotations

from dataclasses import dataclass
from types import ModuleType

import numpy as np
from pyNN.parameters import Sequence

#: Cell parameters (PyNN units) after the COBA benchmark.
CELL_PARAMETERS = dict(cm=0.2, tau_m=20.0, v_rest=-60.0, v_thresh=-50.0, v_reset=-60.0,
                       tau_refrac=5.0, tau_syn_E=5.0, tau_syn_I=10.0, e_rev_E=0.0,
                       e_rev_I=-80.0, i_offset=0.0)


@dataclass(frozen=True)
class EINetworkConfig:
    """Size and strengths of the E/I network (weights in uS, rates in Hz, delays in ms).

    ``input_kind="poisson"`` drives each neuron with a SpikeSourcePoisson (each backend draws
    its own realisation); ``"array"`` with a SpikeSourceArray holding a Poisson train drawn here
    from ``input_seed`` for ``input_duration_ms``, so that every backend receives the very same
    input spikes (used to compare backends without input-sampling noise).

    ``p_connect=None`` keeps the in-degree of the 512-neuron, 10 % network (51 inputs per
    neuron) at every size, so that activity stays comparable across the scaling sweep.
    """

    n_neurons: int = 512
    p_connect: float | None = 0.1
    w_exc: float = 0.002
    w_inh: float = 0.1
    w_input: float = 0.004
    input_rate_hz: float = 1500.0
    delay_ms: float = 1.0
    seed: int = 1
    input_kind: str = "poisson"
    input_seed: int = 0
    input_duration_ms: float = 2000.0

    @property
    def connection_probability(self) -> float:
        if self.p_connect is not None:
            return self.p_connect
        return min(1.0, 51.2 / self.n_neurons)


def build_ei_network(sim: ModuleType, config: EINetworkConfig = EINetworkConfig(),
                     record_v: int = 0) -> dict:
    """Create the network on ``sim`` (after ``sim.setup``); returns its populations.

    Returns a dict with ``"exc"``, ``"inh"``, ``"input"`` populations and the projections list.
    Spikes of all neurons are recorded; ``v`` of the first ``record_v`` excitatory neurons.
    """
    n_exc = int(round(0.8 * config.n_neurons))
    n_inh = config.n_neurons - n_exc
    rng = sim.NumpyRNG(seed=config.seed)
    exc = sim.Population(n_exc, sim.IF_cond_exp(**CELL_PARAMETERS), label="exc")
    inh = sim.Population(n_inh, sim.IF_cond_exp(**CELL_PARAMETERS), label="inh")
    v_init = sim.RandomDistribution("uniform", (-60.0, -50.0), rng=rng)
    exc.initialize(v=v_init)
    inh.initialize(v=v_init)
    if config.input_kind == "poisson":
        noise = sim.Population(config.n_neurons,
                               sim.SpikeSourcePoisson(rate=config.input_rate_hz), label="input")
    elif config.input_kind == "array":
        trains = poisson_trains(config.n_neurons, config.input_rate_hz,
                                config.input_duration_ms, config.input_seed, dt=sim.get_time_step())
        noise = sim.Population(config.n_neurons, sim.SpikeSourceArray(
            spike_times=[Sequence(t) for t in trains]), label="input")
    else:
        raise ValueError(f"input_kind must be 'poisson' or 'array', got {config.input_kind!r}")
    both = exc + inh
    p = config.connection_probability
    projections = [
        sim.Projection(exc, both, sim.FixedProbabilityConnector(p, rng=rng),
                       sim.StaticSynapse(weight=config.w_exc, delay=config.delay_ms),
                       receptor_type="excitatory", label="exc->all"),
        sim.Projection(inh, both, sim.FixedProbabilityConnector(p, rng=rng),
                       sim.StaticSynapse(weight=config.w_inh, delay=config.delay_ms),
                       receptor_type="inhibitory", label="inh->all"),
        sim.Projection(noise, both, sim.OneToOneConnector(),
                       sim.StaticSynapse(weight=config.w_input, delay=config.delay_ms),
                       receptor_type="excitatory", label="input->all"),
    ]
    exc.record("spikes")
    inh.record("spikes")
    if record_v:
        exc[:record_v].record("v")
    return {"exc": exc, "inh": inh, "input": noise, "projections": projections}


def poisson_trains(n: int, rate_hz: float, duration_ms: float, seed: int, dt: float = 0.1
                   ) -> list[np.ndarray]:
    """``n`` independent Poisson spike trains (ms, on the ``dt`` grid, at most one spike per
    step, none before 2*dt: pyNN.nest shifts array spikes by -min_delay and refuses t = 0),
    drawn from ``numpy.random.default_rng(seed)``."""
    rng = np.random.default_rng(seed)
    n_steps = int(round(duration_ms / dt))
    p_spike = min(1.0, rate_hz * dt / 1000.0)
    spikes = rng.random((n, n_steps)) < p_spike
    return [np.round((np.nonzero(row)[0] + 2) * dt, 6) for row in spikes]


def population_rates_hz(populations: dict, duration_ms: float) -> dict[str, float]:
    """Mean firing rate (Hz) of ``exc`` and ``inh`` over the last run segment."""
    out = {}
    for key in ("exc", "inh"):
        pop = populations[key]
        counts = pop.get_spike_counts()
        out[key] = float(sum(counts.values())) / pop.size / (duration_ms / 1000.0)
    return out
