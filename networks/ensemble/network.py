"""An ensemble of sampling networks in one PyNN population (NEST and the emulated chip).

Structure (built once by :meth:`EnsembleNetwork.build`):

* ``neurons``: ``n_networks * n_units`` ``IF_cond_exp`` sampling neurons; network ``m`` is the
  block ``m * n_units .. (m + 1) * n_units - 1``;
* ``exc``, ``inh``: the recurrent Boltzmann connections, all ordered pairs inside each network,
  one projection per sign (a synapse row of the chip carries one sign); weights are written per
  iteration;
* background ``"ensemble"``: ``background_exc``/``background_inh``, fixed sparse random
  connections from the other networks, and ``kick``, a ``SpikeSourceArray`` with one spike per
  neuron during the first ~60 ms that starts the activity (Dold et al. 2019). Nothing random runs;
* background ``"poisson"`` (baseline): ``noise_exc``/``noise_inh``, one private
  ``SpikeSourcePoisson`` of each sign per neuron, exactly as in
  :class:`neurohw.networks.sampling.network.SamplingNetwork`.

Runs are continued (``run()`` again, spikes read with ``get_data(clear=True)``), not ``reset()``:
PyNN 0.13 on NEST refuses a full reset, and the ensemble's self-sustained activity carries over
from one window to the next. Given its parameters and history the ensemble is a deterministic
dynamical system: the same sequence of calls gives the same spikes.
"""

from __future__ import annotations

from types import ModuleType

import numpy as np

from neurohw.errors import NeurohwError
from neurohw.networks.sampling.activation import (
    ActivationFit,
    ActivationFitError,
    fit_logistic,
)
from neurohw.networks.sampling.network import SampleRun, read_synaptic_parameters, reseed_noise
from neurohw.networks.sampling.translation import SynapticParameters
from neurohw.spikes import refractory_states

from .config import EnsembleConfig
from neurohw.projection_io import write_weights
from .wiring import (
    background_pairs,
    disjoint_background_pairs,
    kick_times,
    mixed_background_pairs,
    recurrent_pairs,
)


class EnsembleNetworkError(NeurohwError):
    """An ensemble network used before it was built, or given parameters of the wrong shape."""


def _pairs(pre: np.ndarray, post: np.ndarray) -> np.ndarray:
    return np.column_stack((pre, post)).astype(int)


