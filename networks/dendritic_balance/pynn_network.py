"""The coding network in PyNN terms (runs unchanged on NEST and on the emulator).

Mikulasch, Rudelt & Priesemann (2021) in spiking hardware terms:

* ``copies`` independent copies of the network run side by side (the reference simulation's
  parallel ``streams``), each with ``n_x`` input neurons (``SpikeSourceArray``, Poisson spike
  trains at ``max_input_rate * x_j`` drawn on the host from a seed) and ``n_z`` LIF coding neurons
  (``IF_curr_exp``);
* excitatory input weights ``F`` and *somatic* lateral inhibition ``sum_j W_ijk`` (DB) or ``V``
  (SB) between the coding neurons of a copy, with a transmission delay; a neuron's own
  inhibition is its reset (no self-connection);
* inhibitory weights are negative numbers, PyNN's convention for current-based synapses;
* escape noise from balanced excitatory/inhibitory Poisson input per neuron (host-generated,
  seeded) whose rate is annealed; the homeostatic bias is the neuron's ``i_offset``.

Dendritic potentials are not simulated on the network: the host recomputes them from recorded
spikes (:mod:`.hil_training`) and writes the updated weights back between presentations.

Units: model potentials (dimensionless, as in the reference simulation) map to
``mv_per_unit`` mV of mean membrane depolarisation; weights are in nA, times in ms, rates in Hz.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from types import ModuleType

import numpy as np

from neurohw.networks.dendritic_balance.errors import DendriticBalanceError
from neurohw.projection_io import write_weights


@dataclass
class PyNNNetworkConfig:
    """Cell, input and scaling parameters of the PyNN version (ms, mV, nA, nF, Hz)."""

    copies: int = 1
    presentation_ms: float = 40.0
    timestep: float = 0.1
    max_input_rate: float = 100.0       # Hz at x_j = 1
    base_delay_ms: float = 1.0          # delay of every synapse
    extra_delay_ms: float = 0.0         # additional lateral-inhibition delay
    mv_per_unit: float = 5.0            # mV of mean depolarisation per model-potential unit
    tau_m: float = 10.0
    cm: float = 0.25
    tau_syn_E: float = 5.0
    tau_syn_I: float = 10.0
    v_rest: float = -65.0
    v_thresh: float = -50.0
    tau_refrac: float = 1.0
    noise_weight: float = 0.05          # nA, each noise spike (exc. and inh.)
    noise_rate_max: float = 2000.0      # Hz per noise source at the start temperature
    tau_psp: float = 10.0               # trace time constant used by the host

    @property
    def resistance(self) -> float:
        """Membrane resistance in MΩ (mV / nA)."""
        return self.tau_m / self.cm

    def input_weight_scale(self) -> float:
        """nA per unit of ``F``: mean depolarisation ``w nu tau_syn R`` equals ``mv_per_unit``."""
        nu = self.max_input_rate / 1000.0
        return self.mv_per_unit / (nu * self.tau_syn_E * self.resistance)

    def inhibition_weight_scale(self) -> float:
        """nA per unit of ``V``: a trace ``r = rate tau_psp`` inhibits by ``V r mv_per_unit``."""
        return self.mv_per_unit * self.tau_psp / (self.tau_syn_I * self.resistance)

    def bias_current(self, bias: np.ndarray) -> np.ndarray:
        """``i_offset`` (nA) putting a neuron with potential 0 at threshold, plus the bias."""
        gap = self.v_thresh - self.v_rest
        return (gap + np.asarray(bias) * self.mv_per_unit) / self.resistance

    def to_dict(self) -> dict:
        return asdict(self)


class CodingNetwork:
    """Build, parameterise and run the network on a PyNN backend ``sim``."""

    def __init__(self, n_x: int, n_z: int, config: PyNNNetworkConfig | None = None):
        self.n_x, self.n_z = int(n_x), int(n_z)
        self.config = config or PyNNNetworkConfig()
        if self.config.copies < 1:
            raise DendriticBalanceError(f"copies must be >= 1, got {self.config.copies}")
        self.sim: ModuleType | None = None
        self.last_start_ms = 0.0

    # -- construction ------------------------------------------------------------------------
    def _block_lists(self, pre_size: int, post_size: int, skip_diagonal: bool):
        c = self.config.copies
        pre = np.arange(pre_size)
        post = np.arange(post_size)
        P, Q = np.meshgrid(pre, post, indexing="ij")
        if skip_diagonal:
            keep = P != Q
            P, Q = P[keep], Q[keep]
        P, Q = P.ravel(), Q.ravel()
        offs_pre = (np.arange(c)[:, None] * pre_size + P[None]).ravel()
        offs_post = (np.arange(c)[:, None] * post_size + Q[None]).ravel()
        return offs_pre, offs_post

    def build(self, sim: ModuleType) -> None:
        """Create populations, projections and recording (call once)."""
        cfg, c = self.config, self.config.copies
        self.sim = sim
        sim.setup(timestep=cfg.timestep)
        cell = sim.IF_curr_exp(tau_m=cfg.tau_m, cm=cfg.cm, tau_syn_E=cfg.tau_syn_E,
                               tau_syn_I=cfg.tau_syn_I, v_rest=cfg.v_rest, v_reset=cfg.v_rest,
                               v_thresh=cfg.v_thresh, tau_refrac=cfg.tau_refrac, i_offset=0.0)
        self.inputs = sim.Population(c * self.n_x, sim.SpikeSourceArray(spike_times=[]),
                                     label="dendritic_balance_inputs")
        self.coding = sim.Population(c * self.n_z, cell, label="dendritic_balance_coding")
        self.noise_exc = sim.Population(c * self.n_z, sim.SpikeSourceArray(spike_times=[]),
                                        label="dendritic_balance_noise_exc")
        self.noise_inh = sim.Population(c * self.n_z, sim.SpikeSourceArray(spike_times=[]),
                                        label="dendritic_balance_noise_inh")
        d = cfg.base_delay_ms
        pre, post = self._block_lists(self.n_x, self.n_z, skip_diagonal=False)
        self._ff_index = (pre, post)
        self.feedforward = sim.Projection(
            self.inputs, self.coding,
            sim.FromListConnector([(int(a), int(b), 0.0, d) for a, b in zip(pre, post)],
                                  column_names=["weight", "delay"]),
            sim.StaticSynapse(), receptor_type="excitatory", label="input_weights_F")
        pre, post = self._block_lists(self.n_z, self.n_z, skip_diagonal=True)
        self._lat_index = (pre, post)
        self.lateral = sim.Projection(
            self.coding, self.coding,
            sim.FromListConnector([(int(a), int(b), 0.0, d + cfg.extra_delay_ms)
                                   for a, b in zip(pre, post)], column_names=["weight", "delay"]),
            sim.StaticSynapse(), receptor_type="inhibitory", label="lateral_inhibition")
        self.noise_projections = [
            sim.Projection(self.noise_exc, self.coding, sim.OneToOneConnector(),
                           sim.StaticSynapse(weight=cfg.noise_weight, delay=d),
                           receptor_type="excitatory", label="noise_exc"),
            sim.Projection(self.noise_inh, self.coding, sim.OneToOneConnector(),
                           sim.StaticSynapse(weight=-cfg.noise_weight, delay=d),
                           receptor_type="inhibitory", label="noise_inh")]
        self.coding.record("spikes")
        for pop in (self.inputs, self.coding, self.noise_exc, self.noise_inh):
            _plain_int_ids(pop)

    # -- parameters --------------------------------------------------------------------------
    def _block_array(self, blocks: np.ndarray, index, pre_size: int, post_size: int) -> np.ndarray:
        c = self.config.copies
        full = np.full((c * pre_size, c * post_size), np.nan)
        pre, post = index
        full[pre, post] = blocks[pre % pre_size, post % post_size]
        return full

    def _mean_block(self, full: np.ndarray, index, pre_size: int, post_size: int) -> np.ndarray:
        pre, post = index
        acc = np.zeros((pre_size, post_size))
        cnt = np.zeros((pre_size, post_size))
        np.add.at(acc, (pre % pre_size, post % post_size), np.nan_to_num(full[pre, post]))
        np.add.at(cnt, (pre % pre_size, post % post_size), 1.0)
        return acc / np.maximum(cnt, 1)

    def write(self, F: np.ndarray, lateral: np.ndarray, bias: np.ndarray) -> dict[str, np.ndarray]:
        """Write ``F`` [n_z, n_x] (>= 0), lateral inhibition [n_z, n_z] (>= 0 off-diagonal; the
        diagonal is the reset) and ``bias`` [n_z] (model units). Returns what was realised, in
        model units, averaged over copies: ``F``, ``lateral`` (zero diagonal), ``bias``."""
        cfg = self.config
        s_ff, s_lat = cfg.input_weight_scale(), cfg.inhibition_weight_scale()
        w_ff = np.maximum(np.asarray(F, float), 0.0).T * s_ff               # [n_x, n_z]
        w_lat = np.maximum(np.asarray(lateral, float), 0.0).T * s_lat        # [pre k, post i]
        write_weights(self.sim, self.feedforward,
                      self._block_array(w_ff, self._ff_index, self.n_x, self.n_z))
        # PyNN convention: current-based inhibitory weights are negative
        write_weights(self.sim, self.lateral,
                      -self._block_array(w_lat, self._lat_index, self.n_z, self.n_z))
        self.coding.set(i_offset=np.tile(cfg.bias_current(bias), cfg.copies))
        got_ff = self.feedforward.get("weight", format="array")
        got_lat = np.abs(self.lateral.get("weight", format="array"))
        lat = self._mean_block(got_lat, self._lat_index, self.n_z, self.n_z).T / s_lat
        np.fill_diagonal(lat, 0.0)
        return {"F": self._mean_block(got_ff, self._ff_index, self.n_x, self.n_z).T / s_ff,
                "lateral": lat, "bias": np.asarray(bias, float).copy()}

    # -- running -----------------------------------------------------------------------------
    def run(self, x: np.ndarray, noise_scale: float, rng: np.random.Generator):
        """Present ``x`` [copies, presentations, n_x] (one image per copy and presentation).

        Inputs are Poisson trains at ``max_input_rate * x``; the noise sources fire at
        ``noise_rate_max * noise_scale``. The simulation continues from the current time
        (``last_start_ms``). Returns the coding population's neo Block (absolute times).
        """
        cfg, c = self.config, self.config.copies
        x = np.asarray(x, float)
        if x.ndim != 3 or x.shape[0] != c or x.shape[2] != self.n_x:
            raise DendriticBalanceError(
                f"inputs must have shape (copies={c}, presentations, n_x={self.n_x}); got {x.shape}")
        sim = self.sim
        # time runs on (NEST has no full reset()); this run covers [t0, t0 + duration)
        t0 = float(np.round(sim.get_current_time(), 6))
        self.last_start_ms = t0
        T = cfg.presentation_ms
        n_pres = x.shape[1]
        duration = n_pres * T
        rates = (x * cfg.max_input_rate).transpose(0, 2, 1).reshape(c * self.n_x, n_pres)
        # a spike source cannot emit within min_delay of the present (pyNN.nest plays spikes
        # through parrot neurons and shifts them by min_delay)
        first = int(np.ceil(sim.get_min_delay() / cfg.timestep - 1e-9)) + 1
        self.inputs.set(spike_times=_poisson_trains(rates, T, cfg.timestep, rng, t0, first))
        noise = np.full((c * self.n_z, 1), cfg.noise_rate_max * noise_scale)
        for pop in (self.noise_exc, self.noise_inh):
            pop.set(spike_times=_poisson_trains(noise, duration, cfg.timestep, rng, t0, first))
        sim.run(duration)
        return self.coding.get_data("spikes", clear=True)


def _plain_int_ids(population) -> None:
    """Store a population's first/last cell id as plain ``int``.

    PyNN's ``id_to_index`` compares these ids with numpy arrays; for PyNN ``ID`` objects numpy
    then probes attributes that ``ID.__getattr__`` answers by querying the simulator for cell
    parameters, which made every ``Projection.set`` several times slower. Plain ints have the
    same value and avoid the queries.
    """
    for name in ("first_id", "last_id"):
        value = getattr(population, name, None)
        if value is not None:
            setattr(population, name, int(value))


def _poisson_trains(rates_hz: np.ndarray, segment_ms: float, resolution: float,
                    rng: np.random.Generator, t0: float = 0.0, first_step: int = 1) -> list:
    """Piecewise-constant Poisson spike trains, one per row of ``rates_hz`` [n, segments].

    Times lie on the simulation grid in ``t0 + [first_step * resolution, segments * segment_ms)``,
    at most one spike per grid step (so that every source can play them back); returns a list of ``Sequence``.
    """
    from pyNN.parameters import Sequence

    n, n_seg = rates_hz.shape
    steps = int(round(segment_ms / resolution))
    p = np.repeat(rates_hz, steps, axis=1) * resolution / 1000.0      # spike prob per step
    hits = rng.random(p.shape) < p
    hits[:, :first_step] = False
    out = []
    for row in hits:
        times = t0 + np.flatnonzero(row) * resolution
        out.append(Sequence(np.round(times, 6)))
    return out
