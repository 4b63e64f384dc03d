"""The activation function of sampling neurons: a logistic fit of p(z = 1) vs rest potential.

LIF sampling needs p(z_k = 1 | rest of the network) = sigma(u_k) with u_k the neuron's
"membrane potential" in Boltzmann units (Buesing et al. 2011; Petrovici et al. 2016). It is
measured, not assumed: every neuron of the network (on the backend it will run on, so that on an
emulated chip each circuit's own mismatch is included) is run unconnected at several leak
reversal potentials, the fraction of time it spends refractory is p(z = 1), and

    p(z = 1) = 1 / (1 + exp(-(v_rest - v_half) / alpha))

is fitted per neuron (v_half, alpha in mV). The fit is a weighted linear regression of
logit(p) on v_rest, vectorised over neurons; each point is weighted by the inverse variance of
its logit, n_eff p (1 - p). Points with p outside [p_min, 1 - p_min] are left out (their logit
is dominated by sampling noise), and so are points above ``ceiling_fraction`` times the largest
p the neuron reached: a neuron cannot be on for more than tau_ref / (tau_ref + the time from
release to the next spike), so p saturates below 1 -- on an uncalibrated chip a circuit with a
short refractory period or a low reset may saturate at 0.8 -- and only the rising part of the
curve is logistic.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from neurohw.cliutil import write_json_atomic
from neurohw.errors import NeurohwError

FIT_FORMAT = "neurohw-activation-fit"
FIT_VERSION = 1


class ActivationFitError(NeurohwError, ValueError):
    """An activation sweep that cannot be fitted, or a fit file that cannot be used."""


@dataclass
class ActivationFit:
    """Logistic activation functions of n neurons.

    v_half: (n,) rest potential (mV) at which p(z = 1) = 1/2; alpha: (n,) width (mV) of the
    logistic in rest-potential units. ``v_rest_grid`` (k, n) and ``p_on`` (k, n) keep the
    measurement the fit came from (empty arrays when unknown).
    """

    v_half: np.ndarray
    alpha: np.ndarray
    v_rest_grid: np.ndarray = field(default_factory=lambda: np.zeros((0, 0)))
    p_on: np.ndarray = field(default_factory=lambda: np.zeros((0, 0)))

    def __post_init__(self) -> None:
        self.v_half = np.asarray(self.v_half, dtype=float).ravel()
        self.alpha = np.asarray(self.alpha, dtype=float).ravel()
        self.v_rest_grid = np.asarray(self.v_rest_grid, dtype=float)
        self.p_on = np.asarray(self.p_on, dtype=float)
        if self.v_half.shape != self.alpha.shape or self.v_half.size == 0:
            raise ActivationFitError("v_half and alpha must be non-empty arrays of equal length")
        if not (np.all(np.isfinite(self.v_half)) and np.all(np.isfinite(self.alpha))):
            raise ActivationFitError("the activation fit contains non-finite values")
        if np.any(self.alpha <= 0):
            raise ActivationFitError(
                f"alpha must be positive (p(z=1) rising with v_rest), got {self.alpha}; the "
                "neurons do not respond to their rest potential: check noise and parameters")

    @property
    def n_units(self) -> int:
        """Number of neurons covered."""
        return self.v_half.size

    def probability(self, v_rest: np.ndarray) -> np.ndarray:
        """Fitted p(z = 1) at rest potentials ``v_rest`` (mV; broadcasts over neurons)."""
        return 1.0 / (1.0 + np.exp(-(np.asarray(v_rest) - self.v_half) / self.alpha))

    def to_dict(self) -> dict:
        """JSON-able representation (see :func:`save_fit`)."""
        return {"format": FIT_FORMAT, "version": FIT_VERSION, "v_half": self.v_half.tolist(),
                "alpha": self.alpha.tolist(), "v_rest_grid": self.v_rest_grid.tolist(),
                "p_on": self.p_on.tolist()}


def fit_logistic(v_rest_grid: np.ndarray, p_on: np.ndarray, n_eff: float,
                 p_min: float = 0.02, ceiling_fraction: float = 0.9) -> ActivationFit:
    """Fit p(z=1) = sigma((v - v_half) / alpha) per neuron.

    Parameters
    ----------
    v_rest_grid
        (k, n) rest potentials (mV) of each neuron in each of the k runs.
    p_on
        (k, n) measured fraction of time in state z = 1.
    n_eff
        effective number of independent samples per run (duration / tau_ref), for the weights.
    p_min
        points with p < p_min or p > 1 - p_min are not used.
    ceiling_fraction
        points with p > ceiling_fraction * max(p) of their neuron are not used.
    """
    v = np.asarray(v_rest_grid, dtype=float)
    p = np.asarray(p_on, dtype=float)
    if v.shape != p.shape or v.ndim != 2:
        raise ActivationFitError(f"v_rest_grid and p_on must both be (k, n), got {v.shape}, "
                                 f"{p.shape}")
    usable = (p >= p_min) & (p <= 1 - p_min) & (p <= ceiling_fraction * p.max(axis=0))
    n_usable = usable.sum(axis=0)
    if np.any(n_usable < 2):
        bad = np.flatnonzero(n_usable < 2).tolist()
        raise ActivationFitError(
            f"neurons {bad} have fewer than two sweep points with {p_min} <= p(z=1) <= "
            f"{1 - p_min}; widen the v_rest sweep or move it towards where the neurons switch")
    pc = np.clip(p, p_min, 1 - p_min)
    y = np.log(pc / (1 - pc))
    w = np.where(usable, n_eff * pc * (1 - pc), 0.0)
    sw = w.sum(axis=0)
    v_mean = (w * v).sum(axis=0) / sw
    y_mean = (w * y).sum(axis=0) / sw
    cov = (w * (v - v_mean) * (y - y_mean)).sum(axis=0)
    var = (w * (v - v_mean) ** 2).sum(axis=0)
    slope = cov / var
    if np.any(slope <= 0):
        raise ActivationFitError(f"p(z=1) does not rise with v_rest for neurons "
                                 f"{np.flatnonzero(slope <= 0).tolist()}; check the noise input")
    return ActivationFit(v_half=v_mean - y_mean / slope, alpha=1.0 / slope, v_rest_grid=v,
                         p_on=p)


def save_fit(fit: ActivationFit, path: str | os.PathLike) -> Path:
    """Write an activation fit as JSON (atomically)."""
    path = Path(path)
    write_json_atomic(path, fit.to_dict())
    return path


def load_fit(path: str | os.PathLike) -> ActivationFit:
    """Read and validate an activation fit written by :func:`save_fit`."""
    try:
        data = json.loads(Path(path).read_text())
    except (OSError, ValueError) as err:
        raise ActivationFitError(f"cannot read activation fit {path}: {err}") from err
    if not isinstance(data, dict) or data.get("format") != FIT_FORMAT:
        raise ActivationFitError(f"{path} is not a neurohw activation fit")
    if data.get("version") != FIT_VERSION:
        raise ActivationFitError(f"{path} has version {data.get('version')}; this neurohw reads "
                                 f"version {FIT_VERSION}: measure the fit again")
    try:
        return ActivationFit(v_half=np.asarray(data["v_half"], dtype=float),
                             alpha=np.asarray(data["alpha"], dtype=float),
                             v_rest_grid=np.asarray(data.get("v_rest_grid", []), dtype=float),
                             p_on=np.asarray(data.get("p_on", []), dtype=float))
    except (KeyError, TypeError, ValueError) as err:
        raise ActivationFitError(f"activation fit {path} is incomplete or malformed: {err}") \
            from err
