"""The STDP window of the Eq. 1 rule measured on simulated LIF neurons (any PyNN backend).

Same measurement as the reference simulation of Bengio et al. (2015, arXiv:1509.05936), but the
postsynaptic activity comes from a leaky integrate-and-fire neuron simulated by a PyNN backend
(NEST or the emulated chip): the neuron is driven by a slowly varying random current, its membrane
potential ``v`` is recorded and used as the integrated activity ``s``, and its spikes are read back
through neo. Presynaptic spike trains are independent Poisson processes (as in the paper, the pre
side is not causally coupled to the post side), so the window measures only how the postsynaptic
spike timing relates to the slope of its own membrane potential.

Which membrane is ``s``: in the paper ``s`` is the integrated input and spikes are sampled from
``ρ(s)`` without acting back on ``s``. A LIF neuron resets ``v`` after each spike, and the recovery
from the reset makes ``dv/dt`` large and positive right *after* every postsynaptic spike, which
would mask the post-before-pre depression. By default (``membrane="free"``) the measurement
therefore simulates two LIF neurons with the same input current: one spikes, the other has its
threshold out of reach and records the free membrane potential -- the ``s`` of the paper. The
emulated chip records membrane potentials on few ADC channels, so only this one neuron's ``v`` is
recorded. ``membrane="spiking"`` records the spiking neuron's own ``v`` instead (reset included)
to show the effect of the reset.

Units: times in ms, potentials in mV, currents in nA, the Eq. 1 update in mV/ms per presynaptic
spike, STDP updates dimensionless.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from types import ModuleType
import numpy as np

from neurohw.networks.predictive_stdp.reference import slow_activity
from neurohw.networks.predictive_stdp.rules import (
    PredictiveStdpError,
    StdpWindow,
    derivative,
    eq1_updates,
    nearest_post_pairing,
    stdp_updates,
)
from neurohw.networks.predictive_stdp.window import (
    BinnedWindow,
    bin_window,
    pearson_r,
    sign_at,
    window_shape_report,
)
from neurohw.spikes import spike_time_arrays

__all__ = ["NeuronWindowConfig", "NeuronWindowResult", "drive_current", "simulate_lif",
           "measure_window", "seeded_setup"]

#: Name of each backend's ``setup()`` keyword that seeds its random sources (Poisson noise).
SETUP_SEED_KEYWORD: dict[str, str] = {"nest": "rng_seed", "emulator": "seed"}

#: LIF parameters (PyNN ``IF_curr_exp`` names and units) of the postsynaptic neuron.
DEFAULT_CELL: dict[str, float] = {
    "cm": 0.25, "tau_m": 10.0, "v_rest": -65.0, "v_reset": -60.0, "v_thresh": -55.0,
    "tau_refrac": 2.0, "tau_syn_E": 5.0, "tau_syn_I": 5.0, "i_offset": 0.0,
}


@dataclass(frozen=True)
class NeuronWindowConfig:
    """Settings of the LIF measurement; the defaults reproduce the README numbers.

    ``duration`` (ms) of simulated biological time; ``timestep`` (ms) of the simulator;
    the input current is a smooth random process (two low-pass stages of ``input_tau`` ms) with
    mean ``input_mean`` and standard deviation ``input_std`` (nA), stepped every ``input_step`` ms;
    ``grid`` (ms) is the step of the analysis grid (the paper's "time step"; the STDP window of
    ``stdp.window`` steps is ``stdp.window·grid`` ms); the membrane derivative is a central
    difference over ``±derivative_half_width`` ms; ``n_pre`` independent Poisson trains of
    ``pre_rate`` Hz are paired with the postsynaptic spikes. The spiking neuron also receives
    balanced excitatory and inhibitory Poisson noise (``noise_rate`` Hz each, ``noise_weight`` nA)
    so that, as in the paper, its spikes are a stochastic function of the slow activity ``s``
    rather than a deterministic threshold crossing; the free-membrane neuron gets no noise.
    """

    duration: float = 40000.0
    timestep: float = 0.1
    cell: dict = field(default_factory=lambda: dict(DEFAULT_CELL))
    free_v_thresh: float = -40.0
    membrane: str = "free"
    input_mean: float = 0.05
    input_std: float = 0.15
    input_tau: float = 5.0
    input_step: float = 1.0
    grid: float = 2.0
    derivative_half_width: float = 1.0
    n_pre: int = 100
    pre_rate: float = 10.0
    noise_rate: float = 1000.0
    noise_weight: float = 0.15
    stdp: StdpWindow = field(default_factory=StdpWindow)
    seed: int = 3
    setup_kwargs: dict = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.membrane not in ("free", "spiking"):
            raise PredictiveStdpError(f"membrane={self.membrane!r}; use 'free' or 'spiking'")
        if self.duration <= 0 or self.timestep <= 0 or self.grid < self.timestep:
            raise PredictiveStdpError("need duration > 0, timestep > 0 and grid >= timestep (ms)")
        if self.input_step < self.timestep:
            raise PredictiveStdpError("input_step must be >= timestep (ms)")


@dataclass
class NeuronWindowResult:
    """Windows measured from one simulated postsynaptic neuron."""

    backend: str
    config: NeuronWindowConfig
    eq1: BinnedWindow
    stdp: BinnedWindow
    pearson_r: float
    sign_plus5: int
    sign_minus5: int
    shape: dict
    n_post_spikes: int
    post_rate_hz: float
    n_pairs: int
    free_neuron_spikes: int
    annotations: dict

    def summary(self) -> dict:
        return {
            "backend": self.backend,
            "membrane": self.config.membrane,
            "pearson_r_eq1_vs_stdp": self.pearson_r,
            "eq1_sign_at_+5ms": self.sign_plus5,
            "eq1_sign_at_-5ms": self.sign_minus5,
            "stdp_shape": self.shape,
            "post_spikes": self.n_post_spikes,
            "post_rate_hz": self.post_rate_hz,
            "n_paired_pre_spikes": self.n_pairs,
            "free_neuron_spikes": self.free_neuron_spikes,
            "duration_ms": self.config.duration,
            "annotations": self.annotations,
        }


def seeded_setup(backend_name: str, seed: int) -> dict:
    """``setup()`` keywords that seed backend ``backend_name``'s random sources with ``seed``."""
    key = SETUP_SEED_KEYWORD.get(backend_name)
    if key is None:
        raise PredictiveStdpError(f"no known seed keyword for backend {backend_name!r}; known: "
                                  f"{', '.join(SETUP_SEED_KEYWORD)}")
    return {key: int(seed)}


