"""Plastic projections -> rows of the engine's plastic-synapse table (kind, parameters, delays).

Ideal mode (:func:`ideal_spec`): NEST's rules exactly (``stdp_synapse``, ``tsodyks_synapse``),
with PyNN's parameters per connection. The chip's realisation of the same projections (its
correlation circuits, weight codes and drivers) is :meth:`ChipWiring.chip_plastic_spec`, which
fills the same :class:`PlasticSpec`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from pyNN import errors

from neurohw.plasticity_rules import WEIGHT_DEPENDENCE_EXPONENTS

from .engine import plasticity as pl


@dataclass
class PlasticSpec:
    """One projection's plastic synapses, per connection (connection order): engine kind,
    parameter rows (``plasticity.N_PAR`` columns), synapse-time delays in steps, the update
    controller's phase (chip STDP; steps within its period) and the state the rule starts
    from for the connection's current weight (``weight``: uS or nA; ``code``: chip weight code)."""

    kind: np.ndarray
    par: np.ndarray
    d_ax: np.ndarray
    d_den: np.ndarray
    sweep_phase: np.ndarray
    weight: np.ndarray
    code: np.ndarray


def rule_of(prj) -> str | None:
    """``"stdp"``, ``"tsodyks"`` or None (static) for a projection's synapse type."""
    return getattr(prj.synapse_type, "engine_rule", None)


