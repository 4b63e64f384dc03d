"""The network side: a WTA circuit fed by Gaussian-tuned inputs, on PyNN or as a numpy reference.

Both experiments share inputs, parameters-to-weights mapping and observables; they differ in what
produces the WTA spikes:

* :class:`PyNNWTAExperiment` — any PyNN backend (``pyNN.nest``, the emulated chip). Inputs are
  ``SpikeSourceArray`` s (host-generated, seeded); WTA neurons are ``IF_cond_exp`` with all-to-all
  lateral inhibition. The input -> WTA projection is **all-to-all**, because a PyNN Projection's
  connectivity is fixed at construction: an absent synapse (theta <= 0) is written as weight 0.
  On the chip the rows that matter are those of connected synapses; we report them
  (``rows_max``/``rows_mean``: connected input synapses + lateral-inhibition sources per neuron)
  and refuse a configuration whose connected synapses exceed the row budget.
* :class:`ReferenceWTAExperiment` — the stochastic WTA of Nessler et al. 2013 in numpy, with a
  silent option: in each 1 ms step the circuit may spike with probability ``rate * 1 ms``, and
  the spike goes to neuron ``k`` with probability ``softmax(u)_k`` over ``u_k = gain * sum_i
  w_ki x_i(t)`` and a "no spike" competitor with fixed ``u_silent`` (as a threshold would, weak
  drive mostly gives silence). Fast; used for tuning and tests.

Time runs on without ``reset()`` (NEST cannot reset fully): iteration ``n`` runs for
``gap_ms + duration_ms`` from the current time and its input starts ``gap_ms`` later.
"""

from __future__ import annotations

from types import ModuleType
from typing import Any

import neo
import numpy as np
import quantities as pq

from neurohw.errors import NeurohwError
from neurohw.hil import Experiment
from neurohw.networks.synaptic_sampling.inputs import MixtureInputs
from neurohw.networks.synaptic_sampling.langevin import weights_from_theta
from neurohw.networks.synaptic_sampling.observables import presynaptic_sums, window_winners
from neurohw.projection_io import write_weights
from neurohw.spikes import psp_traces, spike_time_arrays


class RowBudgetError(NeurohwError):
    """More connected synapses onto a neuron than the chip has synapse rows."""


#: WTA neuron parameters (IF_cond_exp; ms, mV, nF, uS).
WTA_NEURON = {"cm": 0.2, "tau_m": 10.0, "v_rest": -65.0, "v_thresh": -55.0, "v_reset": -70.0,
              "tau_refrac": 2.0, "tau_syn_E": 5.0, "tau_syn_I": 5.0, "e_rev_E": 0.0,
              "e_rev_I": -80.0}


class _WTABase(Experiment):
    """Inputs, weight mapping and observables shared by both experiments."""

    def __init__(self, inputs: MixtureInputs, n_z: int, theta0: float, trace_tau_ms: float = 20.0,
                 gap_ms: float = 2.0) -> None:
        self.inputs, self.n_z, self.theta0 = inputs, int(n_z), float(theta0)
        self.trace_tau_ms, self.gap_ms = float(trace_tau_ms), float(gap_ms)
        self._t_input = 0.0
        self._trains: list[np.ndarray] = []
        self._causes = np.zeros(0, dtype=int)
        self._rows = (0.0, 0.0)

    def observe(self, block, iteration: int) -> dict[str, Any]:
        z_trains = spike_time_arrays(block)
        t0, t1 = self._t_input, self._t_input + self.inputs.duration_ms
        x_sum, n_post = presynaptic_sums(self._trains, z_trains, self.trace_tau_ms, t0, t1)
        winners = window_winners(z_trains, t0, self.inputs.window_ms, self.inputs.n_windows)
        return {"x_sum": x_sum, "n_post": n_post, "winners": winners, "causes": self._causes,
                "duration_s": self.inputs.duration_ms * 1e-3, "rows_max": self._rows[0],
                "rows_mean": self._rows[1]}

    def _connected_weights(self, params: dict[str, np.ndarray]) -> np.ndarray:
        theta = params["theta"]
        if theta.shape != (self.n_z, self.inputs.n_inputs):
            raise NeurohwError(f"theta has shape {theta.shape}, the network needs "
                               f"{(self.n_z, self.inputs.n_inputs)}")
        rows = (theta > 0).sum(axis=1) + (self.n_z - 1)
        self._rows = (float(rows.max()), float(rows.mean()))
        return weights_from_theta(theta, self.theta0)


