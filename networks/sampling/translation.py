"""Boltzmann weights and biases <-> synaptic weights and rest potentials of sampling neurons.

The activation function of neuron j, measured as p(z_j = 1) = sigma((v_rest - v_half_j) /
alpha_j) (see :mod:`.activation`), fixes the bias:

    v_rest_j = v_half_j + alpha_j * b_j.

A shift of the leak reversal by d moves the mean free potential by d * g_l / g_tot, so the
logistic's width in units of the mean free potential is alpha_mu_j = alpha_j * g_l / g_tot. A
presynaptic spike of neuron i adds a PSP whose mean over the refractory window is
w_ij * K_j (mV, :func:`.neuron.mean_psp_per_weight` at neuron j's mean potential); LIF sampling
equates it with W_ij * alpha_mu_j (Petrovici et al. 2016, PRE 94:042312). Positive W_ij go
through excitatory, negative through inhibitory synapses (a synapse row carries one sign).

Arrays: ``W[i, j]`` is the weight from presynaptic unit i to postsynaptic unit j, the layout of
PyNN's ``Projection.get("weight", format="array")``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from neurohw.errors import NeurohwError

from .activation import ActivationFit
from .neuron import SamplingNeuronConfig, mean_psp_per_weight


class TranslationError(NeurohwError, ValueError):
    """Boltzmann parameters that cannot be translated with the given activation fit."""


@dataclass
class SynapticParameters:
    """What a sampling network is configured with.

    weights_exc, weights_inh: (n, n) non-negative conductances in uS, [pre, post], zero diagonal;
    v_rest: (n,) leak reversal potentials in mV.
    """

    weights_exc: np.ndarray
    weights_inh: np.ndarray
    v_rest: np.ndarray


def _psp_scales(fit: ActivationFit, config: SamplingNeuronConfig
                ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per postsynaptic neuron: alpha_mu (mV), K_exc (mV/uS, > 0), K_inh (mV/uS, < 0)."""
    alpha_mu = fit.alpha * config.g_leak / config.g_total
    mu = config.free_mean_potential(fit.v_half)
    k_exc = np.asarray(mean_psp_per_weight(config, config.e_rev_E, mu), dtype=float)
    k_inh = np.asarray(mean_psp_per_weight(config, config.e_rev_I, mu), dtype=float)
    if np.any(k_exc <= 0) or np.any(k_inh >= 0):
        raise TranslationError(
            "the mean free potential at p = 1/2 lies outside (e_rev_I, e_rev_E) for some neuron "
            f"(v_half = {np.round(fit.v_half, 2)} mV); check the activation fit and the noise")
    return alpha_mu, k_exc, k_inh


def boltzmann_to_synaptic(weights: np.ndarray, biases: np.ndarray, fit: ActivationFit,
                          config: SamplingNeuronConfig) -> SynapticParameters:
    """Translate Boltzmann (W, b) into synaptic weights (uS) and rest potentials (mV)."""
    w = np.asarray(weights, dtype=float)
    b = np.asarray(biases, dtype=float)
    n = fit.n_units
    if w.shape != (n, n) or b.shape != (n,):
        raise TranslationError(f"the activation fit covers {n} neurons but W has shape {w.shape} "
                               f"and b {b.shape}")
    alpha_mu, k_exc, k_inh = _psp_scales(fit, config)
    target_psp = w * alpha_mu[None, :]                      # mV, per postsynaptic column
    exc = np.where(target_psp > 0, target_psp / k_exc[None, :], 0.0)
    inh = np.where(target_psp < 0, target_psp / k_inh[None, :], 0.0)
    np.fill_diagonal(exc, 0.0)
    np.fill_diagonal(inh, 0.0)
    return SynapticParameters(exc, inh, fit.v_half + fit.alpha * b)


def synaptic_to_boltzmann(params: SynapticParameters, fit: ActivationFit,
                          config: SamplingNeuronConfig) -> tuple[np.ndarray, np.ndarray]:
    """Inverse translation: the Boltzmann (W, b) that realised synaptic parameters stand for.

    The result ``W`` is not symmetric when the backend realised W_ij and W_ji differently (e.g.
    weight quantisation with per-row scales).
    """
    alpha_mu, k_exc, k_inh = _psp_scales(fit, config)
    psp = (np.nan_to_num(params.weights_exc) * k_exc[None, :]
           + np.nan_to_num(params.weights_inh) * k_inh[None, :])
    weights = psp / alpha_mu[None, :]
    np.fill_diagonal(weights, 0.0)
    return weights, (np.asarray(params.v_rest, dtype=float) - fit.v_half) / fit.alpha
