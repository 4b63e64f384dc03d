"""The backend's runtime: flat engine arrays built from the PyNN objects (and realised by the
chip), run segment by segment by the array-level engine.

:class:`Runtime` (``state.engine``) owns the compiled network (neuron parameters, synapse table,
delay ring buffer), moves state between the populations and the engine
(:func:`~neurohw.backends.emulator.engine.runner.run_kernel`, which takes arrays only and knows
nothing of the chip), and talks to the chip model through :class:`~.chip_wiring.ChipWiring`.
It rebuilds only what changed (``dirty``): parameters are cheap, the synapse table is rebuilt
only after connections, weights or delays changed.
"""

from __future__ import annotations

import numpy as np

from ._seeding import seed_for as _seed_for
from .cell_kinds import engine_model, is_neuron_population, synapse_shape
from .chip_wiring import ChipWiring
from .current_generators import generator_inputs
from .engine.neurons import FLOAT_FIELDS, neuron_arrays
from .engine.runner import (REC_KIND as _REC_KIND, STATE_NAMES as _STATE_NAMES, KernelInputs,
                            RecordingSpec, run_kernel)
from .engine import plasticity as pl
from .engine.synapses import SynapseTable, build_synapse_table
from .chip.energy import PARAMS_PER_NEURON
from .synapse_dynamics import PlasticSpec, ideal_spec, rule_of, tsodyks_psc_time_constants