class EnsembleNetwork:
    """``n_networks`` sampling networks whose background is each other (or Poisson noise).

    Parameters
    ----------
    config
        sizes, wiring, timing, neuron parameters and the kind of background.
    setup_kwargs
        extra keywords of ``sim.setup()`` (e.g. ``chip_seed``, ``seed``, ``ideal`` on the emulator).
    """

    def __init__(self, config: EnsembleConfig | None = None, *,
                 setup_kwargs: dict | None = None) -> None:
        self.config = config or EnsembleConfig()
        self.setup_kwargs = dict(setup_kwargs or {})
        self.sim: ModuleType | None = None
        rng = np.random.default_rng(self.config.wiring_seed)
        cfg = self.config
        self.recurrent = recurrent_pairs(cfg.n_networks, cfg.n_units)
        if cfg.wiring == "disjoint" and cfg.background == "ensemble":
            self.background_exc, self.background_inh = disjoint_background_pairs(
                cfg.n_networks, cfg.n_units, cfg.in_degree_exc, cfg.in_degree_inh, rng)
        elif cfg.wiring == "mixed" and cfg.background == "ensemble":
            self.background_exc, self.background_inh = mixed_background_pairs(
                cfg.n_networks, cfg.n_units, cfg.in_degree_exc, cfg.in_degree_inh, rng)
        else:
            self.background_exc = background_pairs(cfg.n_networks, cfg.n_units,
                                                   cfg.in_degree_exc, rng)
            self.background_inh = background_pairs(cfg.n_networks, cfg.n_units,
                                                   cfg.in_degree_inh, rng)
        self.kick_times_ms = kick_times(cfg.n_neurons, cfg.kick_start_ms, cfg.kick_stop_ms, rng)
        #: neurons whose activation could not be fitted in the last measure_activation()
        self.unfitted_neurons: list[int] = []

    @property
    def n_neurons(self) -> int:
        """Number of sampling neurons."""
        return self.config.n_neurons

    @property
    def built(self) -> bool:
        """Whether :meth:`build` has run."""
        return self.sim is not None

    # -- construction -----------------------------------------------------------------------
    def build(self, sim: ModuleType) -> None:
        """``sim.setup()`` and create populations, projections and recording (once)."""
        cfg = self.config
        ncfg = cfg.neuron
        n = cfg.n_neurons
        sim.setup(timestep=cfg.timestep, **self.setup_kwargs)
        self.neurons = sim.Population(n, sim.IF_cond_exp(**ncfg.cell_parameters()),
                                      label="ensemble neurons")
        self.sources: list = []
        recurrent = _pairs(*self.recurrent)
        self.exc = sim.Projection(self.neurons, self.neurons, sim.FromListConnector(recurrent),
                                  sim.StaticSynapse(weight=0.0), receptor_type="excitatory",
                                  label="recurrent (exc)")
        self.inh = sim.Projection(self.neurons, self.neurons, sim.FromListConnector(recurrent),
                                  sim.StaticSynapse(weight=0.0), receptor_type="inhibitory",
                                  label="recurrent (inh)")
        if cfg.background == "ensemble":
            self._build_ensemble_background(sim)
        else:
            self._build_poisson_background(sim)
        self.neurons.record("spikes")
        self.sim = sim

    def _build_ensemble_background(self, sim: ModuleType) -> None:
        cfg = self.config
        for attr, pairs, weight, receptor in (
                ("bg_exc", self.background_exc, cfg.background_weight_exc, "excitatory"),
                ("bg_inh", self.background_inh, cfg.background_weight_inh, "inhibitory")):
            if pairs[0].size:
                setattr(self, attr, sim.Projection(
                    self.neurons, self.neurons, sim.FromListConnector(_pairs(*pairs)),
                    sim.StaticSynapse(weight=weight), receptor_type=receptor,
                    label=f"ensemble background ({receptor[:3]})"))
        self.kick = sim.Population(cfg.n_neurons, sim.SpikeSourceArray(
            spike_times=[[float(t)] for t in self.kick_times_ms]), label="start-up kick")
        sim.Projection(self.kick, self.neurons, sim.OneToOneConnector(),
                       sim.StaticSynapse(weight=cfg.kick_weight), receptor_type="excitatory",
                       label="kick -> neurons")
        self.sources = [self.kick]

    def _build_poisson_background(self, sim: ModuleType) -> None:
        ncfg = self.config.neuron
        n = self.config.n_neurons
        self.noise_exc = sim.Population(n, sim.SpikeSourcePoisson(rate=ncfg.noise_rate),
                                        label="excitatory noise")
        self.noise_inh = sim.Population(n, sim.SpikeSourcePoisson(rate=ncfg.noise_rate),
                                        label="inhibitory noise")
        for pop, weight, receptor in ((self.noise_exc, ncfg.noise_weight_exc, "excitatory"),
                                      (self.noise_inh, ncfg.noise_weight_inh, "inhibitory")):
            sim.Projection(pop, self.neurons, sim.OneToOneConnector(),
                           sim.StaticSynapse(weight=weight), receptor_type=receptor,
                           label=f"noise -> neurons ({receptor[:3]})")
        self.sources = [self.noise_exc, self.noise_inh]

    def _require_built(self) -> ModuleType:
        if self.sim is None:
            raise EnsembleNetworkError("build(sim) the ensemble network before using it")
        return self.sim

    # -- parameters -------------------------------------------------------------------------
    def write(self, params: SynapticParameters) -> SynapticParameters:
        """Write recurrent weights (uS, (n, n) [pre, post]; entries across networks are ignored)
        and rest potentials (mV, (n,)); return what the backend realised."""
        self._require_built()
        n = self.n_neurons
        for name, arr in (("weights_exc", params.weights_exc), ("weights_inh", params.weights_inh)):
            if np.shape(arr) != (n, n) or np.any(np.asarray(arr) < 0):
                raise EnsembleNetworkError(f"{name} must be a non-negative {n} x {n} array (uS)")
        if np.shape(params.v_rest) != (n,):
            raise EnsembleNetworkError(f"v_rest must have shape ({n},), got "
                                       f"{np.shape(params.v_rest)}")
        write_weights(self.sim, self.exc, params.weights_exc)
        write_weights(self.sim, self.inh, params.weights_inh)
        self.neurons.set(v_rest=np.asarray(params.v_rest, dtype=float))
        return self.read()

    def read(self) -> SynapticParameters:
        """Realised recurrent weights (uS, [pre, post], 0 where no synapse) and rest potentials."""
        self._require_built()
        return read_synaptic_parameters(self.exc, self.inh, self.neurons)

    # -- running ----------------------------------------------------------------------------
    def sample(self, duration_ms: float, seed: int | None = None) -> SampleRun:
        """Simulate warm-up + ``duration_ms`` (ms) and return the recorded run.

        ``seed`` re-seeds the Poisson noise of the baseline; the ensemble has nothing to seed and
        ignores it.
        """
        sim = self._require_built()
        reseeded = False
        if self.config.background == "poisson" and seed is not None:
            reseeded = reseed_noise(sim, seed)
        t0 = float(sim.get_current_time()) + self.config.warmup_ms
        sim.run(self.config.warmup_ms + float(duration_ms))
        block = self.neurons.get_data("spikes", clear=True)
        annotations = dict(block.segments[0].annotations) if block.segments else {}
        return SampleRun(block, t0, t0 + float(duration_ms), reseeded, annotations)

    def states(self, run: SampleRun) -> np.ndarray:
        """Sampled states z(t) (uint8, (n_samples, n_neurons)): z_k = 1 while refractory."""
        return refractory_states(run.block, self.config.neuron.tau_refrac,
                                 self.config.state_dt_ms, t_start=run.t_start, t_stop=run.t_stop)

    def measure_activation(self, v_rest_grid: np.ndarray, duration_ms: float, seed: int,
                           p_min: float = 0.02, refine_points: int = 4,
                           max_unfitted_fraction: float = 0.05) -> ActivationFit:
        """Fit every neuron's logistic activation p(z=1) vs v_rest, recurrent weights off.

        ``v_rest_grid``: (k,) rest potentials (mV) applied to all neurons, or (k, n) one per
        neuron and run (see :func:`balanced_grid`); one run of ``duration_ms`` per row (run r
        re-seeds the Poisson noise with ``seed + r``). Call :meth:`write` afterwards.

        With ``refine_points > 0``, neurons that switch between two grid points too steeply for
        the fit (fewer than two usable points -- e.g. outlier circuits of an uncalibrated chip)
        get ``refine_points`` extra runs inside their switching interval (the other neurons
        repeat grid levels meanwhile, which only adds data); all points are then fitted together.
        Neurons that still do not respond (stuck on or off over the whole sweep), at most
        ``max_unfitted_fraction`` of them, get the median v_half and alpha of the others and are
        listed in :attr:`unfitted_neurons` (reported by the study); more raise the fit error.
        """
        n = self.n_neurons
        grid = np.asarray(v_rest_grid, dtype=float)
        if grid.ndim == 1:
            grid = np.repeat(grid[:, None], n, axis=1)
        if grid.ndim != 2 or grid.shape[1] != n or grid.shape[0] < 2:
            raise EnsembleNetworkError(f"v_rest_grid must be (k >= 2,) or (k, {n}), got "
                                       f"{np.shape(v_rest_grid)}")
        n_eff = duration_ms / self.config.neuron.tau_refrac
        self.unfitted_neurons = []
        p_on = self._sweep(grid, duration_ms, seed)
        try:
            return fit_logistic(grid, p_on, n_eff=n_eff, p_min=p_min)
        except ActivationFitError:
            if refine_points <= 0:
                raise
        fine = refinement_grid(grid, p_on, refine_points, p_min)
        p_fine = self._sweep(fine, duration_ms, seed + grid.shape[0])
        grid, p_on = np.vstack([grid, fine]), np.vstack([p_on, p_fine])
        bad = _unfittable(p_on, p_min)
        if bad.sum() > max_unfitted_fraction * n:
            return fit_logistic(grid, p_on, n_eff=n_eff, p_min=p_min)   # raises, names them
        good = fit_logistic(grid[:, ~bad], p_on[:, ~bad], n_eff=n_eff, p_min=p_min)
        v_half = np.full(n, np.median(good.v_half))
        alpha = np.full(n, np.median(good.alpha))
        v_half[~bad], alpha[~bad] = good.v_half, good.alpha
        self.unfitted_neurons = np.flatnonzero(bad).tolist()
        return ActivationFit(v_half, alpha, grid, p_on)

    def _sweep(self, grid: np.ndarray, duration_ms: float, seed: int) -> np.ndarray:
        """p(z=1) (k, n) of every neuron for each row of rest potentials (mV), weights off."""
        n = self.n_neurons
        zeros = np.zeros((n, n))
        p_on = np.empty_like(grid)
        for row, v_rest in enumerate(grid):
            self.write(SynapticParameters(zeros, zeros, v_rest))
            p_on[row] = self.states(self.sample(duration_ms, seed + row)).mean(axis=0)
        return p_on

    def host_input_events(self) -> int:
        """Spike events the host sends into the network (the start-up kick; Poisson sources run
        on the chip's generators or in the simulator and are not host events here)."""
        if self.config.background == "ensemble":
            return int(self.kick_times_ms.size)
        return 0


