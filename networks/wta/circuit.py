"""The WTA circuit in PyNN terms: it runs unchanged on NEST and on the emulated chip.

Structure (Nessler et al. 2013, Fig. 1; lateral inhibition through interneurons):

* ``sources`` -- ``SpikeSourceArray`` of N neurons (ON/OFF-coded pixels, rate-coded per
  presentation by the host), each driving one LIF relay neuron of ``inputs`` one-to-one; the relays
  fire once per source spike and carry the plastic synapses. (Plastic projections from a
  ``SpikeSourceArray`` are slow to rewrite through pyNN.nest -- every ``Projection.set`` asks NEST's
  kernel for ``min_delay`` once per target neuron -- and the recorded relay spikes are exactly what
  the z-neurons received, which the STDP rule must see.)
* ``z`` -- K LIF neurons (``IF_curr_exp``). The membrane sums the recent input spikes weighted by
  ``J_ki = weight_scale * w_ki``, i.e. it tracks ``u_k = sum_i w_ki y_i(t)`` of the paper, and the
  excitability ``w_k0`` enters as a bias current ``i_offset = bias_scale * (w_k0 + log K)`` (zero at
  the uniform prior);
* ``inh`` -- a small population of LIF interneurons excited by every z spike, which inhibits all
  z-neurons. The z-neuron whose ``u_k`` is largest reaches threshold first and silences the others;
  when inhibition decays the race starts again, so each z spike is a fresh sample of the winner.

Documented equivalence: the paper's z-neurons fire with probability ``∝ exp(u_k)`` (stochastic
exponential neurons). Here the stochasticity comes from the Poisson input spikes, and the race to
threshold of linear LIF membranes picks (a noisy) ``argmax_k u_k``; a chip with LIF/AdEx circuits
holds this directly. Synaptic weights must be non-negative (a synapse row carries one sign), so
log-domain weights are clipped at ``w_min = 0`` -- with the ON/OFF code exactly one input per pixel
is active, so a common offset of all weights would only shift every ``u_k`` by the same amount.

Synaptic delay: the race needs the inhibition to arrive before the next-best z-neuron reaches
threshold. With ``delay = 0.1`` ms (NEST default here) the loop z -> inh -> z takes a few tenths
of a ms; on the emulated bss1 chip every synapse has the fixed 1 ms routing delay, the loop takes
about 2.5 ms and several z-neurons answer one presentation. Counting all their spikes in the
update makes the z-neurons collapse onto one average pattern (NEST, ``delay=1.0``: 17.8 %
held-out digits accuracy); counting only the first spike of each presentation -- the winner of
the race (``WtaConfig(winner_rule="first")``, :mod:`~neurohw.networks.wta.winner_rule`) --
restores learning (NEST, ``delay=1.0``: 81.9 %).
"""

from __future__ import annotations

from dataclasses import dataclass
from types import ModuleType
from typing import Any

import numpy as np

from neurohw.projection_io import write_weights

__all__ = ["CircuitParameters", "WtaCircuit", "build_wta_circuit"]


@dataclass(frozen=True)
class CircuitParameters:
    """Neuron and synapse parameters of the LIF WTA circuit (PyNN units: mV, ms, nF, nA).

    ``weight_scale`` (nA per unit of log-domain weight) maps ``w_ki`` to synaptic weights;
    ``bias_scale`` (nA per unit) maps the excitability to a bias current.
    """

    timestep: float = 0.1
    tau_m: float = 10.0
    cm: float = 0.25
    v_rest: float = -65.0
    v_reset: float = -65.0
    v_thresh: float = -55.0
    tau_refrac: float = 2.0
    tau_syn_E: float = 5.0
    tau_syn_I: float = 5.0
    weight_scale: float = 0.0027
    bias_scale: float = 0.05
    n_inh: int = 8
    w_z_inh: float = 6.0
    w_inh_z: float = 0.6
    w_max_log: float = 5.0
    delay: float = 0.1
    w_relay: float = 20.0
    relay_tau_syn: float = 0.5

    def z_cell(self) -> dict[str, float]:
        return {"tau_m": self.tau_m, "cm": self.cm, "v_rest": self.v_rest,
                "v_reset": self.v_reset, "v_thresh": self.v_thresh,
                "tau_refrac": self.tau_refrac, "tau_syn_E": self.tau_syn_E,
                "tau_syn_I": self.tau_syn_I, "i_offset": 0.0}

    def relay_cell(self) -> dict[str, float]:
        """A LIF cell that answers every input spike with one spike about 0.2 ms later."""
        return {"tau_m": self.tau_m, "cm": self.cm, "v_rest": self.v_rest,
                "v_reset": self.v_reset - 5.0, "v_thresh": self.v_thresh, "tau_refrac": 2.0,
                "tau_syn_E": self.relay_tau_syn, "tau_syn_I": self.relay_tau_syn,
                "i_offset": 0.0}