class Runtime(ChipWiring):
    """Compiled network of the emulator backend (one per :class:`State`, as ``state.engine``)."""

    def __init__(self, state) -> None:
        self.state = state
        self.dirty: set[str] = {"structure"}
        self.n_neurons = 0
        self.n_sources = 0
        self.arrays: dict[str, np.ndarray] = {}
        self.synapses: SynapseTable | None = None
        self.ring_e = np.zeros((2, 0))
        self.ring_i = np.zeros((2, 0))
        self.plastic = pl.empty_tables(0, 0, 0)
        self._plastic_projections: list = []
        self.run_calls = 0
        self.reseeded: int | None = None
        self.reseed_step = 0
        self._initial_samples_stored = False
        self.chip = None
        self.placement = None
        self.dropped_events = 0
        self.last_kernel_wall_s = 0.0
        self.segment_kernel_wall_s = 0.0
        self._host_events_this_run = 0
        self.new_energy_account()

    # -- properties ----------------------------------------------------------------------
    @property
    def acceleration(self) -> float:
        if self.chip is not None:
            return float(self.chip.preset.acceleration)
        return {"bss1": 1e4, "bss2": 1e3}[self.state.options.preset]

    # -- building ------------------------------------------------------------------------
    def _layout(self) -> None:
        """Assign engine offsets: neurons first, then sources (presynaptic id space)."""
        n = 0
        for pop in self.state.populations:
            if is_neuron_population(pop):
                pop._engine_offset = n
                n += pop.size
        s = 0
        for pop in self.state.populations:
            if not is_neuron_population(pop):
                pop._engine_offset = n + s
                s += pop.size
        self.n_neurons, self.n_sources = n, s

    def _build_parameters(self) -> None:
        dt = self.state.dt
        blocks = []
        for pop in self.state.populations:
            if is_neuron_population(pop):
                params = pop._engine_parameters()
                blocks.append(neuron_arrays(engine_model(pop), params, dt, synapse_shape(pop)))
        names = FLOAT_FIELDS + ("model", "refr_steps")
        if blocks:
            self.arrays = {k: np.ascontiguousarray(np.concatenate([b[k] for b in blocks]))
                           for k in names}
        else:
            self.arrays = {k: np.zeros(0, dtype=np.int8 if k == "model" else
                                       np.int64 if k == "refr_steps" else float)
                           for k in names}
        if self.chip is not None:
            self.arrays["noise_std"][:] = self.chip.membrane_noise_std_mV

    def _build_synapses(self) -> None:
        dt = self.state.dt
        pres, posts, weights, delays, inh = [], [], [], [], []
        for prj in self.state.projections:
            pre_g, post_g = prj._global_indices()
            w, d = prj._engine_weights_delays()
            pres.append(pre_g)
            posts.append(post_g)
            weights.append(w)
            delays.append(np.maximum(np.rint(d / dt).astype(np.int64), 1))
            inh.append(np.full(pre_g.size, prj.receptor_type == "inhibitory"))
        cat = (lambda xs, dtype: np.concatenate(xs).astype(dtype) if xs else np.zeros(0, dtype))
        self.synapses = build_synapse_table(
            self.n_neurons + self.n_sources, cat(pres, np.int64), cat(posts, np.int64),
            cat(weights, np.float64), cat(delays, np.int64), cat(inh, np.bool_))
        n_slots = self.synapses.max_delay_steps + 1
        if self.ring_e.shape != (n_slots, self.n_neurons):
            self._resize_ring(n_slots)
        self._build_plastic(delays, posts)

    def _build_plastic(self, delays: list[np.ndarray], posts: list[np.ndarray]) -> None:
        """Plastic projections -> the engine's plastic-synapse tables (their state carried
        over from the projections, where the last run left it)."""
        syn = self.synapses
        n_pre = self.n_neurons + self.n_sources
        entry_of = np.empty_like(syn.order)
        entry_of[syn.order] = np.arange(syn.order.size)
        self._plastic_projections = []
        entries, specs, states = [], [], []
        offset = 0
        for prj, d, post_g in zip(self.state.projections, delays, posts):
            n = len(prj)
            if rule_of(prj) is not None and n:
                spec = self._plastic_spec(prj, d, post_g)
                state = getattr(prj, "_plastic_state", None)
                if state is None or state.shape[0] != n or \
                        not np.array_equal(getattr(prj, "_plastic_kind", None), spec.kind):
                    state = pl.initial_state(spec.kind)
                pl.set_weights(spec.kind, state, spec.weight, spec.code)
                prj._plastic_kind = spec.kind
                rows = entry_of[offset:offset + n]
                self._plastic_projections.append((prj, rows, spec))
                entries.append(rows)
                specs.append(spec)
                states.append(state)
            offset += n
        if not specs:
            self.plastic = pl.empty_tables(self.n_neurons, n_pre, syn.n_synapses)
            return
        cat = (lambda name: np.concatenate([getattr(sp, name) for sp in specs]))
        period = self.controller_period_steps()
        self.plastic = pl.build_plastic_tables(
            self.n_neurons, n_pre, syn.ptr, syn.post, np.concatenate(entries), cat("kind"),
            cat("par"), np.concatenate(states), cat("d_ax"), cat("d_den"),
            sweep_period=period, sweep_phase=cat("sweep_phase"))

    def _plastic_spec(self, prj, delay_steps: np.ndarray, post_g: np.ndarray) -> PlasticSpec:
        """One plastic projection: NEST's rules (ideal) or the chip's circuits."""
        tau_psc = None
        if rule_of(prj) == "tsodyks":
            tau_psc = tsodyks_psc_time_constants(prj, post_g, self.arrays["dec_e"],
                                                 self.arrays["dec_i"], self.state.dt)
        if self.chip is not None:
            return self.chip_plastic_spec(prj, delay_steps, tau_psc)
        return ideal_spec(prj, delay_steps, tau_psc, self.controller_period_steps())

    def _store_plastic_results(self) -> None:
        """After a run: learned weights and rule state back into the projections (what
        ``get("weight")`` reports: the committed weight, realised on the chip)."""
        if not self.plastic.n:
            return
        start = 0
        for prj, rows, spec in self._plastic_projections:
            n = rows.size
            p = self.plastic.index_of_row[start:start + n]
            start += n
            prj._plastic_state = self.plastic.state[p].copy()
            if spec.kind[0] == pl.KIND_STDP:
                prj._store_learned_weights(self.synapses.weight[rows].copy())
            elif spec.kind[0] in (pl.KIND_CHIP_STDP, pl.KIND_EM):
                prj._store_learned_weights(self.weights_of_codes(
                    prj, prj._plastic_state[:, pl.S_CODE], spec))

    def _resize_ring(self, n_slots: int) -> None:
        """New ring buffer; spikes in flight are kept when the neuron count is unchanged."""
        new_e = np.zeros((n_slots, self.n_neurons))
        new_i = np.zeros((n_slots, self.n_neurons))
        old_slots = self.ring_e.shape[0]
        if self.ring_e.shape[1] == self.n_neurons and self.ring_e.size:
            step = self.state.step
            for k in range(min(old_slots, n_slots)):
                new_e[(step + k) % n_slots] = self.ring_e[(step + k) % old_slots]
                new_i[(step + k) % n_slots] = self.ring_i[(step + k) % old_slots]
        self.ring_e, self.ring_i = new_e, new_i

    def build(self) -> None:
        """Bring the compiled network up to date with the PyNN objects."""
        if not self.dirty:
            return
        if "structure" in self.dirty:
            self._layout()
        if self.chip is not None and (self.dirty & {"structure", "synapses"}
                                      or self.placement is None):
            self.place_network()
        self._build_parameters()
        words = self.n_neurons * PARAMS_PER_NEURON
        # HWNeuron gain codes (parameters) scale the analog weights: rebuild on their change
        gains_changed = "params" in self.dirty and self.chip is not None \
            and self.has_hw_neurons()
        if self.dirty & {"structure", "synapses"} or self.synapses is None or gains_changed:
            self._build_synapses()
            words += self.synapses.n_synapses
        self.account_configuration(words)
        self.dirty.clear()

    # -- random streams ------------------------------------------------------------------
    def stream_seed(self, *parts: int) -> int:
        """Seed of one random stream of the current segment: from ``setup(seed=...)`` and the
        segment number, or, after :meth:`reseed`, from the reseed value alone (so that a run
        resumed in a fresh process draws the same noise as an uninterrupted one)."""
        if self.reseeded is not None:
            return _seed_for(self.reseeded, 0x5EED, *parts)
        return _seed_for(self.state.options.seed, self.state.segment_counter, *parts)

    def reseed(self, seed: int) -> None:
        """Restart every run-time random stream (Poisson sources, on-chip noise generators,
        membrane and readout noise) from ``seed``; in effect until the next ``reset()``."""
        self.reseeded = int(seed)
        self.reseed_step = self.state.step
        self.run_calls = 0
        self._readout_calls = 0
        for pop in self.state.populations:
            if engine_model(pop) == "poisson_source":
                pop._pois_next = None

    # -- state ---------------------------------------------------------------------------
    def reset(self) -> None:
        """Initial values back into every population; nothing in flight; fresh sources."""
        self.reseeded = None
        self.reseed_step = 0
        self.ring_e[:] = 0.0
        self.ring_i[:] = 0.0
        self.plastic.clear_in_flight()
        pl.restart_traces(self.plastic.kind, self.plastic.state)
        for prj, _rows, spec in self._plastic_projections:
            if getattr(prj, "_plastic_state", None) is not None:
                pl.restart_traces(spec.kind, prj._plastic_state)
        self.run_calls = 0
        self.dropped_events = 0
        self.segment_kernel_wall_s = 0.0
        self.new_energy_account()
        self._initial_samples_stored = False
        for pop in self.state.populations:
            pop._reset_engine_state()

    def _gather_state(self) -> dict[str, np.ndarray]:
        pops = [p for p in self.state.populations if is_neuron_population(p)]
        out = {}
        for name in _STATE_NAMES:
            out[name] = np.ascontiguousarray(
                np.concatenate([p._state[name] for p in pops]) if pops else np.zeros(0))
        out["refr"] = np.ascontiguousarray(
            np.concatenate([p._state["refr"] for p in pops]) if pops else np.zeros(0, np.int64))
        return out

    def _scatter_state(self, st: dict[str, np.ndarray]) -> None:
        for pop in self.state.populations:
            if is_neuron_population(pop):
                sl = slice(pop._engine_offset, pop._engine_offset + pop.size)
                for name in _STATE_NAMES + ("refr",):
                    pop._state[name] = st[name][sl].copy()

    # -- inputs --------------------------------------------------------------------------
    def _current_inputs(self, step0: int, n_steps: int):
        """Injected current at the start of the run (nA per neuron) and its changes in it."""
        dt = self.state.dt
        i_stim = np.zeros(self.n_neurons)
        steps, idx, delta = [], [], []
        for source in self.state.current_sources:
            if source.is_generator:  # evaluated by the kernel (current_generators)
                continue
            times, amps = source.changes()
            change_steps = np.rint(np.asarray(times) / dt).astype(np.int64)
            levels = np.asarray(amps, dtype=float)
            if vars(source).get("_current_recorder") is not None:  # source.record()
                source._current_recorder.store_run(change_steps, levels, step0, n_steps)
            if times.size == 0:
                continue
            for pop, index in source._targets:
                if not hasattr(pop, "_engine_offset"):
                    continue
                targets = pop._engine_offset + index
                # level holding at step0: last change at or before step0
                k = np.searchsorted(change_steps, step0, side="right") - 1
                if k >= 0:
                    np.add.at(i_stim, targets, levels[k])
                prev = levels[k] if k >= 0 else 0.0
                inside = np.nonzero((change_steps > step0) &
                                    (change_steps < step0 + n_steps))[0]
                for j in inside:
                    steps.append(np.full(targets.size, change_steps[j]))
                    idx.append(targets)
                    delta.append(np.full(targets.size, levels[j] - prev))
                    prev = levels[j]
        if steps:
            s, i, d = np.concatenate(steps), np.concatenate(idx), np.concatenate(delta)
            order = np.argsort(s, kind="stable")
            return i_stim, s[order], i[order].astype(np.int64), d[order]
        return i_stim, np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros(0)

    def _source_inputs(self, step0: int, n_steps: int, rng: np.random.Generator):
        """Spike-source events of this run (CSR over local steps) and the Poisson sources the
        kernel generates itself."""
        dt = self.state.dt
        ev_steps, ev_ids = [], []
        pois = {"pre": [], "rate": [], "start": [], "stop": [], "next": []}
        t0, t1 = step0 * dt, (step0 + n_steps) * dt
        array_pops = [p for p in self.state.populations
                      if engine_model(p) == "array_source"]
        trains = [t for p in array_pops for t in p._spike_times_in(t0, t1)]
        if self.chip is not None and trains:
            # one host link per setup: the budget is shared by every SpikeSourceArray
            trains = self.filter_host_events(None, trains, t0, t1)
        start = 0
        self._host_events_this_run = 0
        for pop in array_pops:
            local_steps, local_ids = pop._array_source_events(trains[start:start + pop.size], dt)
            start += pop.size
            self._host_events_this_run += int(np.size(local_steps))
            ev_steps.append(local_steps)
            ev_ids.append(pop._engine_offset + local_ids)
        for pop in self.state.populations:
            if engine_model(pop) == "poisson_source":
                result = pop._poisson_inputs(t0, t1, dt, rng)
                if result[0] == "events":
                    ev_steps.append(result[1])
                    ev_ids.append(pop._engine_offset + result[2])
                else:
                    rates, start_ms, stop_ms, nxt = result[1:]
                    pois["pre"].append(pop._engine_offset + np.arange(pop.size))
                    pois["rate"].append(rates)
                    pois["start"].append(start_ms)
                    pois["stop"].append(stop_ms)
                    pois["next"].append(nxt)
        if ev_steps:
            steps = np.concatenate(ev_steps).astype(np.int64) - step0
            ids = np.concatenate(ev_ids).astype(np.int64)
            order = np.argsort(steps, kind="stable")
            steps, ids = steps[order], ids[order]
        else:
            steps, ids = np.zeros(0, np.int64), np.zeros(0, np.int64)
        ptr = np.zeros(n_steps + 1, dtype=np.int64)
        if steps.size:
            np.cumsum(np.bincount(steps, minlength=n_steps)[:n_steps], out=ptr[1:])
        cat = (lambda k, dtype: np.ascontiguousarray(np.concatenate(pois[k]).astype(dtype))
               if pois[k] else np.zeros(0, dtype))
        return ptr, ids, (cat("pre", np.int64), cat("rate", float), cat("start", float),
                          cat("stop", float), cat("next", float))

    def _recording_spec(self):
        """Spike-recording mask over presynaptic ids and the analog channels to sample."""
        spike_rec = np.zeros(self.n_neurons + self.n_sources, dtype=np.bool_)
        channels = []  # (recorder, variable name, ids, global indices, every)
        for pop in self.state.populations:
            rec = pop.recorder
            for variable, ids in rec.recorded.items():
                if not ids:
                    continue
                id_arr = np.array(sorted(int(i) for i in ids), dtype=np.int64)
                index = pop._engine_offset + (id_arr - int(pop.first_id))
                if variable.name == "spikes":
                    spike_rec[index] = True
                else:
                    every = max(1, int(round(rec.sampling_interval / self.state.dt)))
                    channels.append((rec, variable.name, id_arr, index, every))
        return spike_rec, channels

    # -- running -------------------------------------------------------------------------
    def run(self, n_steps: int) -> None:
        """Advance the network by ``n_steps`` time steps from ``state.step``."""
        import time

        self.build()
        state = self.state
        step0 = state.step
        if step0 == 0 and not self._initial_samples_stored:
            for rec in state.recorders:
                rec._store_initial_samples()
            self._initial_samples_stored = True
        if n_steps == 0:
            return
        call_seed = self.stream_seed(self.run_calls)
        rng = np.random.default_rng(call_seed)
        self.run_calls += 1
        st = self._gather_state()
        i_stim, cur_step, cur_idx, cur_delta = self._current_inputs(step0, n_steps)
        dropped_before = self.dropped_events
        ev_ptr, ev_ids, pois = self._source_inputs(step0, n_steps, rng)
        spike_rec, channels = self._recording_spec()
        counts = [((step0 + n_steps) // every) - (step0 // every)
                  for (_, _, _, index, every) in channels for _ in index]
        rec_neuron = np.concatenate([c[3] for c in channels]).astype(np.int64) \
            if channels else np.zeros(0, np.int64)
        rec_kind = np.concatenate([np.full(c[3].size, _REC_KIND[c[1]]) for c in channels]
                                  ).astype(np.int64) if channels else np.zeros(0, np.int64)
        rec_every = np.concatenate([np.full(c[3].size, c[4]) for c in channels]
                                   ).astype(np.int64) if channels else np.zeros(0, np.int64)
        rec_ptr = np.zeros(len(counts) + 1, dtype=np.int64)
        np.cumsum(np.asarray(counts, dtype=np.int64), out=rec_ptr[1:])
        rec_out = np.zeros(int(rec_ptr[-1]))
        spike_count = np.zeros(self.n_neurons + self.n_sources, dtype=np.int64)
        started = time.perf_counter()
        spk_steps, spk_ids = run_kernel(
            n_steps, step0, state.dt, _seed_for(call_seed, 1), self.arrays, st, self.synapses,
            self.ring_e, self.ring_i,
            KernelInputs(i_stim, cur_step, cur_idx, cur_delta, ev_ptr, ev_ids, *pois,
                         **generator_inputs(self, step0, n_steps)),
            RecordingSpec(spike_rec, rec_neuron, rec_kind, rec_every, rec_ptr, rec_out),
            self.plastic, spike_count)
        self.last_kernel_wall_s = time.perf_counter() - started
        self.segment_kernel_wall_s += self.last_kernel_wall_s
        self.account_run(spike_count, step0, n_steps, self._host_events_this_run,
                         self.dropped_events - dropped_before, int(spk_ids.size))
        self._scatter_state(st)
        self._store_plastic_results()
        self._store_poisson_state(pois)
        self._dispatch_spikes(spk_steps, spk_ids)
        pos = 0
        for rec, var, id_arr, index, every in channels:
            k = index.size
            block = rec_out[rec_ptr[pos]:rec_ptr[pos + k]].reshape(k, -1).T
            rec._store_signals(var, id_arr, block)
            pos += k

    def _store_poisson_state(self, pois) -> None:
        pre, nxt = pois[0], pois[4]
        if pre.size == 0:
            return
        for pop in self.state.populations:
            if engine_model(pop) == "poisson_source" and \
                    pop._pois_next is not None:
                sel = (pre >= pop._engine_offset) & (pre < pop._engine_offset + pop.size)
                if sel.any():
                    pop._pois_next = nxt[sel].copy()

    def _dispatch_spikes(self, steps: np.ndarray, ids: np.ndarray) -> None:
        if steps.size == 0:
            return
        times = (steps + 1) * self.state.dt
        for pop in self.state.populations:
            sel = (ids >= pop._engine_offset) & (ids < pop._engine_offset + pop.size)
            if sel.any():
                local = ids[sel] - pop._engine_offset
                pop.recorder._store_spikes(*pop._readout_spikes(local, times[sel]))
