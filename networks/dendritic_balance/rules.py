"""The plasticity rules of Mikulasch, Rudelt & Priesemann (2021), as vectorised functions.

Reference: F. A. Mikulasch, L. Rudelt, V. Priesemann, "Local dendritic balance enables learning of
efficient representations in networks of spiking neurons", PNAS 118(50):e2021925118 (2021).

Notation (shapes in brackets; ``n_z`` coding neurons, ``n_x`` inputs):

* ``F`` [n_z, n_x]  input (feed-forward) weights, ``F[i, j]`` from input ``j`` to neuron ``i``;
* ``W`` [n_z, n_x, n_z]  dendritic inhibitory weights: ``W[i, j, k]`` from neuron ``k`` onto the
  dendritic compartment of neuron ``i`` that receives input ``j``;
* ``V`` [n_z, n_z]  somatic lateral inhibition (somatic-balance network);
* ``D`` [n_x, n_z]  linear decoder, reconstruction ``x_hat = D r``;
* ``r`` [n_z]  PSP-filtered output spike trains (exponential kernel, dimensionless: +1 per spike);
* ``r_d``  the same traces as they arrive through the (possibly delayed) inhibitory synapses.

The dendritic potential is ``u_ij = F_ij x_j - sum_k W_ijk r_d,k`` and the somatic potential is
``sum_j u_ij``. Inhibitory plasticity ``dW_ijk ∝ u_ij r_d,k - λ W_ijk`` minimises ``u_ij^2``
(it balances every compartment), so ``W_ijk -> F_ij D*_jk`` with ``D*`` the (ridge) regression
decoder of ``x`` from ``r_d``; the balanced compartment then holds ``F_ij`` times the local coding
error ``e_j = x_j - (D* r_d)_j``. The dendritic-balance (DB) input rule
``dF_ij ∝ r_i u_ij / F_ij - λ F_ij`` is therefore the gradient of the decoder loss with respect to
the decoder seen by neuron ``i`` (paper, Eqs. for the voltage-dependent rule), while the somatic-
balance (SB) rule ``dF_ij ∝ r_i (x_j - F_ij r_i)`` drops every other neuron's contribution to the
reconstruction (the pairwise Hebbian rule the paper shows to fail on correlated inputs).

Inhibitory transmission delays act on *lateral* inhibition only: a neuron's own contribution
(its reset) arrives at once. The trace of neuron ``k`` as it arrives at neuron ``i`` is therefore
``r_arr(i, k) = r_d,k + δ_ik Δ_i`` with ``Δ = r_self - r_d`` the difference between the undelayed
and the delayed trace; with no delay ``Δ = 0``.

All updates are computed from :class:`TraceStatistics`, sums over time steps (and parallel
streams) of outer products of inputs and traces, so that a whole presentation is learned in one
vectorised step (the paper's ``updateInterval`` batching). Rates of change are per sample (per
time step of one stream).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from neurohw.networks.dendritic_balance.errors import DendriticBalanceError


@dataclass
class TraceStatistics:
    """Sums over samples (time steps x streams) needed by every rule.

    Attributes
    ----------
    n_samples : number of summed samples.
    x_r : sum of ``x r^T`` [n_x, n_z] (``r`` the neuron's own, undelayed trace).
    x_rd : sum of ``x r_d^T`` [n_x, n_z].
    r_r : sum of ``r r^T`` [n_z, n_z].
    r_rd : sum of ``r r_d^T`` [n_z, n_z].
    rd_rd : sum of ``r_d r_d^T`` [n_z, n_z].
    spikes : spike count per neuron [n_z].
    x_dl : sum of ``x Δ^T`` [n_x, n_z];  dl_rd : sum of ``Δ r_d^T`` [n_z, n_z];
    dl_dl : sum of ``Δ^2`` [n_z];  r_dl : sum of ``r Δ`` (elementwise) [n_z].
    """

    n_x: int
    n_z: int
    n_samples: int = 0
    x_r: np.ndarray = field(init=False)
    x_rd: np.ndarray = field(init=False)
    r_r: np.ndarray = field(init=False)
    r_rd: np.ndarray = field(init=False)
    rd_rd: np.ndarray = field(init=False)
    spikes: np.ndarray = field(init=False)
    x_dl: np.ndarray = field(init=False)
    dl_rd: np.ndarray = field(init=False)
    dl_dl: np.ndarray = field(init=False)
    r_dl: np.ndarray = field(init=False)

    def __post_init__(self) -> None:
        self.reset()

    def reset(self) -> None:
        """Zero all sums."""
        self.n_samples = 0
        self.x_r = np.zeros((self.n_x, self.n_z))
        self.x_rd = np.zeros((self.n_x, self.n_z))
        self.r_r = np.zeros((self.n_z, self.n_z))
        self.r_rd = np.zeros((self.n_z, self.n_z))
        self.rd_rd = np.zeros((self.n_z, self.n_z))
        self.spikes = np.zeros(self.n_z)
        self.x_dl = np.zeros((self.n_x, self.n_z))
        self.dl_rd = np.zeros((self.n_z, self.n_z))
        self.dl_dl = np.zeros(self.n_z)
        self.r_dl = np.zeros(self.n_z)

    def add(self, x: np.ndarray, r: np.ndarray, r_d: np.ndarray,
            spikes: np.ndarray | None = None, r_self: np.ndarray | None = None) -> None:
        """Add samples: ``x`` [S, n_x], ``r``, ``r_d`` [S, n_z], ``spikes`` [S, n_z] (0/1).

        ``r_self`` [S, n_z] is the undelayed trace each neuron's self-inhibition sees (default:
        ``r_d``, i.e. no delay).
        """
        x = np.atleast_2d(x)
        r = np.atleast_2d(r)
        r_d = np.atleast_2d(r_d)
        if x.shape[1] != self.n_x or r.shape != (x.shape[0], self.n_z) or r_d.shape != r.shape:
            raise DendriticBalanceError(
                f"trace statistics expect x [S, {self.n_x}] and r, r_d [S, {self.n_z}]; got "
                f"{x.shape}, {r.shape}, {r_d.shape}")
        self.n_samples += x.shape[0]
        self.x_r += x.T @ r
        self.x_rd += x.T @ r_d
        self.r_r += r.T @ r
        self.r_rd += r.T @ r_d
        self.rd_rd += r_d.T @ r_d
        if spikes is not None:
            self.spikes += np.asarray(spikes).sum(axis=0)
        if r_self is not None:
            dl = np.atleast_2d(r_self) - r_d
            self.x_dl += x.T @ dl
            self.dl_rd += dl.T @ r_d
            self.dl_dl += np.sum(dl * dl, axis=0)
            self.r_dl += np.sum(r * dl, axis=0)

    @property
    def rate_per_sample(self) -> np.ndarray:
        """Spikes per neuron and sample (per time step) [n_z]."""
        return self.spikes / max(self.n_samples, 1)


def dendritic_potentials(F: np.ndarray, W: np.ndarray, x: np.ndarray, r_d: np.ndarray,
                         r_self: np.ndarray | None = None) -> np.ndarray:
    """``u_ij = F_ij x_j - sum_k W_ijk r_arr(i, k)`` for a batch -> [B, n_z, n_x].

    x [B, n_x], r_d [B, n_z] (delayed traces), r_self [B, n_z] (undelayed, default r_d).
    """
    u = F[None] * x[:, None, :] - np.einsum("ijk,bk->bij", W, r_d)
    if r_self is not None:
        diag = W[np.arange(W.shape[0]), :, np.arange(W.shape[0])]        # W_iji [n_z, n_x]
        u -= diag[None] * (r_self - r_d)[:, :, None]
    return u


def somatic_potential_db(F: np.ndarray, W_sum: np.ndarray, x: np.ndarray,
                         r_d: np.ndarray, r_self: np.ndarray | None = None) -> np.ndarray:
    """Somatic potential of the DB network, ``sum_j u_ij`` [B, n_z].

    ``W_sum[i, k] = sum_j W_ijk`` is the total dendritic inhibition from ``k`` onto ``i``; the
    soma sees the same potential as a neuron with somatic inhibition ``W_sum`` (which is how the
    PyNN version implements it).
    """
    return somatic_potential_sb(F, W_sum, x, r_d, r_self)


def somatic_potential_sb(F: np.ndarray, V: np.ndarray, x: np.ndarray,
                         r_d: np.ndarray, r_self: np.ndarray | None = None) -> np.ndarray:
    """Somatic potential with somatic inhibition ``F x - sum_k V_ik r_arr(i, k)`` [B, n_z]."""
    v = x @ F.T - r_d @ V.T
    if r_self is not None:
        v -= np.diag(V)[None] * (r_self - r_d)
    return v


def _arrival_correlation(M: np.ndarray, stats: TraceStatistics, n: int) -> np.ndarray:
    """``sum_l M[i, ..., l] <r_arr(i, l) r_arr(i, k)>`` for M [n_z, ..., n_z] (last axis l)."""
    n_z = stats.n_z
    idx = np.arange(n_z)
    out = M @ (stats.rd_rd / n)
    if not stats.dl_dl.any():
        return out
    dl_rd = stats.dl_rd / n
    M_self = M[idx, ..., idx]                                   # M[i, ..., i]
    out += M_self[..., None] * np.expand_dims(dl_rd, tuple(range(1, M.ndim - 1)))
    cross = np.einsum("i...l,il->i...", M, dl_rd) + M_self * (stats.dl_dl / n).reshape(
        (n_z,) + (1,) * (M.ndim - 2))
    out[idx, ..., idx] += cross
    return out


def dendritic_inhibition_update(F: np.ndarray, W: np.ndarray, stats: TraceStatistics,
                                decay: float) -> np.ndarray:
    """Mean rate of change of ``W`` per sample: ``<u_ij r_arr(i,k)> - decay W_ijk`` [n_z, n_x, n_z].

    Its fixed point is ``W_ijk = F_ij D_jk`` with ``D = <x r^T> (<r r^T> + decay)^-1`` (traces as
    they arrive): dendritic inhibition learns the ridge decoder of every input, compartment by
    compartment.
    """
    n = max(stats.n_samples, 1)
    x_arr = np.broadcast_to((stats.x_rd / n)[None], (stats.n_z,) + stats.x_rd.shape).copy()
    idx = np.arange(stats.n_z)
    x_arr[idx, :, idx] += (stats.x_dl / n).T                     # x_j Δ_i enters at k = i
    return F[:, :, None] * x_arr - _arrival_correlation(W, stats, n) - decay * W


def analytic_dendritic_inhibition(F: np.ndarray, D: np.ndarray) -> np.ndarray:
    """Balanced dendritic inhibition ``W_ijk = F_ij D_jk`` [n_z, n_x, n_z] from the decoder ``D``.

    The fixed point of :func:`dendritic_inhibition_update` (up to the ridge) when ``D`` is the
    optimal decoder; the "analytic" network of Mikulasch et al. (2021, main-text bars and delay
    figures) computes its inhibition this way instead of learning it locally.
    """
    return F[:, :, None] * D[None, :, :]


def somatic_inhibition_update(F: np.ndarray, V: np.ndarray, stats: TraceStatistics,
                              decay: float) -> np.ndarray:
    """Somatic balance of inhibition: ``<u_i r_arr(i,k)> - decay V_ik``, ``u_i = F_i x - V_i r_arr``."""
    n = max(stats.n_samples, 1)
    drive = F @ (stats.x_rd / n)
    drive[np.arange(stats.n_z), np.arange(stats.n_z)] += np.einsum("ij,ji->i", F, stats.x_dl / n)
    return drive - _arrival_correlation(V, stats, n) - decay * V


def db_input_update(F: np.ndarray, W: np.ndarray, stats: TraceStatistics, decay: float,
                    epsilon: float = 0.02) -> np.ndarray:
    """Dendritic-balance input rule: ``<r_i u_ij> / F_ij - decay F_ij`` [n_z, n_x].

    ``u_ij / F_ij`` is the local coding error of input ``j`` as seen in neuron ``i``'s compartment,
    so the rule follows the decoder-loss gradient. The division is regularised as
    ``F_ij / (F_ij^2 + epsilon^2)`` so that compartments with a vanishing input weight (whose
    potential carries no error signal, only residual imbalance) do not amplify noise; for
    ``|F_ij| >> epsilon`` it is the paper's ``1 / F_ij``.
    """
    n = max(stats.n_samples, 1)
    r_u = F * (stats.x_r.T / n) - np.einsum("ijk,ik->ij", W, stats.r_rd / n)
    idx = np.arange(stats.n_z)
    r_u -= W[idx, :, idx] * (stats.r_dl / n)[:, None]           # own trace arrives undelayed
    return r_u * F / (F * F + epsilon * epsilon) - decay * F


def sb_input_update(F: np.ndarray, stats: TraceStatistics) -> np.ndarray:
    """Somatic-balance (Hebbian, Oja-like) input rule ``<r_i x_j> - F_ij <r_i^2>`` [n_z, n_x]."""
    n = max(stats.n_samples, 1)
    return stats.x_r.T / n - F * (np.diag(stats.r_r) / n)[:, None]


def decoder_update(D: np.ndarray, stats: TraceStatistics, decay: float = 0.0) -> np.ndarray:
    """Gradient step direction of the decoder loss: ``<(x - D r) r^T> - decay D`` [n_x, n_z]."""
    n = max(stats.n_samples, 1)
    return stats.x_r / n - D @ (stats.r_r / n) - decay * D


def optimal_decoder(stats: TraceStatistics, ridge: float = 0.0, delayed: bool = False) -> np.ndarray:
    """Ridge-regression decoder ``<x r^T> (<r r^T> + ridge)^-1`` [n_x, n_z] (``delayed``: from r_d)."""
    n = max(stats.n_samples, 1)
    xr, rr = (stats.x_rd, stats.rd_rd) if delayed else (stats.x_r, stats.r_r)
    A = rr / n + ridge * np.eye(rr.shape[0])
    return np.linalg.solve(A.T, (xr / n).T).T


def lms_step_scale(stats: TraceStatistics, delayed: bool = True) -> float:
    """Step-size normaliser ``1 / max(1, trace <r r^T>)`` of a least-mean-squares rule.

    The inhibitory and decoder rules are LMS regressions on the traces; scaling the learning rate
    by the inverse input power (normalised LMS) keeps them stable for any firing rate as long as
    the learning rate is below 2.
    """
    n = max(stats.n_samples, 1)
    power = float(np.trace(stats.rd_rd if delayed else stats.r_r)) / n
    return 1.0 / max(1.0, power)


def threshold_update(rate_per_step: np.ndarray, target_per_step: float) -> np.ndarray:
    """Homeostatic bias change ``target - rate`` [n_z] (add with a learning rate to the bias).

    Raising the bias of neurons that fire below target and lowering it above is equivalent to
    adapting the threshold towards the target rate (paper: homeostatic biases).
    """
    return target_per_step - np.asarray(rate_per_step, dtype=float)
