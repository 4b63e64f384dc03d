"""Synaptic plasticity in the engine: per-synapse state and the event handlers the kernel calls.

Plastic synapses are a subset of the synapse table: ``syn_pidx[s]`` is the plastic index ``p``
of table entry ``s`` (-1 for static synapses). Each plastic synapse has a kind, parameters
``par[q, :]`` with ``q = par_set[p]`` (distinct parameter rows are stored once, so that a
projection's shared parameters stay in cache) and state ``st[p, :]`` (layouts below); the transmitted weight of table entry
``s`` stays in ``syn_w[s]`` (uS or nA).

Every event is handled in *synapse time*: a presynaptic spike emitted in step ``k`` reaches the
synapse in step ``k + d_ax`` and a postsynaptic spike in step ``k + d_den``
(``d_ax + d_den`` = the synaptic delay, split by PyNN's ``dendritic_delay_fraction``; NEST
treats every delay as dendritic). A time stamp of step ``k`` is ``(k + 1) * dt`` ms.

Kinds
-----
``KIND_STDP`` -- pair-based STDP with all-to-all pairing, exactly as NEST's ``stdp_synapse``
(Morrison et al. 2008): a postsynaptic arrival potentiates with the presynaptic trace, a
presynaptic arrival depresses with the postsynaptic trace of arrivals strictly before it, and
the weight a spike carries (and that ``get("weight")`` reports) is the one after its own
depression; potentiations since then are pending in ``w_run``.

``KIND_TSODYKS`` -- Tsodyks-Markram short-term plasticity (``tsodyks_synapse``): each spike
carries ``release * weight``.

``KIND_EM`` -- Nessler et al.'s online-EM rule for winner-take-all circuits as a program of the
plasticity processor: the causal correlation sensor (nearest presynaptic spike, exponential
window) and a count of postsynaptic spikes, turned into a change of the weight code at each
controller visit by :func:`~neurohw.plasticity_rules.em_weight_change` (log-domain weight =
code / top code * ``w_max_log``).

``KIND_CHIP_STDP`` -- the chip's mechanism: causal and acausal correlation accumulators with
exponential windows and nearest-neighbour pairing (a pre spike resets the presynaptic trace to
one, a post spike the postsynaptic one), and an update controller that visits the synapse
periodically, turns the accumulated correlation into a change of the discrete weight code
and clears the accumulators (:func:`controller_update`: stochastic or threshold rounding).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from numba import njit

from neurohw.plasticity_rules import (accumulated_change, denormalise, depress,
                                      em_weight_change, normalise, potentiate, tsodyks_step)

KIND_STDP, KIND_TSODYKS, KIND_CHIP_STDP, KIND_EM = 1, 2, 3, 4

# parameter columns
P_TAU_PLUS, P_TAU_MINUS, P_A_PLUS, P_A_MINUS, P_W_MIN, P_W_MAX, P_MU_PLUS, P_MU_MINUS = range(8)
#: chip STDP: accumulator amplitudes of the causal / acausal circuits (fixed-pattern noise),
#: number of weight levels - 1, and the analog weight (uS or nA) of one code step
P_ETA_C, P_ETA_A, P_TOP_CODE, P_CODE_STEP = 8, 9, 10, 11
#: chip: 1 = stochastic rounding of code changes, 0 = threshold-and-hold (see controller_update)
P_STOCHASTIC = 12
# Tsodyks-Markram
P_U, P_TAU_REC, P_TAU_FACIL, P_TAU_PSC = 0, 1, 2, 3
# online EM (KIND_EM): sensor window (P_TAU_PLUS), amplitude (P_ETA_C), top code and code step
# as for chip STDP, and
P_EM_ETA, P_EM_C, P_EM_W_MAX_LOG = 2, 3, 4
N_PAR = 13

# state columns (STDP / chip STDP)
S_W_RUN, S_KPLUS, S_T_PRE, S_KMINUS, S_T_POST = range(5)
S_ACC_C, S_ACC_A, S_CODE = 1, 3, 5   # chip: accumulators replace the traces, plus the code
S_N_POST = 3                           # online EM: postsynaptic spikes since the last visit
#: chip STDP / online EM: the sensors' window time constants of this synapse (ms; copies of
#: its parameters, kept beside the accumulators so that a spike touches one row of memory)
S_TAU_C, S_TAU_A = 6, 7
# Tsodyks-Markram
S_U, S_X, S_Y, S_T_LAST = 0, 1, 2, 3
N_ST = 8


def initial_state(kind: np.ndarray) -> np.ndarray:
    """Fresh state rows for plastic synapses of the given kinds (weights and codes are set
    separately by :func:`set_weights`)."""
    st = np.zeros((kind.size, N_ST))
    restart_traces(kind, st)
    return st


def set_weights(kind: np.ndarray, state: np.ndarray, weight: np.ndarray, code: np.ndarray
                ) -> None:
    """The weight the rules continue from: ``weight`` (uS or nA) for ideal STDP, the weight
    ``code`` for chip STDP (Tsodyks-Markram keeps its weight in the synapse table)."""
    stdp = kind == KIND_STDP
    state[stdp, S_W_RUN] = weight[stdp]
    chip = (kind == KIND_CHIP_STDP) | (kind == KIND_EM)
    state[chip, S_CODE] = code[chip]


@njit(cache=True)
def pre_arrival(p, q, s, t, par, st, kind, syn_w):
    """A presynaptic spike reaches plastic synapse ``p`` (table entry ``s``, parameter row
    ``q``) at ``t`` ms; returns the weight the spike carries."""
    k = kind[p]
    if k == KIND_STDP:
        if st[p, S_T_POST] == t:
            # the latest postsynaptic arrival is simultaneous: NEST pairs only strictly
            # earlier ones with this spike (its own +1 is removed)
            k_minus = (st[p, S_KMINUS] - 1.0)
        elif st[p, S_T_POST] > -np.inf:
            k_minus = st[p, S_KMINUS] * math.exp((st[p, S_T_POST] - t) / par[q, P_TAU_MINUS])
        else:
            k_minus = 0.0
        w_min, w_max = par[q, P_W_MIN], par[q, P_W_MAX]
        x = normalise(st[p, S_W_RUN], w_min, w_max)
        x = depress(x, par[q, P_A_MINUS], par[q, P_MU_MINUS], k_minus)
        w = denormalise(x, w_min, w_max)
        st[p, S_W_RUN] = w
        syn_w[s] = w
        if st[p, S_T_PRE] > -np.inf:
            st[p, S_KPLUS] = st[p, S_KPLUS] * math.exp((st[p, S_T_PRE] - t)
                                                       / par[q, P_TAU_PLUS]) + 1.0
        else:
            st[p, S_KPLUS] = 1.0
        st[p, S_T_PRE] = t
        return w
    if k == KIND_TSODYKS:
        u, x, y, release = tsodyks_step(st[p, S_U], st[p, S_X], st[p, S_Y], t - st[p, S_T_LAST],
                                        par[q, P_U], par[q, P_TAU_REC], par[q, P_TAU_FACIL],
                                        par[q, P_TAU_PSC])
        st[p, S_U] = u
        st[p, S_X] = x
        st[p, S_Y] = y
        st[p, S_T_LAST] = t
        return release * syn_w[s]
    # chip: acausal correlation with the nearest earlier post spike, then reset the pre trace
    if k == KIND_CHIP_STDP and st[p, S_T_POST] > -np.inf:
        st[p, S_ACC_A] += math.exp((st[p, S_T_POST] - t) / st[p, S_TAU_A])
    st[p, S_T_PRE] = t
    return syn_w[s]


@njit(cache=True)
def post_arrival(p, q, s, t, par, st, kind, syn_w):
    """A postsynaptic spike reaches plastic synapse ``p`` (table entry ``s``, parameter row
    ``q``) at ``t`` ms."""
    k = kind[p]
    if k == KIND_STDP:
        if st[p, S_T_PRE] > -np.inf:
            k_plus = st[p, S_KPLUS] * math.exp((st[p, S_T_PRE] - t) / par[q, P_TAU_PLUS])
        else:
            k_plus = 0.0
        w_min, w_max = par[q, P_W_MIN], par[q, P_W_MAX]
        x = normalise(st[p, S_W_RUN], w_min, w_max)
        st[p, S_W_RUN] = denormalise(potentiate(x, par[q, P_A_PLUS], par[q, P_MU_PLUS], k_plus),
                                     w_min, w_max)
        if st[p, S_T_POST] > -np.inf:
            st[p, S_KMINUS] = st[p, S_KMINUS] * math.exp((st[p, S_T_POST] - t)
                                                         / par[q, P_TAU_MINUS]) + 1.0
        else:
            st[p, S_KMINUS] = 1.0
        st[p, S_T_POST] = t
    elif k == KIND_CHIP_STDP or k == KIND_EM:
        if st[p, S_T_PRE] > -np.inf:
            st[p, S_ACC_C] += math.exp((st[p, S_T_PRE] - t) / st[p, S_TAU_C])
        if k == KIND_EM:
            st[p, S_N_POST] += 1.0
        st[p, S_T_POST] = t


@njit(cache=True)
def controller_update(p, q, s, par, st, kind, syn_w):
    """The update controller visits chip-STDP / online-EM synapse ``p``: the accumulated
    correlation becomes a change of the weight code and the new analog weight goes into
    ``syn_w[s]``.

    Rounding (``par[q, P_STOCHASTIC]``): *stochastic* (1) -- the code moves by the floor of the
    change plus one with the probability of its fraction (the kernel's seeded generator), and
    the accumulators are cleared at every visit; *threshold* (0) -- the accumulators keep
    collecting until the change reaches half a code, then the code moves by the rounded change
    and they are cleared (deterministic).
    """
    acc_c, acc_a = st[p, S_ACC_C], st[p, S_ACC_A]
    if acc_c == 0.0 and acc_a == 0.0:
        return
    # the sensors' amplitudes (fixed-pattern noise) scale what they accumulated
    acc_c *= par[q, P_ETA_C]
    if kind[p] != KIND_EM:
        acc_a *= par[q, P_ETA_A]
    top = par[q, P_TOP_CODE]
    code = st[p, S_CODE]
    if kind[p] == KIND_EM:
        w_max_log = par[q, P_EM_W_MAX_LOG]
        dx = em_weight_change(code / top * w_max_log, acc_c, acc_a, par[q, P_EM_ETA],
                              par[q, P_EM_C]) / w_max_log
    else:
        dx = accumulated_change(code / top, par[q, P_A_PLUS], par[q, P_A_MINUS],
                                par[q, P_MU_PLUS], par[q, P_MU_MINUS], acc_c, acc_a)
    change = dx * top
    if par[q, P_STOCHASTIC] != 0.0:
        step = math.floor(change)
        if np.random.random() < change - step:
            step += 1.0
    else:
        step = math.floor(change + 0.5)
        if step == 0.0:
            return
    new = code + step
    if new < 0.0:
        new = 0.0
    elif new > top:
        new = top
    st[p, S_CODE] = new
    st[p, S_ACC_C] = 0.0
    st[p, S_ACC_A] = 0.0
    syn_w[s] = new * par[q, P_CODE_STEP]


@dataclass
class PlasticTables:
    """The plastic synapses of a synapse table, as the kernel takes them.

    Per plastic synapse ``p``: ``kind``, ``par[par_set[p]]``, ``state[p]``, the synapse-time delays
    ``d_ax``/``d_den`` (steps) and its table entry ``syn``; ``syn_pidx`` maps table entries to
    plastic indices (-1: static). ``post_ptr``/``post_pl``: plastic indices grouped by
    postsynaptic neuron (STDP kinds only). ``post_ring``/``pre_ring`` remember which neurons /
    presynaptic ids spiked in the last steps (persist between runs; spikes in flight).
    ``sweep_period`` (steps, 0 = no controller) and ``sweep_ptr``/``sweep_pl``: which chip-STDP
    synapses the update controller visits in each step of its period.
    """

    syn_pidx: np.ndarray
    kind: np.ndarray
    par: np.ndarray
    par_set: np.ndarray
    state: np.ndarray
    d_ax: np.ndarray
    d_den: np.ndarray
    syn: np.ndarray
    post_ptr: np.ndarray
    post_pl: np.ndarray
    dden_values: np.ndarray
    post_ring: np.ndarray
    post_ring_n: np.ndarray
    dax_values: np.ndarray
    pre_ring: np.ndarray
    pre_ring_n: np.ndarray
    pre_ax_mask: np.ndarray
    sweep_period: int
    sweep_ptr: np.ndarray
    sweep_pl: np.ndarray
    index_of_row: np.ndarray

    @property
    def n(self) -> int:
        return int(self.kind.size)

    def clear_in_flight(self) -> None:
        """Forget spikes in flight (``reset()``)."""
        self.post_ring_n[:] = 0
        self.pre_ring_n[:] = 0


def _distinct_rows(par: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Distinct parameter rows in order of first appearance, and each synapse's row index
    (identity when every row differs, e.g. per-synapse fixed-pattern noise on the chip)."""
    if not par.shape[0]:
        return np.zeros((0, N_PAR)), np.zeros(0, np.int64)
    rows, first, inverse = np.unique(par, axis=0, return_index=True, return_inverse=True)
    order = np.argsort(first)
    rank = np.empty_like(order)
    rank[order] = np.arange(order.size)
    return rows[order], rank[np.ravel(inverse)]


def build_plastic_tables(n_neurons: int, n_pre: int, syn_ptr: np.ndarray, syn_post: np.ndarray,
                         plastic_entries: np.ndarray, kind: np.ndarray, par: np.ndarray,
                         state: np.ndarray, d_ax: np.ndarray, d_den: np.ndarray,
                         sweep_period: int = 0, sweep_phase: np.ndarray | None = None
                         ) -> PlasticTables:
    """Index the plastic synapses (table entries ``plastic_entries``, rows of ``kind``/``par``/
    ``state``/``d_ax``/``d_den`` in the same order) for the kernel. ``sweep_phase``: the step
    within ``sweep_period`` at which the controller visits each chip-STDP synapse.

    Plastic indices follow the synapse table (presynaptic order), so that presynaptic spikes
    and the controller's row-by-row visits walk the arrays in order; ``index_of_row[r]`` is the
    plastic index of input row ``r``."""
    order = np.argsort(plastic_entries, kind="stable")
    index_of_row = np.empty(order.size, dtype=np.int64)
    index_of_row[order] = np.arange(order.size)
    plastic_entries = plastic_entries[order]
    kind, par, state, d_ax, d_den = kind[order], par[order], state[order], d_ax[order], \
        d_den[order]
    if sweep_phase is not None:
        sweep_phase = np.asarray(sweep_phase)[order]
    sensing = (kind == KIND_CHIP_STDP) | (kind == KIND_EM)
    state[sensing, S_TAU_C] = par[sensing, P_TAU_PLUS]
    state[sensing, S_TAU_A] = par[sensing, P_TAU_MINUS]
    n_syn = syn_post.size
    syn_pidx = np.full(n_syn, -1, dtype=np.int64)
    n_pl = plastic_entries.size
    syn_pidx[plastic_entries] = np.arange(n_pl)
    par_rows, par_set = _distinct_rows(par)
    timing = np.nonzero(kind != KIND_TSODYKS)[0]
    post_of = syn_post[plastic_entries[timing]]
    order = np.argsort(post_of, kind="stable")
    post_pl = timing[order].astype(np.int64)
    post_ptr = np.zeros(n_neurons + 1, dtype=np.int64)
    if timing.size:
        np.cumsum(np.bincount(post_of, minlength=n_neurons)[:n_neurons], out=post_ptr[1:])
    dden_values = np.unique(d_den[timing]).astype(np.int64)
    n_pslots = int(dden_values.max()) + 1 if dden_values.size else 1
    post_ring = np.zeros((n_pslots, n_neurons if timing.size else 0), dtype=np.int64)
    axonal = np.nonzero(d_ax > 0)[0]
    dax_values = np.unique(d_ax[axonal]).astype(np.int64)
    n_aslots = int(dax_values.max()) + 1 if dax_values.size else 1
    pre_ax_mask = np.zeros(n_pre, dtype=np.bool_)
    if axonal.size:
        pre_of_entry = np.repeat(np.arange(n_pre), np.diff(syn_ptr))
        pre_ax_mask[pre_of_entry[plastic_entries[axonal]]] = True
    # room for two spikes of every source per step (a SpikeSourceArray may repeat a step)
    pre_ring = np.zeros((n_aslots, 2 * n_pre if axonal.size else 0), dtype=np.int64)
    chip = np.nonzero((kind == KIND_CHIP_STDP) | (kind == KIND_EM))[0]
    if sweep_period > 0 and chip.size:
        phase = np.asarray(sweep_phase, dtype=np.int64)[chip]
        order = np.argsort(phase, kind="stable")
        sweep_pl = chip[order].astype(np.int64)
        sweep_ptr = np.zeros(sweep_period + 1, dtype=np.int64)
        np.cumsum(np.bincount(phase, minlength=sweep_period)[:sweep_period], out=sweep_ptr[1:])
    else:
        sweep_period, sweep_pl, sweep_ptr = 0, np.zeros(0, np.int64), np.zeros(1, np.int64)
    return PlasticTables(
        syn_pidx=syn_pidx, kind=np.ascontiguousarray(kind, dtype=np.int8),
        par=np.ascontiguousarray(par_rows, dtype=np.float64),
        par_set=np.ascontiguousarray(np.ravel(par_set), dtype=np.int64),
        state=np.ascontiguousarray(state, dtype=np.float64),
        d_ax=np.ascontiguousarray(d_ax, dtype=np.int64),
        d_den=np.ascontiguousarray(d_den, dtype=np.int64),
        syn=np.ascontiguousarray(plastic_entries, dtype=np.int64), post_ptr=post_ptr,
        post_pl=post_pl, dden_values=dden_values, post_ring=post_ring,
        post_ring_n=np.zeros(n_pslots, np.int64), dax_values=dax_values, pre_ring=pre_ring,
        pre_ring_n=np.zeros(n_aslots, np.int64), pre_ax_mask=pre_ax_mask,
        sweep_period=int(sweep_period), sweep_ptr=sweep_ptr, sweep_pl=sweep_pl,
        index_of_row=index_of_row)


def restart_traces(kind: np.ndarray, state: np.ndarray) -> None:
    """Back to t = 0 (``reset()``): forget spike times, traces, accumulators and short-term
    state; the (learned) weights and codes stay, as PyNN's reset keeps weights."""
    timing = kind != KIND_TSODYKS
    state[timing, S_KPLUS] = 0.0
    state[timing, S_KMINUS] = 0.0
    state[timing, S_T_PRE] = -np.inf
    state[timing, S_T_POST] = -np.inf
    tm = kind == KIND_TSODYKS
    state[tm, S_U] = 0.0
    state[tm, S_X] = 1.0
    state[tm, S_Y] = 0.0
    state[tm, S_T_LAST] = 0.0


def empty_tables(n_neurons: int, n_pre: int, n_synapses: int) -> PlasticTables:
    """Tables for a network without plastic synapses."""
    none = np.zeros(0, np.int64)
    return build_plastic_tables(n_neurons, n_pre, np.zeros(n_pre + 1, np.int64),
                                np.zeros(n_synapses, np.int64), none, none.astype(np.int8),
                                np.zeros((0, N_PAR)), np.zeros((0, N_ST)), none, none)
