"""Compiled time loop of the emulator engine (numba, ``cache=True``).

One call of :func:`run_steps` advances the whole network by ``n_steps`` time steps: membrane and
synaptic integration of every neuron, threshold/reset/refractoriness, spike propagation through a
CSR synapse table into a delay ring buffer, on-chip Poisson sources, spike-source events, step
changes of injected currents, and recording. All quantities are in PyNN units: ms, mV, nF, uS, nA.

Integration scheme (per step of length ``dt``):

- current-based neurons (``IF_curr_exp``, ``IF_curr_alpha``): exact propagator integration of
  the linear system (Rotter & Diesmann 1999, Biol. Cybern. 81:381), the scheme NEST's
  ``iaf_psc_exp``/``iaf_psc_alpha`` use;
- conductance-based neurons (``IF_cond_exp``/``_alpha``, AdEx): exponential integrator with the
  synaptic conductances taken at the step midpoint (exact exponential or alpha-function time
  course), i.e. second order in ``dt``
  and unconditionally stable. AdEx neurons (Brette & Gerstner 2005, J. Neurophysiol. 94:3637)
  take ``ADEX_SUBSTEPS`` such substeps per step, holding the exponential term and the adaptation
  current over each substep.

Timing convention (the one NEST uses): a threshold crossing during step ``k`` is a spike at time
``(k+1)*dt``; with a delay of ``D`` steps its weight is added to the postsynaptic conductance or
current at the end of step ``k+D``, i.e. exactly ``delay`` after the spike.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit

from .currents import generator_current
from .plasticity import controller_update, post_arrival, pre_arrival

#: Codes of the recordable analog variables in ``rec_kind``.
REC_V, REC_GE, REC_GI, REC_W = 0, 1, 2, 3

#: Neuron model codes in ``model``.
MODEL_CURR, MODEL_COND = 0, 1


#: Substeps per time step for AdEx neurons (exponential term).
ADEX_SUBSTEPS = 10


@njit(cache=True)
def tau_e_of(decay, dt):
    """Time constant (ms) from the per-step decay factor exp(-dt/tau)."""
    return -dt / math.log(decay)


@njit(cache=True)
def _grow(arr, size):
    new = np.empty(max(2 * arr.shape[0], size), dtype=arr.dtype)
    new[:arr.shape[0]] = arr
    return new


@njit(cache=True)
def _deliver(w, slot, s, syn_inh, syn_post, ring_e, ring_i):
    """Weight ``w`` of synapse ``s`` into its receptor's delay ring at ``slot``."""
    if syn_inh[s]:
        ring_i[slot, syn_post[s]] += w
    else:
        ring_e[slot, syn_post[s]] += w


@njit(cache=True)
def _propagate(pre, step, dt, syn_ptr, syn_post, syn_w, syn_d, syn_inh, ring_e, ring_i,
               syn_pidx, pl_kind, pl_par, pl_set, pl_st, pl_dax):
    """Spike of ``pre`` emitted in ``step``: every synapse's weight into the delay ring.
    Plastic synapses whose spike reaches them now update first and send the weight their rule
    gives; those with an axonal delay are handled later (:func:`_pre_arrivals`)."""
    n_slots = ring_e.shape[0]
    t = (step + 1) * dt
    for s in range(syn_ptr[pre], syn_ptr[pre + 1]):
        p = syn_pidx[s]
        if p < 0:
            w = syn_w[s]
        elif pl_dax[p] > 0:
            continue
        else:
            w = pre_arrival(p, pl_set[p], s, t, pl_par, pl_st, pl_kind, syn_w)
        _deliver(w, (step + syn_d[s]) % n_slots, s, syn_inh, syn_post, ring_e, ring_i)