class WtaCircuit:
    """Handles to the populations and projections of one WTA circuit, with the host-side I/O.

    Create it with :func:`build_wta_circuit`.
    """

    def __init__(self, sim: ModuleType, params: CircuitParameters, sources: Any, inputs: Any,
                 z: Any, inh: Any, input_projection: Any) -> None:
        self.sim = sim
        self.params = params
        self.sources = sources
        self.inputs = inputs
        self.z = z
        self.inh = inh
        self.input_projection = input_projection
        self.n_inputs = inputs.size
        self.n_z = z.size

    def write(self, weights: np.ndarray, bias: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Write log-domain ``weights`` (K, N) and excitabilities (K,); return what was realised.

        Weights are clipped to ``[0, w_max_log]`` and scaled to nA; the realised values are read
        back from the backend (quantised on the chip) and converted back to the log domain.
        """
        p = self.params
        w = np.clip(np.asarray(weights, dtype=float), 0.0, p.w_max_log)
        write_weights(self.sim, self.input_projection, (w * p.weight_scale).T)
        bias = np.asarray(bias, dtype=float)
        self.z.set(i_offset=p.bias_scale * (bias + np.log(self.n_z)))
        realised = np.asarray(self.input_projection.get("weight", format="array"), dtype=float)
        realised = np.nan_to_num(realised, nan=0.0).T / p.weight_scale
        realised_bias = np.asarray(self.z.get("i_offset"), dtype=float) / p.bias_scale \
            - np.log(self.n_z)
        return realised, np.broadcast_to(realised_bias, bias.shape).copy()

    def load_inputs(self, trains: list[np.ndarray], start: float) -> None:
        """Give each input neuron its spike times (ms relative to ``start``, the current time)."""
        sequence = self.sim.Sequence
        self.sources.set(spike_times=[sequence(np.asarray(t, dtype=float) + start)
                                     for t in trains])

    def collect(self) -> tuple[Any, Any]:
        """The input and z neo Blocks recorded since the last collection (recorders cleared)."""
        return (self.inputs.get_data("spikes", clear=True),
                self.z.get_data("spikes", clear=True))

    def present(self, trains: list[np.ndarray], duration: float) -> tuple[Any, Any, float]:
        """Play input spike trains (ms, relative to now) and run ``duration`` ms.

        The simulation runs on continuously (no ``reset()``: NEST has no full reset, and the
        silent gap that ends every schedule lets the circuit settle). Returns the input and z neo
        Blocks recorded during this run and its start time (ms) -- subtract it from spike times.
        """
        start = float(self.sim.get_current_time())
        self.load_inputs(trains, start)
        self.sim.run(duration)
        input_block, z_block = self.collect()
        return input_block, z_block, start


def build_wta_circuit(sim: ModuleType, n_inputs: int, n_z: int,
                      params: CircuitParameters | None = None, prefix: str = "wta") -> WtaCircuit:
    """Create the circuit on backend ``sim`` (``sim.setup`` must have been called).

    ``prefix`` starts the labels of its populations and projections (several circuits can share
    one simulation).
    """
    p = params or CircuitParameters()
    sources = sim.Population(n_inputs, sim.SpikeSourceArray(spike_times=[]),
                             label=f"{prefix}_sources")
    inputs = sim.Population(n_inputs, sim.IF_curr_exp(**p.relay_cell()), label=f"{prefix}_inputs")
    inputs.initialize(v=p.v_rest)
    sim.Projection(sources, inputs, sim.OneToOneConnector(),
                   sim.StaticSynapse(weight=p.w_relay, delay=p.delay), receptor_type="excitatory",
                   label=f"{prefix}_source_to_input")
    z = sim.Population(n_z, sim.IF_curr_exp(**p.z_cell()), label=f"{prefix}_z")
    inh = sim.Population(p.n_inh, sim.IF_curr_exp(**p.z_cell()), label=f"{prefix}_inh")
    z.initialize(v=p.v_rest)
    inh.initialize(v=p.v_rest)
    all_to_all = sim.AllToAllConnector()
    input_projection = sim.Projection(
        inputs, z, all_to_all, sim.StaticSynapse(weight=0.0, delay=p.delay),
        receptor_type="excitatory", label=f"{prefix}_input_to_z")
    sim.Projection(z, inh, all_to_all, sim.StaticSynapse(weight=p.w_z_inh, delay=p.delay),
                   receptor_type="excitatory", label=f"{prefix}_z_to_inh")
    sim.Projection(inh, z, all_to_all, sim.StaticSynapse(weight=-p.w_inh_z, delay=p.delay),
                   receptor_type="inhibitory", label=f"{prefix}_inh_to_z")
    inputs.record("spikes")
    z.record("spikes")
    return WtaCircuit(sim, p, sources, inputs, z, inh, input_projection)