def balanced_grid(levels: np.ndarray, n_neurons: int) -> np.ndarray:
    """A (k, n) activation sweep in which every run uses every level equally often.

    Neuron i gets ``levels[(r + i) % k]`` (mV) in run r. Every run then applies the same mix of
    rest potentials to the ensemble as a whole, so the background the ensemble makes for itself
    stays at one operating point while each neuron walks through all levels: the activation
    functions are measured in situ, with the noise the neurons will actually receive.
    """
    levels = np.asarray(levels, dtype=float)
    k = levels.size
    return levels[(np.arange(k)[:, None] + np.arange(n_neurons)[None, :]) % k]


def _unfittable(p_on: np.ndarray, p_min: float, ceiling_fraction: float = 0.9) -> np.ndarray:
    """(n,) bool: fewer than two points usable by :func:`fit_logistic` (same criteria)."""
    usable = ((p_on >= p_min) & (p_on <= 1 - p_min)
              & (p_on <= ceiling_fraction * p_on.max(axis=0)))
    return usable.sum(axis=0) < 2


def refinement_grid(grid: np.ndarray, p_on: np.ndarray, n_points: int,
                    p_min: float = 0.02) -> np.ndarray:
    """Extra sweep rows (n_points, n) for neurons whose measured p(z=1) jumps between two levels.

    ``grid`` (k, n) rest potentials (mV) sorted ascending per neuron, ``p_on`` (k, n) measured.
    A neuron with fewer than two points in [p_min, 1 - p_min] gets ``n_points`` levels evenly
    inside the interval where its p first reaches half of its maximum; every other neuron gets
    levels of its own grid again (rows 0, 1, ... cyclically).
    """
    grid = np.asarray(grid, dtype=float)
    p_on = np.asarray(p_on, dtype=float)
    k, n = grid.shape
    steep = _unfittable(p_on, p_min)
    upper = np.argmax(p_on >= 0.5 * p_on.max(axis=0), axis=0).clip(1, k - 1)   # (n,)
    cols = np.arange(n)
    lo, hi = grid[upper - 1, cols], grid[upper, cols]
    frac = (np.arange(n_points) + 1.0) / (n_points + 1.0)
    fine = lo[None, :] + frac[:, None] * (hi - lo)[None, :]
    repeat = grid[np.arange(n_points) % k]
    return np.where(steep[None, :], fine, repeat)
