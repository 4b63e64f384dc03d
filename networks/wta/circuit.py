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

Plasticity on the chip: ``build_wta_circuit(..., on_chip=OnChipEm(eta, log_c, window))`` makes
the input projection (relays -> z) an ``OnlineEMSynapse`` -- Nessler et al.'s rule run by the
plasticity processor of an emulated BrainScaleS-2 chip (emulator only; NEST has no such synapse)
with ``w_max = weight_scale * log_c``, so that the log-domain weight is ``weight /
weight_scale`` as on the host. The chip then learns the input weights during the runs;
:meth:`WtaCircuit.read_weights` reads them back. Unlike the host rule it sees *every* z spike
(there is no winner rule on the chip). bss2's 0.1 ms routing delay makes the loop z -> inh -> z
fast, but not fast enough to stop every loser: measured on the calibrated bss2 chip 0 with
on-chip learning, about 2.1 z spikes per presentation late in training, each from a different
z-neuron, the later ones 0-0.6 ms after the first (one input spike lifts several membranes over
threshold) -- the chip's rule learns from those losers too.
"""

from __future__ import annotations

from dataclasses import dataclass
from types import ModuleType
from typing import Any

import numpy as np

from neurohw.projection_io import write_weights

from neurohw.errors import NeurohwError

__all__ = ["CircuitParameters", "OnChipEm", "OnChipPlasticityError", "WtaCircuit",
           "build_wta_circuit"]


class OnChipPlasticityError(NeurohwError, ValueError):
    """On-chip learning asked of a backend or chip that cannot run it (NEST, a bss1 chip)."""


@dataclass(frozen=True)
class OnChipEm:
    """Parameters of the chip's online-EM program on the input synapses (``OnlineEMSynapse``).

    ``eta`` is the learning rate per postsynaptic spike (log-domain units; the chip sums it over
    the spikes between two visits of its update controller), ``log_c`` the rule's ``log c``
    (also the top of the weight range), ``window`` the time constant (ms) of the causal
    correlation sensor's presynaptic trace (the host rule's rectangular window).
    """

    eta: float
    log_c: float
    window: float


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
        #: the on-chip learning rule of the input synapses (None: static, the host learns)
        self.on_chip: OnChipEm | None = None

    @property
    def w_max_log(self) -> float:
        """Top of the log-domain weight range (``log_c`` of the chip's rule when it learns)."""
        return self.on_chip.log_c if self.on_chip is not None else self.params.w_max_log

    def write(self, weights: np.ndarray, bias: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Write log-domain ``weights`` (K, N) and excitabilities (K,); return what was realised.

        Weights are clipped to ``[0, w_max_log]`` and scaled to nA; the realised values are read
        back from the backend (quantised on the chip) and converted back to the log domain.
        """
        self.write_weights(weights)
        return self.read_weights(), self.write_bias(bias)

    def write_weights(self, weights: np.ndarray) -> None:
        """Write log-domain input weights (K, N), clipped to ``[0, w_max_log]``."""
        w = np.clip(np.asarray(weights, dtype=float), 0.0, self.w_max_log)
        write_weights(self.sim, self.input_projection, (w * self.params.weight_scale).T)

    def read_weights(self) -> np.ndarray:
        """The input weights the backend holds (K, N), log domain: quantised on the chip, and
        after a run with on-chip learning what the chip learned."""
        realised = np.asarray(self.input_projection.get("weight", format="array"), dtype=float)
        return np.nan_to_num(realised, nan=0.0).T / self.params.weight_scale

    def write_bias(self, bias: np.ndarray) -> np.ndarray:
        """Write the excitabilities (K,) as bias currents; return the realised ones."""
        p = self.params
        bias = np.asarray(bias, dtype=float)
        self.z.set(i_offset=p.bias_scale * (bias + np.log(self.n_z)))
        realised_bias = np.asarray(self.z.get("i_offset"), dtype=float) / p.bias_scale \
            - np.log(self.n_z)
        return np.broadcast_to(realised_bias, bias.shape).copy()

    def set_learning_rate(self, eta: float) -> None:
        """Change the learning rate of the chip's online-EM program (a parameter the host
        writes between runs; the weights stay where the chip left them)."""
        if self.on_chip is None:
            raise OnChipPlasticityError("the input synapses of this circuit are static: the "
                                        "host computes their update, there is no on-chip rate")
        self.input_projection.set(eta=float(eta))

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


def input_synapse(sim: ModuleType, params: CircuitParameters, on_chip: OnChipEm | None):
    """The synapse type of the input projection: static (the host learns) or the chip's
    online-EM rule with ``w_max = weight_scale * log_c``."""
    if on_chip is None:
        return sim.StaticSynapse(weight=0.0, delay=params.delay)
    if not hasattr(sim, "OnlineEMSynapse"):
        raise OnChipPlasticityError(
            f"backend {getattr(sim, '__name__', sim)!r} has no OnlineEMSynapse: on-chip "
            "learning of the WTA needs the emulator with preset 'bss2' (its plasticity "
            "processor runs the online-EM rule); on this backend compute the update on the host "
            "(plasticity 'host')")
    return sim.OnlineEMSynapse(weight=0.0, delay=params.delay, eta=on_chip.eta,
                               log_c=on_chip.log_c, window=on_chip.window,
                               w_max=params.weight_scale * on_chip.log_c)


def build_wta_circuit(sim: ModuleType, n_inputs: int, n_z: int,
                      params: CircuitParameters | None = None, prefix: str = "wta",
                      on_chip: OnChipEm | None = None) -> WtaCircuit:
    """Create the circuit on backend ``sim`` (``sim.setup`` must have been called).

    ``prefix`` starts the labels of its populations and projections (several circuits can share
    one simulation). ``on_chip``: the input synapses learn on the chip (``OnlineEMSynapse``,
    emulator with preset bss2) instead of being static.
    """
    p = params or CircuitParameters()
    synapse = input_synapse(sim, p, on_chip)
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
    input_projection = sim.Projection(inputs, z, all_to_all, synapse,
                                      receptor_type="excitatory", label=f"{prefix}_input_to_z")
    sim.Projection(z, inh, all_to_all, sim.StaticSynapse(weight=p.w_z_inh, delay=p.delay),
                   receptor_type="excitatory", label=f"{prefix}_z_to_inh")
    sim.Projection(inh, z, all_to_all, sim.StaticSynapse(weight=-p.w_inh_z, delay=p.delay),
                   receptor_type="inhibitory", label=f"{prefix}_inh_to_z")
    inputs.record("spikes")
    z.record("spikes")
    circuit = WtaCircuit(sim, p, sources, inputs, z, inh, input_projection)
    circuit.on_chip = on_chip
    return circuit
