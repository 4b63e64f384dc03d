"""Synaptic sampling with rewiring (Kappel, Habenschuss, Legenstein & Maass 2015).

Modules: :mod:`.langevin` (the rule: Langevin dynamics of theta, prior, temperature, annealing),
:mod:`.inputs` (Gaussian-tuned inputs from a mixture of causes), :mod:`.observables` (likelihood
gradient of the generative WTA model from spikes), :mod:`.experiments` (the WTA on PyNN backends
and a numpy reference), :mod:`.rule` (the in-the-loop :class:`~neurohw.hil.LearningRule` with
lesions), :mod:`.performance`, :mod:`.rewiring_stats`, :mod:`.stationary` (theory check),
:mod:`.study` (experiments a-d), :mod:`.cli`.
"""

from neurohw.networks.synaptic_sampling.langevin import (SamplingParameters, TemperatureSchedule,
                                                         langevin_step, weights_from_theta)
from neurohw.networks.synaptic_sampling.rule import Lesion, SynapticSamplingRule
from neurohw.networks.synaptic_sampling.stationary import stationary_check

__all__ = ["SamplingParameters", "TemperatureSchedule", "langevin_step", "weights_from_theta",
           "Lesion", "SynapticSamplingRule", "stationary_check"]