class ReferenceWTAExperiment(_WTABase):
    """Numpy stochastic WTA (see module docstring); ``build`` ignores the backend."""

    def __init__(self, inputs: MixtureInputs, n_z: int, theta0: float, total_rate_hz: float = 40.0,
                 gain: float = 1.0, u_silent: float = 4.0, **kw) -> None:
        super().__init__(inputs, n_z, theta0, **kw)
        self.total_rate_hz, self.gain = float(total_rate_hz), float(gain)
        self.u_silent = float(u_silent)
        self._w = np.zeros((self.n_z, inputs.n_inputs))
        self._t_now = 0.0

    def build(self, sim: ModuleType | None) -> None:
        self._t_now = 0.0

    def write_parameters(self, params):
        self._w = self._connected_weights(params)
        return {"weight": self._w.copy()}

    def run(self, iteration: int, seed: int):
        self._t_input = self._t_now + self.gap_ms
        self._trains, self._causes = self.inputs.sample(seed, self._t_input)
        rng = np.random.default_rng([seed, 1])
        n_steps = int(round(self.inputs.duration_ms))
        x = psp_traces(self._trains, tau=self.trace_tau_ms, dt=1.0, t_start=self._t_input,
                       t_stop=self._t_input + n_steps)
        fire = np.flatnonzero(rng.random(n_steps) < self.total_rate_hz * 1e-3)
        u = self.gain * x[fire] @ self._w.T                    # (n_candidates, n_z)
        u = np.concatenate([u, np.full((fire.size, 1), self.u_silent)], axis=1)
        p = np.exp(u - u.max(axis=1, keepdims=True))
        cum = np.cumsum(p / p.sum(axis=1, keepdims=True), axis=1)
        who = np.minimum((cum < rng.random(fire.size)[:, None]).sum(axis=1), self.n_z)
        times = self._t_input + fire + rng.random(fire.size) * 0.999   # who == n_z: silent
        segment = neo.Segment()
        t_stop = self._t_input + self.inputs.duration_ms
        for k in range(self.n_z):
            segment.spiketrains.append(neo.SpikeTrain(times[who == k] * pq.ms, t_start=self._t_now
                                                      * pq.ms, t_stop=t_stop * pq.ms,
                                                      source_index=k))
        self._t_now = t_stop
        block = neo.Block()
        block.segments.append(segment)
        return block


class PyNNWTAExperiment(_WTABase):
    """The WTA circuit on a PyNN backend (see module docstring).

    Parameters
    ----------
    weight_scale_us
        conductance (uS) of a synapse with ``w = 1``.
    inhibition_us
        lateral inhibitory conductance between WTA neurons, uS.
    row_budget
        synapse rows per neuron available on the chip (None: unlimited, e.g. on NEST).
    setup_kwargs
        extra ``sim.setup`` keywords (e.g. emulator ``chip_seed``).
    """

    def __init__(self, inputs: MixtureInputs, n_z: int, theta0: float,
                 weight_scale_us: float = 0.004, inhibition_us: float = 0.05,
                 timestep_ms: float = 0.1, row_budget: int | None = None,
                 setup_kwargs: dict | None = None, **kw) -> None:
        super().__init__(inputs, n_z, theta0, **kw)
        self.weight_scale_us, self.inhibition_us = float(weight_scale_us), float(inhibition_us)
        self.timestep_ms, self.row_budget = float(timestep_ms), row_budget
        self.setup_kwargs = dict(setup_kwargs or {})
        self.sim: ModuleType | None = None

    def build(self, sim: ModuleType) -> None:
        self.sim = sim
        sim.setup(timestep=self.timestep_ms, **self.setup_kwargs)
        self.pop_in = sim.Population(self.inputs.n_inputs, sim.SpikeSourceArray(spike_times=[]),
                                     label="inputs")
        self.pop_z = sim.Population(self.n_z, sim.IF_cond_exp(**WTA_NEURON), label="wta")
        self.pop_z.initialize(v=WTA_NEURON["v_rest"])
        self.prj_in = sim.Projection(self.pop_in, self.pop_z, sim.AllToAllConnector(),
                                     sim.StaticSynapse(weight=0.0, delay=1.0),
                                     receptor_type="excitatory", label="input->wta")
        self.prj_inh = sim.Projection(self.pop_z, self.pop_z,
                                      sim.AllToAllConnector(allow_self_connections=False),
                                      sim.StaticSynapse(weight=self.inhibition_us, delay=1.0),
                                      receptor_type="inhibitory", label="wta lateral inhibition")
        self.pop_z.record("spikes")

    def write_parameters(self, params):
        w = self._connected_weights(params)
        if self.row_budget is not None and self._rows[0] > self.row_budget:
            raise RowBudgetError(
                f"a WTA neuron needs {int(self._rows[0])} synapse rows (connected inputs + "
                f"{self.n_z - 1} inhibitory) but the chip has {self.row_budget}; lower the prior "
                "mean or use fewer inputs")
        write_weights(self.sim, self.prj_in, w.T * self.weight_scale_us)
        realised = np.asarray(self.prj_in.get("weight", format="array"), dtype=float)
        realised = np.nan_to_num(realised, nan=0.0).T / self.weight_scale_us
        return {"weight": realised}

    def run(self, iteration: int, seed: int):
        sim = self.sim
        t_now = float(sim.get_current_time())
        self._t_input = t_now + self.gap_ms
        trains, self._causes = self.inputs.sample(seed, self._t_input)
        step = self.timestep_ms
        # spike times on the simulation grid (what the backend delivers), strictly increasing
        trains = [np.unique(np.ceil(t / step - 1e-9) * step) for t in trains]
        self._trains = trains
        from pyNN.parameters import Sequence

        self.pop_in.set(spike_times=[Sequence(t) for t in trains])
        sim.run(self.gap_ms + self.inputs.duration_ms)
        return self.pop_z.get_data("spikes", clear=True)