def drive_current(config: NeuronWindowConfig) -> tuple[np.ndarray, np.ndarray]:
    """Times (ms) and amplitudes (nA) of the slowly varying input current, seeded by ``config``."""
    rng = np.random.default_rng([config.seed, 1])
    n = int(np.ceil(config.duration / config.input_step))
    tau_steps = config.input_tau / config.input_step
    amps = slow_activity(rng, 1, n, tau_steps, config.input_mean, config.input_std)[0]
    # the first step starts one simulator step in: PyNN current sources cannot start at t = 0
    times = config.timestep + np.arange(n) * config.input_step
    return times, amps


def simulate_lif(sim: ModuleType, config: NeuronWindowConfig) -> dict:
    """Run the postsynaptic neuron(s) on backend ``sim``; return spikes (ms) and ``v`` (mV).

    Uses only the PyNN API: a one-neuron ``IF_curr_exp`` population "post" (spikes recorded)
    with a ``StepCurrentSource`` and balanced Poisson noise, and for ``membrane="free"`` a second
    one-neuron population "free membrane" with the same current, no noise and its threshold at
    ``free_v_thresh``. ``v`` is recorded from one neuron only ("free membrane", or "post" for
    ``membrane="spiking"``). Returns ``{"post_spikes", "free_spikes", "v", "v_times",
    "annotations"}`` (ms, mV; annotations are the neo Block's scalar annotations).
    """
    sim.setup(timestep=config.timestep, **config.setup_kwargs)
    try:
        free = config.membrane == "free"
        cell = dict(config.cell)
        post = sim.Population(1, sim.IF_curr_exp(**cell), label="post")
        post.initialize(v=cell["v_rest"])
        times, amps = drive_current(config)
        sim.StepCurrentSource(times=times.tolist(), amplitudes=amps.tolist()).inject_into(post)
        post.record("spikes")
        if config.noise_rate > 0 and config.noise_weight > 0:
            noise = sim.Population(2, sim.SpikeSourcePoisson(rate=config.noise_rate),
                                   label="escape noise")
            for k, (receptor, sign) in enumerate((("excitatory", 1.0), ("inhibitory", -1.0))):
                sim.Projection(noise[k:k + 1], post, sim.AllToAllConnector(),
                               sim.StaticSynapse(weight=sign * config.noise_weight,
                                                 delay=config.timestep),
                               receptor_type=receptor, label=f"escape noise {receptor}")
        if free:
            free_cell = dict(cell, v_thresh=config.free_v_thresh)
            shadow = sim.Population(1, sim.IF_curr_exp(**free_cell), label="free membrane")
            shadow.initialize(v=cell["v_rest"])
            sim.StepCurrentSource(times=times.tolist(),
                                  amplitudes=amps.tolist()).inject_into(shadow)
            shadow.record(["spikes", "v"])
        else:
            post.record("v")
        sim.run(config.duration)
        block = post.get_data()
        vblock = shadow.get_data() if free else block
    finally:
        sim.end()
    post_spikes = spike_time_arrays(block)[0]
    free_spikes = spike_time_arrays(vblock)[0] if free else np.zeros(0)
    seg = vblock.segments[0]
    if not seg.analogsignals:
        raise PredictiveStdpError("the backend returned no membrane recording; does it record 'v'?")
    sig = seg.analogsignals[0]
    v = np.asarray(sig.rescale("mV").magnitude)[:, 0]
    v_times = np.asarray(sig.times.rescale("ms").magnitude)
    annotations = {k: v_ for k, v_ in block.annotations.items()
                   if isinstance(v_, (int, float, str, bool)) or v_ is None}
    return {"post_spikes": np.asarray(post_spikes), "free_spikes": np.asarray(free_spikes),
            "v": v, "v_times": v_times, "annotations": annotations}


