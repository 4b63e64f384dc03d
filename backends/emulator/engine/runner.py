"""Array-level entry point of the engine: one :func:`run_kernel` call advances flat arrays.

The engine knows nothing of PyNN objects or of the chip: the backend's runtime
(:mod:`neurohw.backends.emulator.runtime`) builds the arrays (realised by the chip model when
there is one) and hands them in; state arrays are updated in place. Units are PyNN's: ms, mV,
nF, uS, nA.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from .kernels import REC_GE, REC_GI, REC_V, REC_W, run_steps
from .plasticity import PlasticTables
from .synapses import SynapseTable

class PlasticityQueueError(RuntimeError):
    """Spikes of one source arrived faster than the engine's plastic-synapse queue holds."""


#: Engine state variable behind each recordable / initialisable PyNN variable.
STATE_OF_VARIABLE = {"v": "v", "gsyn_exc": "ge", "gsyn_inh": "gi", "isyn_exc": "ge",
                     "isyn_inh": "gi", "w": "w"}
#: Kernel recording code of each recordable analog variable.
REC_KIND = {"v": REC_V, "gsyn_exc": REC_GE, "gsyn_inh": REC_GI, "isyn_exc": REC_GE,
            "isyn_inh": REC_GI, "w": REC_W}
#: Per-neuron float state arrays (besides the int64 refractory counter ``refr``): membrane
#: potential (mV), synaptic conductances (uS) or currents (nA), adaptation (nA), and the rise
#: variables of alpha-shaped synapses (uS/ms or nA/ms; 0 for exponential synapses).
STATE_NAMES = ("v", "ge", "gi", "w", "dge", "dgi")


@dataclass
class KernelInputs:
    """Everything one run feeds into the kernel besides parameters, state and synapses.

    ``i_stim`` (nA per neuron at the start of the run) and the current changes ``cur_step``
    (global step), ``cur_idx`` (neuron), ``cur_delta`` (nA); spike-source events as CSR over
    local steps (``ev_ptr``, ``ev_ids``); kernel-generated Poisson sources (``pois_*``: presynaptic
    id, rate in 1/ms, start and stop in ms, next spike time in ms, updated in place); current
    generators evaluated every step (``gen_kind``, ``gen_par``, ``gen_int``, and their targets
    as CSR ``gen_ptr``/``gen_tgt``; see :mod:`.currents`).
    """

    i_stim: np.ndarray
    cur_step: np.ndarray
    cur_idx: np.ndarray
    cur_delta: np.ndarray
    ev_ptr: np.ndarray
    ev_ids: np.ndarray
    pois_pre: np.ndarray
    pois_rate: np.ndarray
    pois_start: np.ndarray
    pois_stop: np.ndarray
    pois_next: np.ndarray
    gen_kind: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))
    gen_par: np.ndarray = field(default_factory=lambda: np.zeros((0, 4)))
    gen_int: np.ndarray = field(default_factory=lambda: np.zeros((0, 4), np.int64))
    gen_ptr: np.ndarray = field(default_factory=lambda: np.zeros(1, np.int64))
    gen_tgt: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))


@dataclass
class RecordingSpec:
    """What the kernel records: spikes of ``spike_rec`` ids; analog channels (neuron, kind,
    every-n-steps) written into ``rec_out`` at ``rec_ptr`` offsets."""

    spike_rec: np.ndarray
    rec_neuron: np.ndarray
    rec_kind: np.ndarray
    rec_every: np.ndarray
    rec_ptr: np.ndarray
    rec_out: np.ndarray


def run_kernel(n_steps: int, step0: int, dt: float, seed: int, params: dict[str, np.ndarray],
               state: dict[str, np.ndarray], synapses: SynapseTable, ring_e: np.ndarray,
               ring_i: np.ndarray, inputs: KernelInputs, recording: RecordingSpec,
               plastic: PlasticTables, spike_count: np.ndarray | None = None
               ) -> tuple[np.ndarray, np.ndarray]:
    """Advance the network by ``n_steps`` steps of ``dt`` ms from global step ``step0``.

    ``params`` holds :data:`~.neurons.FLOAT_FIELDS`, ``model`` and ``refr_steps``; ``state``
    holds :data:`STATE_NAMES` and ``refr`` (updated in place, as are the rings, ``i_stim`` and
    ``pois_next``; ``synapses.weight`` and ``plastic.state`` where synapses are plastic).
    Returns the global step and presynaptic id of every recorded spike. ``spike_count`` (int64,
    one entry per presynaptic id: neurons, then sources), when given, gets every spike of the
    run added in place, recorded or not.
    """
    if spike_count is None:
        spike_count = np.zeros(synapses.ptr.size - 1, dtype=np.int64)
    a, st, syn, inp, rec, pl = params, state, synapses, inputs, recording, plastic
    spk_steps, spk_ids, n_lost = run_steps(
        n_steps, step0, dt, seed,
        a["model"], a["cm"], a["g_l"], a["e_l"], a["v_reset"], a["v_peak"], a["v_th"],
        a["delta_t"], a["a"], a["b"], a["tau_w"], a["e_e"], a["e_i"], a["i_offset"],
        a["refr_steps"], a["dec_e"], a["dec_i"], a["dec_e_half"], a["dec_i_half"],
        a["p22"], a["p21e"], a["p21i"], a["noise_std"],
        a["psc_e"], a["psc_i"], a["p31e"], a["p31i"], a["rise_e"], a["rise_i"],
        st["v"], st["ge"], st["gi"], st["w"], st["refr"], inp.i_stim, st["dge"], st["dgi"],
        inp.gen_kind, inp.gen_par, inp.gen_int, inp.gen_ptr, inp.gen_tgt,
        syn.ptr, syn.post, syn.weight, syn.delay_steps, syn.inhibitory,
        ring_e, ring_i, inp.ev_ptr, inp.ev_ids,
        inp.pois_pre, inp.pois_rate, inp.pois_start, inp.pois_stop, inp.pois_next,
        inp.cur_step, inp.cur_idx, inp.cur_delta, rec.spike_rec,
        rec.rec_neuron, rec.rec_kind, rec.rec_every, rec.rec_ptr, rec.rec_out,
        pl.syn_pidx, pl.kind, pl.par, pl.par_set, pl.state, pl.d_ax, pl.d_den, pl.syn,
        pl.post_ptr, pl.post_pl, pl.dden_values, pl.post_ring, pl.post_ring_n, pl.dax_values, pl.pre_ring,
        pl.pre_ring_n, pl.pre_ax_mask, pl.sweep_period, pl.sweep_ptr, pl.sweep_pl, spike_count)
    if n_lost:
        raise PlasticityQueueError(
            f"{n_lost} presynaptic spikes reached plastic synapses with an axonal delay more "
            f"than twice per source in one time step; merge such spikes or use a smaller "
            f"time step")
    return spk_steps, spk_ids
