"""LIF sampling of Boltzmann machines, trained in the loop (Petrovici et al. 2016; Kungl et al. 2019).

Modules: :mod:`.boltzmann` (exact distributions, moments, D_KL), :mod:`.neuron` (sampling-neuron
parameters and membrane theory), :mod:`.activation` (logistic activation fit), :mod:`.translation`
(Boltzmann <-> synaptic parameters), :mod:`.network` (the PyNN network), :mod:`.rule`
(contrastive-divergence rule), :mod:`.experiment` (the in-the-loop study), :mod:`.cli`
(``neurohw train sampling``).
"""

from .activation import ActivationFit, fit_logistic, load_fit, save_fit
from .boltzmann import (BoltzmannMachine, exact_distribution, kl_divergence,
                        random_boltzmann_machine, sampled_distribution, sampled_moments)
from .experiment import SamplingExperiment, evaluate, run_sampling_study
from .network import (SamplingNetwork, calibrate_activation, default_activation_grid,
                      reseed_noise)
from .neuron import SamplingNeuronConfig, mean_psp_per_weight
from .rule import ContrastiveDivergenceRule
from .translation import SynapticParameters, boltzmann_to_synaptic, synaptic_to_boltzmann

__all__ = [
    "ActivationFit", "fit_logistic", "load_fit", "save_fit",
    "BoltzmannMachine", "exact_distribution", "kl_divergence", "random_boltzmann_machine",
    "sampled_distribution", "sampled_moments",
    "SamplingExperiment", "evaluate", "run_sampling_study",
    "SamplingNetwork", "calibrate_activation", "default_activation_grid", "reseed_noise",
    "SamplingNeuronConfig", "mean_psp_per_weight",
    "ContrastiveDivergenceRule",
    "SynapticParameters", "boltzmann_to_synaptic", "synaptic_to_boltzmann",
]
