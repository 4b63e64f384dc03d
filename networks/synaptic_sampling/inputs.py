"""Gaussian-tuned input populations driven by a mixture of hidden causes.

Experiment (a) of Kappel et al. 2015 (PLoS Comput Biol 11:e1004485): a WTA circuit learns a
mixture of input patterns. Here every hidden cause (mixture component) ``k`` is a point in a space
of ``n_features`` circular features (angles in degrees); input population ``p`` looks at feature
``p`` with neurons whose preferred angles tile the circle and whose rates are wrapped-Gaussian tuned:

``rate_i(s) = r_bg + (r_max - r_bg) * exp(-d(s, pref_i)^2 / (2 sigma_tune^2))``  (Hz)

with ``d`` the circular distance in degrees. Each presentation (``window_ms`` long) draws a cause
uniformly, jitters its features by ``jitter_deg`` (Gaussian) and emits Poisson spikes. With the
default causes each population alone identifies the cause, so after the connections of one
population are removed (lesion b) the circuit still gets half its evidence: what drops is the drive
(and with it the WTA's responses), and recovery needs the lost connections to grow back.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from neurohw.errors import NeurohwError


class InputConfigError(NeurohwError, ValueError):
    """An input configuration that cannot generate spikes."""


def _default_causes() -> np.ndarray:
    return np.array([[45.0, 135.0], [135.0, 315.0], [225.0, 45.0], [315.0, 225.0]])


@dataclass(frozen=True)
class MixtureInputs:
    """A mixture of hidden causes seen through Gaussian-tuned input populations.

    Attributes
    ----------
    causes
        (n_causes, n_features) feature angles of each cause, degrees.
    neurons_per_population
        input neurons per feature (population ``p`` encodes feature ``p``).
    sigma_tune_deg, jitter_deg
        tuning width and per-presentation jitter of the features, degrees.
    r_max_hz, r_bg_hz
        peak and background rate of an input neuron, Hz.
    window_ms, n_windows
        duration of one presentation (ms) and presentations per iteration.
    """

    causes: np.ndarray = field(default_factory=_default_causes)
    neurons_per_population: int = 40
    sigma_tune_deg: float = 20.0
    jitter_deg: float = 8.0
    r_max_hz: float = 50.0
    r_bg_hz: float = 1.0
    window_ms: float = 100.0
    n_windows: int = 20

    def __post_init__(self) -> None:
        causes = np.asarray(self.causes, dtype=float)
        if causes.ndim != 2 or causes.shape[0] < 2:
            raise InputConfigError(f"causes must be a (n_causes >= 2, n_features) array of "
                                   f"angles, got shape {causes.shape}")
        object.__setattr__(self, "causes", causes)
        if self.neurons_per_population < 2:
            raise InputConfigError("neurons_per_population must be >= 2")
        if not (self.r_max_hz > self.r_bg_hz >= 0):
            raise InputConfigError(f"need r_max_hz > r_bg_hz >= 0, got {self.r_max_hz}, "
                                   f"{self.r_bg_hz}")
        if self.window_ms <= 0 or self.n_windows < 1:
            raise InputConfigError("window_ms must be > 0 and n_windows >= 1")

    @property
    def n_causes(self) -> int:
        return int(self.causes.shape[0])

    @property
    def n_populations(self) -> int:
        return int(self.causes.shape[1])

    @property
    def n_inputs(self) -> int:
        return self.n_populations * self.neurons_per_population

    @property
    def duration_ms(self) -> float:
        """Biological time of one iteration (all presentations), ms."""
        return self.window_ms * self.n_windows

    def population_of_input(self) -> np.ndarray:
        """(n_inputs,) index of the population (feature) each input neuron belongs to."""
        return np.repeat(np.arange(self.n_populations), self.neurons_per_population)

    def preferred_angles(self) -> np.ndarray:
        """(n_inputs,) preferred angle of every input neuron, degrees."""
        one = np.arange(self.neurons_per_population) * 360.0 / self.neurons_per_population
        return np.tile(one, self.n_populations)

    def rates(self, features: np.ndarray) -> np.ndarray:
        """Rates (Hz) of all inputs for feature vectors ``features`` (n, n_features) -> (n, n_inputs)."""
        features = np.atleast_2d(features)
        pop = self.population_of_input()
        diff = features[:, pop] - self.preferred_angles()[None, :]
        dist = (diff + 180.0) % 360.0 - 180.0
        tuning = np.exp(-dist ** 2 / (2.0 * self.sigma_tune_deg ** 2))
        return self.r_bg_hz + (self.r_max_hz - self.r_bg_hz) * tuning

    def sample(self, seed: int, t_start_ms: float = 0.0) -> tuple[list[np.ndarray], np.ndarray]:
        """Spike times for one iteration.

        Returns ``(spike_times, labels)``: a list of n_inputs sorted arrays of spike times in ms
        within ``[t_start_ms, t_start_ms + duration_ms)`` and the (n_windows,) cause of each
        presentation. Same seed -> same spikes.
        """
        rng = np.random.default_rng(seed)
        labels = rng.integers(0, self.n_causes, size=self.n_windows)
        features = self.causes[labels] + rng.normal(0.0, self.jitter_deg,
                                                     size=(self.n_windows, self.n_populations))
        expected = self.rates(features) * self.window_ms * 1e-3
        counts = rng.poisson(expected)                      # (n_windows, n_inputs)
        window_idx, neuron_idx = np.nonzero(counts)
        reps = counts[window_idx, neuron_idx]
        window_of_spike = np.repeat(window_idx, reps)
        neuron_of_spike = np.repeat(neuron_idx, reps)
        times = t_start_ms + (window_of_spike + rng.random(window_of_spike.size)) * self.window_ms
        order = np.lexsort((times, neuron_of_spike))
        times, neuron_of_spike = times[order], neuron_of_spike[order]
        bounds = np.searchsorted(neuron_of_spike, np.arange(self.n_inputs + 1))
        trains = np.split(times, bounds[1:-1])
        return trains, labels
