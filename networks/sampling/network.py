"""A network of sampling neurons, written once with the PyNN API (NEST and the emulated chip).

Structure (built once by :meth:`SamplingNetwork.build`):

* ``neurons``: n ``IF_cond_exp`` sampling neurons (:class:`.neuron.SamplingNeuronConfig`);
* ``noise_exc``, ``noise_inh``: n ``SpikeSourcePoisson`` each, one excitatory and one inhibitory
  source per neuron (one-to-one);
* ``exc``, ``inh``: all-to-all recurrent projections without self-connections, one per sign
  (a synapse row of the chip carries one sign); weights are set per iteration.

Background noise. On NEST each Poisson source is a grid-based ``poisson_generator`` (PyNN's
``spike_precision="on_grid"``) whose draws come from the kernel RNG. :func:`reseed_noise`
re-seeds that RNG before every run (``rng_seed`` may be changed between ``run()`` calls), and
each run starts with a quiet phase that erases the previous run (see
:meth:`SamplingNetwork._forget_previous_run`), so a sampling run is a deterministic function of
its seed. Host-generated noise (``SpikeSourceArray``) would do the same on NEST, but on the chip
the host link carries only a few events per biological ms per chip (bss1), far below the
2 x n x 2 kHz the noise needs (the excess would be dropped, and counted). There
``SpikeSourcePoisson`` maps to the chip's few shared on-chip generators, so neurons sharing a
generator receive correlated noise -- a real effect that in-the-loop training has to
compensate. One source type therefore serves both backends.

Runs are continued (``run()`` again, data read with ``get_data(clear=True)``) rather than
``reset()``: PyNN 0.13 on NEST needs ``setup(t_flush=...)`` for ``reset()`` and creates new
recording devices at every reset. Continued NEST runs stay equally fast because neurohw's NEST
backend switches spike-buffer shrinking off after every ``setup()`` (:mod:`neurohw.backends.nest`;
measured here before: 0.5 s -> 1.5 s per 10 s run after six runs without it).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from types import ModuleType
from typing import Any

import numpy as np

from neurohw.errors import NeurohwError
from neurohw.projection_io import write_weights
from neurohw.spikes import refractory_states

from .activation import ActivationFit, fit_logistic
from .neuron import SamplingNeuronConfig
from .translation import SynapticParameters


class SamplingNetworkError(NeurohwError):
    """A sampling network used before it was built, or with inconsistent settings."""


def _is_nest(sim: ModuleType) -> bool:
    return getattr(sim, "__name__", "") == "pyNN.nest"


def reseed_noise(sim: ModuleType, seed: int) -> bool:
    """Re-seed the backend's background-noise generators; return whether that was possible.

    NEST: sets the kernel's ``rng_seed`` (drives every ``poisson_generator``). A backend module
    that offers ``reseed(seed)`` (e.g. an emulator) is asked to do the same. Otherwise the noise
    continues the stream fixed by ``setup(seed=...)``: still deterministic for one uninterrupted
    run, but a resumed run then sees other noise than an uninterrupted one.
    """
    if callable(getattr(sim, "reseed", None)):
        sim.reseed(int(seed))
        return True
    if _is_nest(sim):
        import nest

        nest.SetKernelStatus({"rng_seed": int(seed) % (2 ** 31 - 1) + 1})
        return True
    return False


def read_synaptic_parameters(exc, inh, neurons) -> SynapticParameters:
    """Read back what the backend realised for a sampling network (on the chip: quantised).

    ``exc``/``inh`` are the recurrent Projections (weights in uS, read as [pre, post] arrays with
    0 where there is no synapse); ``neurons`` is the Population whose ``v_rest`` (mV) is read.
    """
    exc_w = np.nan_to_num(np.asarray(exc.get("weight", format="array"), dtype=float))
    inh_w = np.nan_to_num(np.asarray(inh.get("weight", format="array"), dtype=float))
    v_rest = np.asarray(neurons.get("v_rest", simplify=False), dtype=float).reshape(neurons.size)
    return SynapticParameters(exc_w, inh_w, v_rest)


@dataclass
class SampleRun:
    """One recorded sampling run: the neo Block and the window (ms) the states are read from."""

    block: Any
    t_start: float
    t_stop: float
    reseeded: bool
    annotations: dict = field(default_factory=dict)


class SamplingNetwork:
    """n sampling neurons with recurrent excitatory/inhibitory projections and private noise.

    Parameters
    ----------
    n_units
        number of sampling neurons.
    config
        neuron and noise parameters.
    timestep
        simulation step (ms).
    warmup_ms
        time simulated before each recorded window (ms), so the previous run is forgotten.
    state_dt_ms
        sampling interval of the network state z(t) (ms).
    quiet_ms, quiet_v_rest
        when the backend's noise can be re-seeded, each run starts with ``quiet_ms`` (ms) at
        rest potential ``quiet_v_rest`` (mV, far below threshold) so that it depends on its
        seed only (see :meth:`_forget_previous_run`).
    setup_kwargs
        extra keywords of ``sim.setup()`` (e.g. ``chip_seed``, ``calibration``, ``seed`` on the
        emulator).
    """

    def __init__(self, n_units: int, config: SamplingNeuronConfig | None = None, *,
                 timestep: float = 0.1, warmup_ms: float = 100.0, state_dt_ms: float = 1.0,
                 quiet_ms: float = 300.0, quiet_v_rest: float = -100.0,
                 setup_kwargs: dict | None = None) -> None:
        if n_units < 2:
            raise SamplingNetworkError(f"a sampling network needs n_units >= 2, got {n_units}")
        self.n_units = int(n_units)
        self.config = config or SamplingNeuronConfig()
        self.timestep = float(timestep)
        self.warmup_ms = float(warmup_ms)
        self.state_dt_ms = float(state_dt_ms)
        self.quiet_ms = float(quiet_ms)
        self.quiet_v_rest = float(quiet_v_rest)
        self.setup_kwargs = dict(setup_kwargs or {})
        self.sim: ModuleType | None = None

    # -- construction -----------------------------------------------------------------------
    def build(self, sim: ModuleType) -> None:
        """``sim.setup()`` and create populations, projections and recording (once)."""
        cfg = self.config
        n = self.n_units
        kwargs = dict(self.setup_kwargs)
        if _is_nest(sim):
            # grid-based poisson_generator: it keeps no pending spike between runs, so a
            # re-seeded kernel RNG repeats the noise exactly (poisson_generator_ps does not)
            kwargs.setdefault("spike_precision", "on_grid")
        sim.setup(timestep=self.timestep, **kwargs)
        self.neurons = sim.Population(n, sim.IF_cond_exp(**cfg.cell_parameters()),
                                      label="sampling neurons")
        self.noise_exc = sim.Population(n, sim.SpikeSourcePoisson(rate=cfg.noise_rate),
                                        label="excitatory noise")
        self.noise_inh = sim.Population(n, sim.SpikeSourcePoisson(rate=cfg.noise_rate),
                                        label="inhibitory noise")
        sim.Projection(self.noise_exc, self.neurons, sim.OneToOneConnector(),
                       sim.StaticSynapse(weight=cfg.noise_weight_exc), receptor_type="excitatory",
                       label="noise -> neurons (exc)")
        sim.Projection(self.noise_inh, self.neurons, sim.OneToOneConnector(),
                       sim.StaticSynapse(weight=cfg.noise_weight_inh), receptor_type="inhibitory",
                       label="noise -> neurons (inh)")
        all_to_all = sim.AllToAllConnector(allow_self_connections=False)
        self.exc = sim.Projection(self.neurons, self.neurons, all_to_all,
                                  sim.StaticSynapse(weight=0.0), receptor_type="excitatory",
                                  label="recurrent (exc)")
        self.inh = sim.Projection(self.neurons, self.neurons, all_to_all,
                                  sim.StaticSynapse(weight=0.0), receptor_type="inhibitory",
                                  label="recurrent (inh)")
        self.neurons.record("spikes")
        if _is_nest(sim):
            # pyNN.nest lengthens the first run() by min_delay and starts its Poisson generators
            # at t = 1 ms ("origin"); run past both here so that every sample(), the first one
            # included, draws the same noise for the same seed
            sim.run(2.0)
        self.sim = sim

    def _require_built(self) -> ModuleType:
        if self.sim is None:
            raise SamplingNetworkError("build(sim) the sampling network before using it")
        return self.sim

    # -- parameters -------------------------------------------------------------------------
    def write(self, params: SynapticParameters) -> SynapticParameters:
        """Write weights (uS) and rest potentials (mV); return what the backend realised."""
        self._require_built()
        n = self.n_units
        for name, arr in (("weights_exc", params.weights_exc), ("weights_inh", params.weights_inh)):
            if np.shape(arr) != (n, n) or np.any(np.asarray(arr) < 0):
                raise SamplingNetworkError(f"{name} must be a non-negative {n} x {n} array (uS)")
        write_weights(self.sim, self.exc, np.asarray(params.weights_exc, dtype=float))
        write_weights(self.sim, self.inh, np.asarray(params.weights_inh, dtype=float))
        self.neurons.set(v_rest=np.asarray(params.v_rest, dtype=float))
        return self.read()

    def read(self) -> SynapticParameters:
        """The realised weights (uS, [pre, post], 0 where no synapse) and rest potentials (mV)."""
        self._require_built()
        return read_synaptic_parameters(self.exc, self.inh, self.neurons)

    # -- running ----------------------------------------------------------------------------
    def sample(self, duration_ms: float, seed: int) -> SampleRun:
        """Re-seed the noise, simulate warm-up + ``duration_ms`` and return the recorded run."""
        sim = self._require_built()
        reseeded = reseed_noise(sim, seed)
        if reseeded and self.quiet_ms > 0:
            self._forget_previous_run(sim)
        t0 = float(sim.get_current_time()) + self.warmup_ms
        sim.run(self.warmup_ms + float(duration_ms))
        block = self.neurons.get_data("spikes", clear=True)
        annotations = dict(block.segments[0].annotations) if block.segments else {}
        return SampleRun(block, t0, t0 + float(duration_ms), reseeded, annotations)

    def _forget_previous_run(self, sim: ModuleType) -> None:
        """Hold the neurons silent for ``quiet_ms`` so no trace of the previous run remains.

        With the rest potential far below threshold no neuron fires; refractory periods end,
        recurrent conductances decay (tau_syn = 10 ms: e^-30 after 300 ms) and the membrane
        follows the (re-seeded, hence identical) noise, so the run that follows depends on its
        seed only -- a resumed training run samples the same states as an uninterrupted one.
        """
        v_rest = np.asarray(self.neurons.get("v_rest", simplify=False), dtype=float)
        self.neurons.set(v_rest=self.quiet_v_rest)
        sim.run(self.quiet_ms)
        self.neurons.set(v_rest=v_rest)

    def states(self, run: SampleRun) -> np.ndarray:
        """Sampled states z(t) (uint8, (n_samples, n)) of a run: z_k = 1 while refractory."""
        return refractory_states(run.block, self.config.tau_refrac, self.state_dt_ms,
                                 t_start=run.t_start, t_stop=run.t_stop)

    def measure_activation(self, v_rest_grid: np.ndarray, duration_ms: float, seed: int,
                           p_min: float = 0.02) -> ActivationFit:
        """Measure p(z=1) of every neuron, unconnected, at each row of ``v_rest_grid`` and fit.

        ``v_rest_grid``: (k,) or (k, n) rest potentials (mV). Recurrent weights are set to zero
        for the sweep (call :meth:`write` afterwards). Run r uses seed ``seed + r``.
        """
        n = self.n_units
        grid = np.asarray(v_rest_grid, dtype=float)
        if grid.ndim == 1:
            grid = np.repeat(grid[:, None], n, axis=1)
        if grid.ndim != 2 or grid.shape[1] != n or grid.shape[0] < 2:
            raise SamplingNetworkError(f"v_rest_grid must be (k >= 2,) or (k, {n}), got "
                                       f"{np.shape(v_rest_grid)}")
        zeros = np.zeros((n, n))
        p_on = np.empty_like(grid)
        for row, v_rest in enumerate(grid):
            self.write(SynapticParameters(zeros, zeros, v_rest))
            p_on[row] = self.states(self.sample(duration_ms, seed + row)).mean(axis=0)
        return fit_logistic(grid, p_on, n_eff=duration_ms / self.config.tau_refrac, p_min=p_min)


def calibrate_activation(network: SamplingNetwork, duration_ms: float, seed: int,
                         n_points: int = 9, max_shifts: int = 4) -> ActivationFit:
    """Measure every neuron's activation function in two passes, robust to large offsets.

    Pass 1 sweeps the theory-based :func:`default_activation_grid` for ``duration_ms / 2``;
    a neuron with fewer than three usable points (see :func:`.activation.fit_logistic`) has its
    grid shifted by half the sweep's span towards p = 1/2, up to ``max_shifts`` times -- on an
    uncalibrated chip fixed-pattern offsets move v_half by tens of mV. Pass 2 sweeps ``n_points`` rest potentials
    per neuron over v_half +- 3 alpha of the pass-1 fit for ``duration_ms`` and gives the fit.
    Seeds: pass 1 uses ``seed``, ``seed + 1000``, ...; pass 2 ``seed + 10000``.
    """
    n = network.n_units
    base = default_activation_grid(network.config, n_points)
    span = base[-1] - base[0]
    offset = np.zeros(n)
    zeros = np.zeros((n, n))
    for attempt in range(max_shifts + 1):
        grid = base[:, None] + offset[None, :]
        p_on = np.empty_like(grid)
        for row, v_rest in enumerate(grid):
            network.write(SynapticParameters(zeros, zeros, v_rest))
            run = network.sample(duration_ms / 2, seed + 1000 * attempt + row)
            p_on[row] = network.states(run).mean(axis=0)
        usable = (p_on >= 0.02) & (p_on <= 0.98) & (p_on <= 0.9 * p_on.max(axis=0))
        lacking = usable.sum(axis=0) < 3
        if not lacking.any():
            break
        direction = np.where(p_on.mean(axis=0) > 0.5, -1.0, 1.0)
        offset += lacking * direction * span / 2
    rough = fit_logistic(grid, p_on, n_eff=duration_ms / 2 / network.config.tau_refrac)
    # the second sweep stays within half a span of what the first one explored
    alpha = np.minimum(rough.alpha, span / 6)
    fine = rough.v_half[None, :] + alpha[None, :] * np.linspace(-3, 3, n_points)[:, None]
    fine = np.clip(fine, grid[0] - span / 2, grid[-1] + span / 2)
    return network.measure_activation(fine, duration_ms, seed + 10000)


def default_activation_grid(config: SamplingNeuronConfig, n_points: int = 9,
                            span_sd: float = 2.0) -> np.ndarray:
    """Rest potentials (mV) for the activation sweep, from the free-membrane theory.

    Centred on the v_rest that puts the mean free potential at threshold, spanning
    +-``span_sd`` standard deviations of the free potential (converted to rest-potential units
    by g_tot / g_l).
    """
    centre = float(config.v_rest_for_mean(config.v_thresh))
    half = span_sd * config.free_potential_std() * config.g_total / config.g_leak
    return np.linspace(centre - half, centre + half, n_points)
