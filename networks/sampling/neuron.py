"""Sampling neurons: LIF (IF_cond_exp) in the high-conductance state, and their membrane theory.

A sampling neuron (Buesing et al. 2011, PLoS Comput. Biol. 7:e1002211; Petrovici et al. 2016,
PRE 94:042312) is a conductance-based LIF neuron bombarded by excitatory and inhibitory Poisson
background noise. The noise raises the total conductance so far that the effective membrane time
constant tau_eff = C_m / g_tot is much shorter than the synaptic time constant: the membrane
follows its "free" potential, and the neuron fires stochastically with a logistic activation
function of its mean free potential. The neuron is in state z = 1 during the refractory period
after each spike, with tau_ref = tau_syn so that a PSP lasts as long as the state it signals.

Units follow PyNN: nF, ms, mV, uS (conductance weights), Hz (rates).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np


@dataclass(frozen=True)
class SamplingNeuronConfig:
    """Parameters of a sampling neuron and of its background noise.

    The neuron is an ``IF_cond_exp`` with a short membrane time constant and equal synaptic time
    constants and refractory period (tau_syn = tau_ref = 10 ms, as in Petrovici et al. 2016). Each
    neuron receives its own excitatory and inhibitory Poisson source (``noise_rate`` Hz each,
    weights ``noise_weight_exc`` / ``noise_weight_inh`` uS). The reset lies 10 mV below the
    threshold so that fixed-pattern offsets of a few mV on an analog chip cannot lift it above
    the threshold (which would leave a neuron permanently on).
    """

    cm: float = 0.2               # nF
    tau_m: float = 2.0            # ms (leak conductance g_l = cm / tau_m = 0.1 uS)
    v_thresh: float = -50.0       # mV
    v_reset: float = -60.0        # mV
    v_rest: float = -50.0         # mV, default leak reversal (the bias sets it per neuron)
    e_rev_E: float = 0.0          # mV
    e_rev_I: float = -100.0       # mV
    tau_syn_E: float = 10.0       # ms
    tau_syn_I: float = 10.0       # ms
    tau_refrac: float = 10.0      # ms, the duration of state z = 1
    noise_rate: float = 2000.0    # Hz, per source (one excitatory, one inhibitory per neuron)
    noise_weight_exc: float = 0.005  # uS
    noise_weight_inh: float = 0.005  # uS

    def cell_parameters(self) -> dict[str, float]:
        """Keyword arguments of PyNN's ``IF_cond_exp`` for this neuron."""
        return {k: getattr(self, k) for k in ("cm", "tau_m", "v_thresh", "v_reset", "v_rest",
                                              "e_rev_E", "e_rev_I", "tau_syn_E", "tau_syn_I",
                                              "tau_refrac")}

    def as_dict(self) -> dict[str, float]:
        """All fields (for fingerprints and reports)."""
        return asdict(self)

    @property
    def g_leak(self) -> float:
        """Leak conductance (uS)."""
        return self.cm / self.tau_m

    @property
    def mean_noise_conductances(self) -> tuple[float, float]:
        """Mean excitatory and inhibitory noise conductances (uS): w * rate * tau_syn."""
        rate_per_ms = self.noise_rate * 1e-3
        return (self.noise_weight_exc * rate_per_ms * self.tau_syn_E,
                self.noise_weight_inh * rate_per_ms * self.tau_syn_I)

    @property
    def g_total(self) -> float:
        """Mean total conductance (uS) of the free membrane."""
        g_e, g_i = self.mean_noise_conductances
        return self.g_leak + g_e + g_i

    @property
    def tau_eff(self) -> float:
        """Effective membrane time constant C_m / g_tot (ms)."""
        return self.cm / self.g_total

    def free_mean_potential(self, v_rest: float | np.ndarray) -> float | np.ndarray:
        """Mean free membrane potential (mV) for leak reversal ``v_rest`` (mV).

        mu = (g_l E_l + <g_e> E_e + <g_i> E_i) / g_tot (Petrovici et al. 2016, Sec. III).
        """
        g_e, g_i = self.mean_noise_conductances
        return (self.g_leak * np.asarray(v_rest) + g_e * self.e_rev_E + g_i * self.e_rev_I) \
            / self.g_total

    def free_potential_std(self) -> float:
        """Standard deviation (mV) of the free membrane potential in the high-conductance limit.

        For tau_eff << tau_syn the membrane follows (sum_x g_x(t) E_x) / g_tot; each Poisson
        conductance has variance w^2 rate tau_syn / 2. Evaluated at mu = v_thresh; used only to
        choose the range of the activation sweep.
        """
        rate_per_ms = self.noise_rate * 1e-3
        var_e = self.noise_weight_exc ** 2 * rate_per_ms * self.tau_syn_E / 2
        var_i = self.noise_weight_inh ** 2 * rate_per_ms * self.tau_syn_I / 2
        mu = self.v_thresh
        return float(np.sqrt(var_e * (self.e_rev_E - mu) ** 2 + var_i * (self.e_rev_I - mu) ** 2)
                     / self.g_total)

    def v_rest_for_mean(self, mu: float | np.ndarray) -> float | np.ndarray:
        """Leak reversal (mV) that puts the mean free potential at ``mu`` (inverse of above)."""
        g_e, g_i = self.mean_noise_conductances
        return (np.asarray(mu) * self.g_total - g_e * self.e_rev_E - g_i * self.e_rev_I) \
            / self.g_leak


def mean_psp_per_weight(config: SamplingNeuronConfig, e_rev: float,
                        mu: float | np.ndarray) -> float | np.ndarray:
    """Mean over the refractory window of the PSP caused by a synaptic weight of 1 uS (mV/uS).

    In the high-conductance state a conductance jump w decaying with tau_syn gives the PSP

        u(t) = w (E_rev - mu) / C_m * tau_eff tau_syn / (tau_syn - tau_eff)
               * (exp(-t / tau_syn) - exp(-t / tau_eff)),

    and the LIF-sampling weight is its mean over the time tau_ref the presynaptic state is on
    (Petrovici et al. 2016, PRE 94:042312, the translation of Boltzmann weights to conductance
    PSPs in the high-conductance state):

        <u> = w (E_rev - mu) / C_m * tau_eff tau_syn / (tau_syn - tau_eff)
              * [tau_syn (1 - exp(-tau_ref/tau_syn)) - tau_eff (1 - exp(-tau_ref/tau_eff))] / tau_ref.

    ``e_rev`` picks the receptor (``config.e_rev_E`` or ``config.e_rev_I``); ``mu`` (mV) is the
    postsynaptic mean free potential. The result is signed: negative for inhibition.
    """
    tau_syn = config.tau_syn_E if e_rev == config.e_rev_E else config.tau_syn_I
    tau_eff = config.tau_eff
    tau_ref = config.tau_refrac
    shape = tau_eff * tau_syn / (tau_syn - tau_eff)
    window = (tau_syn * (1 - np.exp(-tau_ref / tau_syn))
              - tau_eff * (1 - np.exp(-tau_ref / tau_eff))) / tau_ref
    return (e_rev - np.asarray(mu)) / config.cm * shape * window
