"""Deterministic noise from an ensemble of sampling networks (Dold et al. 2019).

Dold, Bytschok, Kungl, Baumbach, Breitwieser, Senn, Schemmel, Meier & Petrovici (2019),
"Stochasticity from function -- why the Bayesian brain may need no noise", Neural Networks
119:200-213: sampling networks of LIF neurons whose every background input is a spike of another
network of the ensemble -- no Poisson sources, no random numbers while running -- trained all at
once with contrastive divergence so that each samples its own target Boltzmann distribution.

Built on :mod:`neurohw.networks.sampling` (neurons, activation fit, weight translation, D_KL) and
:mod:`neurohw.hil` (the in-the-loop trainer).

* :class:`EnsembleConfig`, :class:`EnsembleNetwork` -- the ensemble (or, for the baseline, the
  same networks with private Poisson noise), one PyNN population on any backend;
* :class:`EnsembleExperiment`, :class:`EnsembleCDRule` -- simultaneous CD training in the loop
  (optionally natural-gradient steps, :func:`natural_gradient_step`, and Polyak averaging);
* :func:`dkl_decomposition` -- D_KL split into a moment part and a higher-order part;
* :func:`rate_fluctuations` -- collective and per-neuron slow fluctuations of sampled states;
* :func:`random_sources` -- inspect a built network for random sources;
* :func:`run_ensemble_study` -- ensemble vs Poisson noise, the numbers the README reports.
"""

from .config import EnsembleConfig, EnsembleConfigError
from .diagnostics import dkl_decomposition
from .experiment import EnsembleExperiment, observe_states
from .inspection import RandomSourceReport, random_sources
from .natural_gradient import natural_gradient_step
from .network import EnsembleNetwork, EnsembleNetworkError
from .rule import EnsembleCDRule, EnsembleRuleError
from .stationarity import rate_fluctuations
from .study import (DEFAULT_SETTINGS, QUICK_SETTINGS, StudySettings, emulator_setup_kwargs,
                    run_ensemble_study)

__all__ = [
    "EnsembleConfig", "EnsembleConfigError", "EnsembleNetwork", "EnsembleNetworkError",
    "EnsembleExperiment", "observe_states", "EnsembleCDRule", "EnsembleRuleError",
    "RandomSourceReport", "random_sources", "StudySettings", "DEFAULT_SETTINGS",
    "QUICK_SETTINGS", "run_ensemble_study", "dkl_decomposition", "natural_gradient_step",
    "rate_fluctuations", "emulator_setup_kwargs",
]