def split_delay(prj, delay_steps: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Delay (steps) -> (axonal, dendritic) steps by the STDP mechanism's
    ``dendritic_delay_fraction`` (1 = all dendritic, as NEST)."""
    fraction = np.asarray(prj._params.get("dendritic_delay_fraction", 1.0), dtype=float)
    d_den = np.floor(fraction * delay_steps + 0.5).astype(np.int64)
    return delay_steps - d_den, d_den


def stdp_exponents(prj) -> tuple[np.ndarray, np.ndarray]:
    """(mu_plus, mu_minus) per connection from the weight dependence."""
    wd = prj.synapse_type.weight_dependence
    n = len(prj)
    name = type(wd).__name__
    if name in WEIGHT_DEPENDENCE_EXPONENTS:
        mu_plus, mu_minus = WEIGHT_DEPENDENCE_EXPONENTS[name]
        return np.full(n, mu_plus), np.full(n, mu_minus)
    if "mu_plus" in prj._params:
        return prj._params["mu_plus"], prj._params["mu_minus"]
    raise errors.NoModelAvailableError(
        f"projection {prj.label!r}: the emulator has no model of weight dependence {name}; use "
        f"one of {sorted(WEIGHT_DEPENDENCE_EXPONENTS) + ['GutigWeightDependence']}")


def _refuse(prj, name: str, bad: np.ndarray, values: np.ndarray, rule: str) -> None:
    """InvalidParameterValueError naming the projection, the parameter and the first bad
    value, when any entry of ``bad`` is set (``rule``: what the value must be)."""
    if np.any(bad):
        raise errors.InvalidParameterValueError(
            f"projection {prj.label!r}: {name} must be {rule}, got {values[bad][0]:g}")


def check_stdp_parameters(prj) -> None:
    """Refuse STDP parameters no rule can have (names projection, parameter and value)."""
    par = prj._params
    for name in ("tau_plus", "tau_minus"):
        _refuse(prj, name, par[name] <= 0, par[name], "> 0 ms")
    for name in ("A_plus", "A_minus"):
        _refuse(prj, name, par[name] < 0, par[name], ">= 0")
    _refuse(prj, "w_max", par["w_max"] <= par["w_min"], par["w_max"],
            f"larger than w_min ({np.max(par['w_min']):g})")


def tsodyks_psc_time_constants(prj, post_g: np.ndarray, dec_e: np.ndarray, dec_i: np.ndarray,
                               dt: float) -> np.ndarray:
    """The PSC time constant of each connection's target (ms), as pyNN.nest copies the
    neuron's ``tau_syn_E``/``tau_syn_I`` into ``tsodyks_synapse``'s ``tau_psc``."""
    dec = dec_i if prj.receptor_type == "inhibitory" else dec_e
    return -dt / np.log(dec[post_g])


def check_tsodyks_parameters(prj, tau_psc: np.ndarray) -> None:
    """Refuse Tsodyks-Markram parameters the model cannot have."""
    par = prj._params
    _refuse(prj, "U", (par["U"] < 0) | (par["U"] > 1), par["U"], "in [0, 1]")
    for name in ("tau_rec", "tau_facil"):
        _refuse(prj, name, par[name] < 0, par[name], ">= 0 ms")
    same = np.isclose(par["tau_rec"], tau_psc, rtol=1e-12, atol=0)
    if np.any(same):
        raise errors.InvalidParameterValueError(
            f"projection {prj.label!r}: tau_rec ({par['tau_rec'][same][0]:g} ms) equals the "
            f"target's synaptic time constant; the Tsodyks-Markram solution needs them "
            f"different (change tau_rec slightly)")


#: Weight codes of an ideal-mode online-EM synapse: so fine that rounding does not matter.
IDEAL_TOP_CODE = float(2 ** 30)


def check_em_parameters(prj) -> None:
    """Refuse online-EM parameters the rule cannot have (``eta = 0`` pauses learning)."""
    par = prj._params
    _refuse(prj, "eta", par["eta"] < 0, par["eta"], ">= 0 (0 pauses learning)")
    for name in ("log_c", "window", "w_max"):
        _refuse(prj, name, par[name] <= 0, par[name], "> 0")


def em_spec(prj, window: np.ndarray, eta_c: np.ndarray, w_max: np.ndarray, top: float,
            analog_step: np.ndarray, d_ax: np.ndarray, d_den: np.ndarray,
            sweep_phase: np.ndarray, weight: np.ndarray, stochastic: bool = False
            ) -> PlasticSpec:
    """An online-EM projection (``OnlineEMSynapse``), realised as given (ideal or chip;
    ``stochastic``: rounding of code changes, see ``engine.plasticity.controller_update``)."""
    n = len(prj)
    p = prj._params
    par = np.zeros((n, pl.N_PAR))
    for col, value in ((pl.P_TAU_PLUS, window), (pl.P_ETA_C, eta_c),
                       (pl.P_EM_ETA, p["eta"]), (pl.P_EM_C, np.exp(p["log_c"])),
                       (pl.P_EM_W_MAX_LOG, p["log_c"]), (pl.P_W_MAX, w_max),
                       (pl.P_TOP_CODE, top), (pl.P_CODE_STEP, analog_step),
                       (pl.P_STOCHASTIC, float(stochastic))):
        par[:, col] = value
    return PlasticSpec(kind=np.full(n, pl.KIND_EM, np.int8), par=par, d_ax=d_ax, d_den=d_den,
                       sweep_phase=sweep_phase, weight=weight,
                       code=np.rint(np.minimum(np.abs(weight), w_max) / w_max * top))


def ideal_spec(prj, delay_steps: np.ndarray, tau_psc: np.ndarray | None,
               controller_period: int = 0) -> PlasticSpec:
    """NEST's rules, per connection of ``prj`` (``tau_psc``: see
    :func:`tsodyks_psc_time_constants`, for Tsodyks-Markram projections); online EM with the
    plasticity processor's nominal period ``controller_period`` (steps) and no weight codes."""
    n = len(prj)
    par = np.zeros((n, pl.N_PAR))
    p = prj._params
    weight = np.asarray(p["weight"], dtype=float)
    if rule_of(prj) == "em":
        check_em_parameters(prj)
        w_max = np.abs(p["w_max"])
        return em_spec(prj, p["window"], np.ones(n), w_max, IDEAL_TOP_CODE,
                       w_max / IDEAL_TOP_CODE, np.zeros(n, np.int64),
                       delay_steps.astype(np.int64),
                       (np.arange(n) * controller_period) // max(n, 1), weight)
    if rule_of(prj) == "stdp":
        check_stdp_parameters(prj)
        mu_plus, mu_minus = stdp_exponents(prj)
        kind = np.full(n, pl.KIND_STDP, np.int8)
        for col, value in ((pl.P_TAU_PLUS, p["tau_plus"]), (pl.P_TAU_MINUS, p["tau_minus"]),
                           (pl.P_A_PLUS, p["A_plus"]), (pl.P_A_MINUS, p["A_minus"]),
                           (pl.P_W_MIN, p["w_min"]), (pl.P_W_MAX, p["w_max"]),
                           (pl.P_MU_PLUS, mu_plus), (pl.P_MU_MINUS, mu_minus)):
            par[:, col] = value
        d_ax, d_den = split_delay(prj, delay_steps)
    else:
        check_tsodyks_parameters(prj, tau_psc)
        kind = np.full(n, pl.KIND_TSODYKS, np.int8)
        par[:, pl.P_U] = p["U"]
        par[:, pl.P_TAU_REC] = p["tau_rec"]
        par[:, pl.P_TAU_FACIL] = p["tau_facil"]
        par[:, pl.P_TAU_PSC] = tau_psc
        d_ax, d_den = np.zeros(n, np.int64), delay_steps.astype(np.int64)
    return PlasticSpec(kind=kind, par=par, d_ax=d_ax, d_den=d_den,
                       sweep_phase=np.zeros(n, np.int64), weight=weight,
                       code=np.zeros(n))