@njit(cache=True)
def _pre_arrivals(step, dt, syn_ptr, syn_post, syn_d, syn_inh, syn_w, ring_e, ring_i,
                  syn_pidx, pl_kind, pl_par, pl_set, pl_st, pl_dax, dax_values, pre_ring,
                  pre_ring_n):
    """Presynaptic spikes emitted ``d_ax`` steps ago reach their plastic synapses now; the
    weights they carry go into the ring for the remaining (dendritic) part of the delay."""
    n_slots = ring_e.shape[0]
    n_aslots = pre_ring.shape[0]
    t = (step + 1) * dt
    for a in dax_values:
        if step - a < 0:
            continue
        slot_a = (step - a) % n_aslots
        for j in range(pre_ring_n[slot_a]):
            pre = pre_ring[slot_a, j]
            for s in range(syn_ptr[pre], syn_ptr[pre + 1]):
                p = syn_pidx[s]
                if p < 0 or pl_dax[p] != a:
                    continue
                w = pre_arrival(p, pl_set[p], s, t, pl_par, pl_st, pl_kind, syn_w)
                _deliver(w, (step + syn_d[s] - a) % n_slots, s, syn_inh, syn_post, ring_e,
                         ring_i)


@njit(cache=True)
def _post_arrivals(step, dt, syn_w, pl_kind, pl_par, pl_set, pl_st, pl_dden, pl_syn, post_ptr,
                   post_pl, dden_values, post_ring, post_ring_n):
    """Postsynaptic spikes emitted ``d_den`` steps ago reach their plastic synapses now."""
    n_pslots = post_ring.shape[0]
    t = (step + 1) * dt
    for d in dden_values:
        if step - d < 0:
            continue
        slot = (step - d) % n_pslots
        for j in range(post_ring_n[slot]):
            i = post_ring[slot, j]
            for q in range(post_ptr[i], post_ptr[i + 1]):
                p = post_pl[q]
                if pl_dden[p] == d:
                    post_arrival(p, pl_set[p], pl_syn[p], t, pl_par, pl_st, pl_kind, syn_w)


