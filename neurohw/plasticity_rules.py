"""The math of the plasticity rules, in one place for every user of it.

The emulator's ideal mode (NEST's ``stdp_synapse``/``tsodyks_synapse`` exactly), the chip model's
update controller (accumulated correlations -> discrete weight codes) and host-side rules all
call these functions. They are compiled with numba (``cache=True``) so that the engine's kernel
can call them per synapse event; they work on plain floats from Python too.

Weights are handled *normalised*: ``x = (w - w_min) / (w_max - w_min)`` in [0, 1]. For
``w_min = 0`` this is NEST's ``w / Wmax`` and the update equals ``stdp_synapse``'s
``facilitate_``/``depress_`` (Gütig et al. 2003, J. Neurosci. 23:3697; Morrison et al. 2008,
Biol. Cybern. 98:459):

* potentiation by a presynaptic trace value ``k``: ``x <- min(1, x + A_plus (1 - x)^mu_plus k)``
* depression by a postsynaptic trace value ``k``: ``x <- max(0, x - A_minus x^mu_minus k)``

PyNN's weight dependences are the exponents: additive ``mu_plus = mu_minus = 0``,
multiplicative ``1, 1``, additive potentiation / multiplicative depression ``0, 1``, Gütig
``mu_plus, mu_minus`` (:data:`WEIGHT_DEPENDENCE_EXPONENTS`).

Online EM in winner-take-all circuits: :func:`em_weight_change` is Nessler et al.'s rule, for
the host-side update and the chip's plasticity-processor program alike.

Short-term plasticity: :func:`tsodyks_step` is the Tsodyks-Markram model as NEST's
``tsodyks_synapse`` integrates it between spikes (Tsodyks, Uziel & Markram 2000, J. Neurosci.
20:RC50), with resources x (recovered), y (active, decaying with the PSC time constant) and
z = 1 - x - y (inactive), and utilisation u.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit

#: (mu_plus, mu_minus) of PyNN's weight dependences without free exponents.
WEIGHT_DEPENDENCE_EXPONENTS = {
    "AdditiveWeightDependence": (0.0, 0.0),
    "MultiplicativeWeightDependence": (1.0, 1.0),
    "AdditivePotentiationMultiplicativeDepression": (0.0, 1.0),
}


@njit(cache=True)
def weight_factor(x: float, mu: float) -> float:
    """``x ** mu`` with the exponents of the standard weight dependences (0, 1) computed
    without a power (the engine evaluates it at every synapse event)."""
    if mu == 0.0:
        return 1.0
    if mu == 1.0:
        return x
    return x ** mu


@njit(cache=True)
def potentiate(x: float, a_plus: float, mu_plus: float, k: float) -> float:
    """Normalised weight after potentiation by presynaptic trace ``k`` (clipped at 1)."""
    x = x + a_plus * weight_factor(1.0 - x, mu_plus) * k
    return x if x < 1.0 else 1.0


@njit(cache=True)
def depress(x: float, a_minus: float, mu_minus: float, k: float) -> float:
    """Normalised weight after depression by postsynaptic trace ``k`` (clipped at 0)."""
    x = x - a_minus * weight_factor(x, mu_minus) * k
    return x if x > 0.0 else 0.0


@njit(cache=True)
def accumulated_change(x: float, a_plus: float, a_minus: float, mu_plus: float,
                       mu_minus: float, causal: float, acausal: float) -> float:
    """Normalised weight change for accumulated causal and acausal correlations (sums of
    trace values since the last update), as an update controller applies them in one step:
    ``A_plus (1 - x)^mu_plus causal - A_minus x^mu_minus acausal`` (not clipped)."""
    return (a_plus * weight_factor(1.0 - x, mu_plus) * causal
            - a_minus * weight_factor(x, mu_minus) * acausal)


@njit(cache=True)
def normalise(w: float, w_min: float, w_max: float) -> float:
    """Weight (uS or nA) -> normalised weight in the rule's range."""
    return (w - w_min) / (w_max - w_min)


@njit(cache=True)
def denormalise(x: float, w_min: float, w_max: float) -> float:
    """Normalised weight -> weight (uS or nA)."""
    return x * (w_max - w_min) + w_min


@njit(cache=True)
def tsodyks_step(u: float, x: float, y: float, h: float, U: float, tau_rec: float,
                 tau_facil: float, tau_psc: float):
    """One presynaptic spike of a Tsodyks-Markram synapse, ``h`` ms after the previous one.

    Returns ``(u, x, y, release)``: the state after the spike and the fraction of resources
    released, which multiplies the synapse's weight (``tau_*`` in ms; ``tau_facil = 0`` means
    no facilitation, ``tau_rec = 0`` instant recovery).
    """
    p_uu = 0.0 if tau_facil == 0.0 else math.exp(-h / tau_facil)
    p_yy = math.exp(-h / tau_psc)
    p_zz = 0.0 if tau_rec == 0.0 else math.exp(-h / tau_rec)
    p_xy = ((p_zz - 1.0) * tau_rec - (p_yy - 1.0) * tau_psc) / (tau_psc - tau_rec)
    p_xz = 1.0 - p_zz
    z = 1.0 - x - y
    u = u * p_uu
    x = x + p_xy * y + p_xz * z
    y = y * p_yy
    u = u + U * (1.0 - u)
    release = u * x
    return u, x - release, y + release, release


@njit(cache=True)
def em_weight_change(w, causal, n_post, eta, c):
    """Nessler et al. (2013, PLoS Comput. Biol. 9:e1003037, Eq. 5) summed over the
    postsynaptic spikes of a batch with the weight held fixed: ``eta (c exp(-w) causal -
    n_post)``, where ``causal`` counts the postsynaptic spikes with the input active just
    before (a rectangular window on the host, the correlation sensor's trace on the chip) and
    ``n_post`` all of them. ``w`` is the log-domain weight; works on floats and arrays."""
    return eta * (c * np.exp(-w) * causal - n_post)
