"""The network side of in-the-loop training of an ensemble (a :class:`neurohw.hil.Experiment`).

Per iteration: translate every network's Boltzmann (W, b) into synaptic weights and rest
potentials through the activation fit (one block-diagonal translation for the whole population,
:func:`neurohw.networks.sampling.translation.boltzmann_to_synaptic`; rest potentials clipped to
the configured ``v_rest_range``), write them, read back what
the backend realised (quantised on the emulated chip) and translate that back to Boltzmann units,
run one sampling window and hand the per-network moments and state distributions to the rule.
"""

from __future__ import annotations

from collections.abc import Sequence
from types import ModuleType
from typing import Any

import numpy as np

from neurohw.hil import Experiment, Parameters
from neurohw.networks.sampling.activation import ActivationFit
from neurohw.networks.sampling.translation import boltzmann_to_synaptic, synaptic_to_boltzmann

from .blocks import block_diagonal, diagonal_blocks
from .network import EnsembleNetwork
from .statistics import network_distributions, network_moments


class EnsembleExperiment(Experiment):
    """Write, run and observe an :class:`EnsembleNetwork` for :class:`neurohw.hil.HILTrainer`.

    Parameters
    ----------
    network
        the ensemble (built on the first :meth:`build`; an already built network is reused).
    fit
        activation functions of all ``N * n`` neurons (rest potential -> p(z = 1)).
    sample_ms
        length of the recorded window per iteration (ms, after the network's warm-up).
    """

    def __init__(self, network: EnsembleNetwork, fit: ActivationFit, sample_ms: float) -> None:
        if fit.n_units != network.n_neurons:
            raise ValueError(f"the activation fit covers {fit.n_units} neurons, the ensemble has "
                             f"{network.n_neurons}")
        self.network = network
        self.fit = fit
        self.sample_ms = float(sample_ms)
        self.last_run = None
        self.annotations: list[dict] = []

    def build(self, sim: ModuleType) -> None:
        """Build the ensemble on ``sim`` unless it is already built there."""
        if self.network.sim is not sim:
            self.network.build(sim)

    def write_parameters(self, params: Parameters) -> Parameters:
        """Write (W (N, n, n), b (N, n)); return the realised Boltzmann parameters."""
        cfg = self.network.config
        weights = block_diagonal(params["weights"])
        biases = np.asarray(params["biases"], dtype=float).reshape(cfg.n_neurons)
        synaptic = boltzmann_to_synaptic(weights, biases, self.fit, cfg.neuron)
        synaptic.v_rest = np.clip(synaptic.v_rest, *cfg.v_rest_range)
        realised = self.network.write(synaptic)
        w_real, b_real = synaptic_to_boltzmann(realised, self.fit, cfg.neuron)
        return {"weights": diagonal_blocks(w_real, cfg.n_networks),
                "biases": b_real.reshape(cfg.n_networks, cfg.n_units)}

    def run(self, iteration: int, seed: int):
        """One sampling window (``seed`` only matters for the Poisson baseline)."""
        self.last_run = self.network.sample(self.sample_ms, seed)
        self.annotations.append(self.last_run.annotations)
        return self.last_run.block

    def observe(self, block, iteration: int) -> dict[str, Any]:
        """Per-network moments and state distributions of the last window."""
        return observe_states(self.network, self.last_run)


def observe_states(network: EnsembleNetwork, run) -> dict[str, Any]:
    """Sampled (<z>, <zz>, p(z)) of every network in a recorded run."""
    z = network.states(run)
    n_networks = network.config.n_networks
    mean, pair = network_moments(z, n_networks)
    return {"mean": mean, "pair": pair, "distribution": network_distributions(z, n_networks),
            "n_samples": z.shape[0]}


def stacked(targets: Sequence) -> Parameters:
    """Boltzmann parameters of a list of targets as the rule's parameter dict."""
    return {"weights": np.stack([bm.weights for bm in targets]),
            "biases": np.stack([bm.biases for bm in targets])}