def _raster(times: np.ndarray, n_steps: int, grid: float) -> np.ndarray:
    idx = np.floor(np.asarray(times, dtype=float) / grid + 1e-9).astype(int)
    out = np.zeros(n_steps, dtype=bool)
    out[idx[(idx >= 0) & (idx < n_steps)]] = True
    return out


def measure_window(sim: ModuleType, config: NeuronWindowConfig = NeuronWindowConfig(),
                   backend_name: str = "") -> NeuronWindowResult:
    """Simulate the neuron on ``sim`` and estimate the Eq. 1 and STDP windows from its recording.

    On the analysis grid (``config.grid`` ms): the post raster comes from the spiking neuron; the
    Eq. 1 update of a presynaptic spike at grid step t is ``dv/dt`` (mV/ms, central difference
    over ``±derivative_half_width`` ms of the recorded ``v``) at t; pairing and the STDP rule
    use the nearest postsynaptic spike within ``±stdp.window`` steps.
    """
    rec = simulate_lif(sim, config)
    v, v_times = rec["v"], rec["v_times"]
    if v.size < 3:
        raise PredictiveStdpError("membrane recording too short to differentiate")
    dt_v = float(np.median(np.diff(v_times)))
    h = max(1, int(round(config.derivative_half_width / dt_v)))
    dv = derivative(v, dt=dt_v, half_width=h)
    n_steps = int(np.floor(config.duration / config.grid))
    grid_t = np.arange(n_steps) * config.grid
    k = np.clip(np.searchsorted(v_times, grid_t - 1e-9), 0, v.size - 1)
    dv_grid = dv[k]
    post = _raster(rec["post_spikes"], n_steps, config.grid)
    rng = np.random.default_rng([config.seed, 2])
    pre = rng.random((config.n_pre, n_steps)) < config.pre_rate * config.grid / 1000.0
    post_b = np.broadcast_to(post, pre.shape)
    delta = nearest_post_pairing(pre, post_b, config.stdp.window)
    paired = delta != 0
    d = delta[paired]
    upd = eq1_updates(pre, np.broadcast_to(dv_grid, pre.shape))[paired]
    w = config.stdp.window
    edges = (np.arange(-w - 0.5, w + 0.5 + 1e-9, 1.0)) * config.grid
    eq1 = bin_window(d * config.grid, upd, edges, unit="ms")
    stdp = bin_window(d * config.grid, stdp_updates(d, config.stdp), edges, unit="ms")
    if np.isfinite(eq1.mean).sum() < 3:
        raise PredictiveStdpError(
            f"only {int(paired.sum())} paired presynaptic spikes ({post.sum()} postsynaptic "
            "spikes); run longer or change the input so the neuron fires")
    return NeuronWindowResult(
        backend=backend_name or getattr(sim, "__name__", "unknown"), config=config, eq1=eq1,
        stdp=stdp, pearson_r=pearson_r(eq1.mean, stdp.mean),
        sign_plus5=sign_at(eq1, 5.0), sign_minus5=sign_at(eq1, -5.0),
        shape=window_shape_report(eq1, probe=5.0),
        n_post_spikes=int(rec["post_spikes"].size),
        post_rate_hz=float(rec["post_spikes"].size / (config.duration / 1000.0)),
        n_pairs=int(paired.sum()), free_neuron_spikes=int(rec["free_spikes"].size),
        annotations=rec["annotations"])