@njit(cache=True)
def run_steps(n_steps, step0, dt, seed,
              model, cm, g_l, e_l, v_reset, v_peak, v_th, delta_t, a, b, tau_w,
              e_e, e_i, i_offset, refr_steps, dec_e, dec_i, dec_e_half, dec_i_half,
              p22, p21e, p21i, noise_std, psc_e, psc_i, p31e, p31i, rise_e, rise_i,
              v, ge, gi, w, refr, i_stim, dge, dgi,
              gen_kind, gen_par, gen_int, gen_ptr, gen_tgt,
              syn_ptr, syn_post, syn_w, syn_d, syn_inh, ring_e, ring_i,
              ev_ptr, ev_src,
              pois_pre, pois_rate, pois_start, pois_stop, pois_next,
              cur_step, cur_idx, cur_delta,
              spike_rec,
              rec_neuron, rec_kind, rec_every, rec_ptr, rec_out,
              syn_pidx, pl_kind, pl_par, pl_set, pl_st, pl_dax, pl_dden, pl_syn, post_ptr, post_pl,
              dden_values, post_ring, post_ring_n, dax_values, pre_ring, pre_ring_n,
              pre_ax_mask, sweep_period, sweep_ptr, sweep_pl, spike_count):
    """Advance the network by ``n_steps`` steps starting at global step ``step0``.

    Returns ``(spike_steps, spike_ids, n_lost)``: the global step ``k`` during which each
    recorded spike happened (spike time ``(k+1)*dt``) and the presynaptic id (neurons first,
    then sources); ``n_lost`` counts presynaptic spikes that could not be queued for plastic
    synapses with an axonal delay (more than twice per source and step). State arrays (``v``, ``ge``, ``gi``, ``w``, ``refr``, ``i_stim``, rings,
    ``pois_next``) are updated in place. ``noise_std`` is the membrane noise in mV/sqrt(ms);
    ``seed`` seeds the compiled generator used for Poisson sources and membrane noise.

    Synapse shape (per neuron): ``ge``/``gi`` hold the conductance (uS) or current (nA) that is
    recorded; ``dge``/``dgi`` (uS/ms or nA/ms) are the rise variables of alpha-shaped synapses,
    into which an arriving weight ``w`` enters as ``w * psc_e`` (``psc_e = e/tau_syn_E`` in
    1/ms, so that the conductance/current peaks at ``w`` at ``t = tau_syn``). Exponential
    synapses have ``psc_e = 0``: the weight enters ``ge`` directly and ``dge`` stays 0, so both
    shapes share one integration path. ``p31e``/``p31i`` (mV per nA/ms) propagate the rise
    variable into ``v`` for current-based neurons (exact, as NEST's ``iaf_psc_alpha``; 0 for
    exponential synapses).

    Current generators (``gen_*``, see :mod:`.currents`): generator ``g`` injects its current
    into the neurons ``gen_tgt[gen_ptr[g]:gen_ptr[g+1]]``; it is evaluated at the start of each
    step and its change against the previous step is added to ``i_stim``.

    ``spike_count`` (int64 per presynaptic id, updated in place) counts every spike emitted in
    this call -- neurons, spike-source events and Poisson sources, recorded or not -- so that
    the caller can count synaptic events exactly (spikes x fan-out) without recording.
    """
    np.random.seed(seed)
    n = v.shape[0]
    n_slots = ring_e.shape[0]
    cap = 1024
    spike_steps = np.empty(cap, dtype=np.int64)
    spike_ids = np.empty(cap, dtype=np.int64)
    n_spikes = 0
    n_ring_overflow = 0
    fired = np.empty(n, dtype=np.int64)
    sqrt_dt = math.sqrt(dt)
    any_noise = False
    for i in range(n):
        if noise_std[i] > 0.0:
            any_noise = True
            break
    cur_pos = 0
    n_cur = cur_step.shape[0]
    n_rec = rec_neuron.shape[0]
    rec_count = np.zeros(n_rec, dtype=np.int64)
    n_pois = pois_pre.shape[0]
    emitted = np.empty(max(n, 16), dtype=np.int64)
    has_post_ring = post_ring.shape[1] > 0
    has_pre_ring = pre_ring.shape[1] > 0
    n_gen = gen_kind.shape[0]
    gen_now = np.zeros(n_gen)
    for local in range(n_steps):
        step = step0 + local
        t_end = (step + 1) * dt
        # step changes of injected currents that take effect during this step
        while cur_pos < n_cur and cur_step[cur_pos] <= step:
            i_stim[cur_idx[cur_pos]] += cur_delta[cur_pos]
            cur_pos += 1
        # current generators (sine, noise): their value during this step
        for g in range(n_gen):
            val = generator_current(gen_kind[g], gen_par[g], gen_int[g], step, dt)
            delta = val - gen_now[g]
            if delta != 0.0:
                gen_now[g] = val
                for q in range(gen_ptr[g], gen_ptr[g + 1]):
                    i_stim[gen_tgt[q]] += delta
        n_fired = 0
        for i in range(n):
            integrated = refr[i] == 0
            alpha = psc_e[i] > 0.0  # alpha-shaped synapses (rise variables dge, dgi)
            if not integrated:
                # clamped at reset; synapses decay, adaptation keeps evolving
                refr[i] -= 1
                if tau_w[i] > 0.0:
                    w_inf = a[i] * (v_reset[i] - e_l[i])
                    w[i] = w_inf + (w[i] - w_inf) * math.exp(-dt / tau_w[i])
                v[i] = v_reset[i]
            elif model[i] == MODEL_CURR:
                i_ext = i_offset[i] + i_stim[i] - w[i]
                v_new = (e_l[i] + (v[i] - e_l[i]) * p22[i]
                         + i_ext / g_l[i] * (1.0 - p22[i])
                         + ge[i] * p21e[i] + gi[i] * p21i[i])
                if alpha:
                    v_new += dge[i] * p31e[i] + dgi[i] * p31i[i]
                if tau_w[i] > 0.0:
                    w_inf = a[i] * (v[i] - e_l[i])
                    w[i] = w_inf + (w[i] - w_inf) * math.exp(-dt / tau_w[i])
                v[i] = v_new
            elif delta_t[i] > 0.0:
                # AdEx: the exponential term is stiff near threshold, so the step is split into
                # ADEX_SUBSTEPS exponential-integrator substeps (stopping at v_peak)
                h = dt / ADEX_SUBSTEPS
                vi = v[i]
                wi = w[i]
                for sub in range(ADEX_SUBSTEPS):
                    tm = (sub + 0.5) * h
                    gem = (ge[i] + tm * dge[i]) * math.exp(-tm / tau_e_of(dec_e[i], dt))
                    gim = (gi[i] + tm * dgi[i]) * math.exp(-tm / tau_e_of(dec_i[i], dt))
                    g_tot = g_l[i] + gem + gim
                    vv = min(vi, v_peak[i])
                    i_exp = g_l[i] * delta_t[i] * math.exp((vv - v_th[i]) / delta_t[i])
                    # exponential Rosenbrock-Euler: the exponential current linearised at vi
                    # (slope i_exp/delta_T), so the substep is exact for the linear part and
                    # second order in the exponential term
                    g_exp = i_exp / delta_t[i] if vi < v_peak[i] else 0.0
                    f = (g_l[i] * (e_l[i] - vi) + gem * (e_e[i] - vi) + gim * (e_i[i] - vi)
                         + i_offset[i] + i_stim[i] - wi + i_exp) / cm[i]
                    z = h * (g_exp - g_tot) / cm[i]
                    phi = math.expm1(z) / z if abs(z) > 1e-10 else 1.0 + 0.5 * z
                    v_new = vi + h * phi * f
                    if tau_w[i] > 0.0:
                        w_inf = a[i] * (0.5 * (vi + min(v_new, v_peak[i])) - e_l[i])
                        wi = w_inf + (wi - w_inf) * math.exp(-h / tau_w[i])
                    vi = v_new
                    if vi >= v_peak[i]:
                        # spike: as in NEST, the rest of the step is refractory (v at v_reset)
                        # while w relaxes, including the jump b added below
                        if tau_w[i] > 0.0:
                            w_inf = a[i] * (v_reset[i] - e_l[i])
                            decay = math.exp(-(ADEX_SUBSTEPS - 1 - sub) * h / tau_w[i])
                            wi = w_inf + (wi + b[i] - w_inf) * decay - b[i]
                        break
                v[i] = vi
                w[i] = wi
            else:
                gem = ge[i] * dec_e_half[i]
                gim = gi[i] * dec_i_half[i]
                if alpha:
                    gem += dge[i] * rise_e[i]
                    gim += dgi[i] * rise_i[i]
                g_tot = g_l[i] + gem + gim
                i_ext = i_offset[i] + i_stim[i] - w[i]
                v_inf = (g_l[i] * e_l[i] + gem * e_e[i] + gim * e_i[i] + i_ext) / g_tot
                v_new = v_inf + (v[i] - v_inf) * math.exp(-dt * g_tot / cm[i])
                if tau_w[i] > 0.0:
                    w_inf = a[i] * (v[i] - e_l[i])
                    w[i] = w_inf + (w[i] - w_inf) * math.exp(-dt / tau_w[i])
                v[i] = v_new
            if integrated:
                if any_noise and noise_std[i] > 0.0:
                    v[i] += noise_std[i] * sqrt_dt * np.random.standard_normal()
                if v[i] >= v_peak[i]:
                    v[i] = v_reset[i]
                    w[i] += b[i]
                    refr[i] = refr_steps[i]
                    fired[n_fired] = i
                    n_fired += 1
            # synapses over the step, exact: g(t) = (g0 + dg0*t) exp(-t/tau), dg decays
            if alpha:
                ge[i] = (ge[i] + dt * dge[i]) * dec_e[i]
                gi[i] = (gi[i] + dt * dgi[i]) * dec_i[i]
                dge[i] *= dec_e[i]
                dgi[i] *= dec_i[i]
            else:
                ge[i] *= dec_e[i]
                gi[i] *= dec_i[i]
        # plasticity: this step's postsynaptic spikes, then the spikes reaching plastic
        # synapses now (postsynaptic before presynaptic arrivals, as NEST pairs them)
        if has_post_ring:
            slot_p = step % post_ring.shape[0]
            post_ring_n[slot_p] = 0
            for f in range(n_fired):
                i = fired[f]
                if post_ptr[i + 1] > post_ptr[i]:
                    post_ring[slot_p, post_ring_n[slot_p]] = i
                    post_ring_n[slot_p] += 1
            _post_arrivals(step, dt, syn_w, pl_kind, pl_par, pl_set, pl_st, pl_dden, pl_syn,
                           post_ptr, post_pl, dden_values, post_ring, post_ring_n)
        if has_pre_ring:
            _pre_arrivals(step, dt, syn_ptr, syn_post, syn_d, syn_inh, syn_w, ring_e, ring_i,
                          syn_pidx, pl_kind, pl_par, pl_set, pl_st, pl_dax, dax_values,
                          pre_ring, pre_ring_n)
            pre_ring_n[step % pre_ring.shape[0]] = 0
        # new spikes: neurons, spike-source (array / host) events, then Poisson sources
        # (exponential inter-spike intervals in continuous time, emitted in the step into which
        # each spike falls)
        n_emit = 0
        for f in range(n_fired):
            emitted[n_emit] = fired[f]
            n_emit += 1
        for e in range(ev_ptr[local], ev_ptr[local + 1]):
            if n_emit >= emitted.shape[0]:
                emitted = _grow(emitted, n_emit + 1)
            emitted[n_emit] = ev_src[e]
            n_emit += 1
        for p in range(n_pois):
            while pois_next[p] <= t_end:
                t_spk = pois_next[p]
                pois_next[p] = t_spk + np.random.exponential(1.0 / pois_rate[p])
                if t_spk >= pois_start[p] and t_spk < pois_stop[p]:
                    if n_emit >= emitted.shape[0]:
                        emitted = _grow(emitted, n_emit + 1)
                    emitted[n_emit] = pois_pre[p]
                    n_emit += 1
        for e in range(n_emit):
            pre = emitted[e]
            spike_count[pre] += 1
            _propagate(pre, step, dt, syn_ptr, syn_post, syn_w, syn_d, syn_inh, ring_e, ring_i,
                       syn_pidx, pl_kind, pl_par, pl_set, pl_st, pl_dax)
            if has_pre_ring and pre_ax_mask[pre]:
                slot_a = step % pre_ring.shape[0]
                if pre_ring_n[slot_a] < pre_ring.shape[1]:
                    pre_ring[slot_a, pre_ring_n[slot_a]] = pre
                    pre_ring_n[slot_a] += 1
                else:
                    n_ring_overflow += 1
            if spike_rec[pre]:
                if n_spikes >= spike_steps.shape[0]:
                    spike_steps = _grow(spike_steps, n_spikes + 1)
                    spike_ids = _grow(spike_ids, n_spikes + 1)
                spike_steps[n_spikes] = step
                spike_ids[n_spikes] = pre
                n_spikes += 1
        # the chip's update controller visits this step's share of the plastic synapses
        if sweep_period > 0:
            g = step % sweep_period
            for q in range(sweep_ptr[g], sweep_ptr[g + 1]):
                p = sweep_pl[q]
                controller_update(p, pl_set[p], pl_syn[p], pl_par, pl_st, pl_kind, syn_w)
        # synaptic input arriving at the end of this step (every delay is >= 1 step, so the
        # spikes above went into later slots)
        slot = step % n_slots
        for i in range(n):
            if psc_e[i] > 0.0:  # alpha synapse: the weight enters the rise variable
                dge[i] += ring_e[slot, i] * psc_e[i]
            else:
                ge[i] += ring_e[slot, i]
            if psc_i[i] > 0.0:
                dgi[i] += ring_i[slot, i] * psc_i[i]
            else:
                gi[i] += ring_i[slot, i]
            ring_e[slot, i] = 0.0
            ring_i[slot, i] = 0.0
        # analog recording at the end of the step (time (step+1)*dt)
        for r in range(n_rec):
            if (step + 1) % rec_every[r] == 0:
                i = rec_neuron[r]
                k = rec_kind[r]
                if k == REC_V:
                    val = v[i]
                elif k == REC_GE:
                    val = ge[i]
                elif k == REC_GI:
                    val = gi[i]
                else:
                    val = w[i]
                pos = rec_ptr[r] + rec_count[r]
                if pos < rec_ptr[r + 1]:
                    rec_out[pos] = val
                    rec_count[r] += 1
    return spike_steps[:n_spikes].copy(), spike_ids[:n_spikes].copy(), n_ring_overflow
