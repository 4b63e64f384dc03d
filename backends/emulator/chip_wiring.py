"""How the engine uses the emulated chip (``neurohw.backends.emulator.chip``).

:class:`ChipWiring` is mixed into the backend's runtime (``state.engine``). With ``ideal=True`` there is no chip and every hook
is the identity: the engine integrates exactly what the PyNN script asked for. Otherwise
(the default) a :class:`~neurohw.backends.emulator.chip.Chip` built from ``setup()``'s
``preset``/``chip_seed``/``seed``/``calibration``/``n_chips``/``strict`` is in the loop:

- placement before the first run (populations -> circuits, projections -> synapse rows); a
  network that does not fit raises ``MappingError`` before anything runs;
- neuron parameters realised per circuit (DAC + fixed-pattern noise); ``HWNeuron`` takes codes,
  and its ``syn_gain_E``/``syn_gain_I`` codes scale its incoming weights (in ideal mode HWNeuron
  codes go through the nominal transfer curves and the gain codes are not applied);
- weights quantised per projection: ``prj.get("weight")`` returns the *digital* realised value
  (weight code x row scale, after clipping and synapse loss), ``prj.quantisation_report`` says
  how; the analog per-circuit synaptic gain (fixed-pattern noise, or the calibrated gain; for
  ``HWNeuron`` targets the gain its ``syn_gain_*`` codes realise) multiplies the digital
  weights only inside the engine (:meth:`ChipWiring.engine_weights`), so it never reaches the
  PyNN API; delays are replaced by the one routing delay;
- SpikeSourceArray events beyond the host budget dropped (counted); SpikeSourcePoisson sources
  drawn from the chip's few shared noise generators (source ``i`` uses generator
  ``i % n_noise_generators``, see ``chip.host_io``);
- membrane noise in the kernel, spike times on the chip clock, ``v`` through the ADC on a
  limited number of channels.

SpikeSourceArray events of all populations share the host budget of the ``n_chips`` chips.
"""

from __future__ import annotations

import numpy as np

from neurohw.errors import NeurohwError

from .cell_kinds import is_neuron_population
from .engine import plasticity as pl
from .synapse_dynamics import (PlasticSpec, check_em_parameters, check_stdp_parameters,
                               check_tsodyks_parameters, em_spec, rule_of, stdp_exponents)


class CalibrationSetupError(NeurohwError, ValueError):
    """A ``setup(calibration=...)`` value the emulator cannot use."""


def _is_calibration_object(obj) -> bool:
    return all(hasattr(obj, name) for name in ("codes_for", "has", "chip_seed", "preset"))


class ChipWiring:
    """Chip-facing part of the backend's :class:`~neurohw.backends.emulator.runtime.Runtime`."""

    chip = None
    placement = None
    dropped_events = 0

    # -- set-up --------------------------------------------------------------------------
    def configure_chip(self) -> None:
        """Create the chip for the current ``setup()`` options (none when ``ideal``)."""
        opts = self.state.options
        self.chip = None
        self.placement = None
        self.dropped_events = 0
        self._readout_calls = 0
        self.new_energy_account()
        if opts.ideal:
            if opts.calibration is not None:
                raise CalibrationSetupError(
                    "setup(ideal=True) has no chip to calibrate; drop calibration=... or use "
                    "ideal=False")
            return
        from .chip import Chip, ChipSwitches

        calibration = opts.calibration
        if calibration is not None and not _is_calibration_object(calibration):
            try:
                from neurohw.hw_calibration import load_for_setup
            except ImportError as err:
                raise CalibrationSetupError(
                    f"setup(calibration={calibration!r}): loading calibrations needs "
                    f"neurohw.hw_calibration.load_for_setup ({err}); pass a calibration object "
                    f"or None") from err
            calibration = load_for_setup(calibration, opts.chip_seed, opts.preset)
        switches = ChipSwitches(**{**ChipSwitches.realistic().to_dict(),
                                   **(opts.distortions or {})})
        self.chip = Chip(preset=opts.preset, chip_seed=opts.chip_seed, seed=opts.seed,
                         switches=switches, calibration=calibration,
                         strict=opts.strict, n_chips=opts.n_chips)

    # -- placement -----------------------------------------------------------------------
    def place_network(self) -> None:
        """Populations -> circuits, projections -> rows (raises MappingError if it does not
        fit, unless ``allow_synapse_loss``)."""
        from .chip import PopulationSpec, ProjectionSpec

        pops = self.state.populations
        labels = dict(zip([id(p) for p in pops], _unique_labels([str(p.label) for p in pops])))
        pop_specs = [PopulationSpec(label=labels[id(p)], size=p.size,
                                    is_source=not is_neuron_population(p),
                                    cell_type=p.celltype.__class__.__name__) for p in pops]
        by_offset = sorted(pops, key=lambda p: p._engine_offset)
        starts = np.array([p._engine_offset for p in by_offset])
        prj_specs, self._prj_parts, used_labels = [], {}, set()
        for prj in self.state.projections:
            pre_g, post_g = prj._global_indices()
            pre_owner = np.searchsorted(starts, pre_g, side="right") - 1
            post_owner = np.searchsorted(starts, post_g, side="right") - 1
            parts = []
            for a in np.unique(pre_owner):
                for b in np.unique(post_owner[pre_owner == a]):
                    sel = np.nonzero((pre_owner == a) & (post_owner == b))[0]
                    pre_pop, post_pop = by_offset[a], by_offset[b]
                    whole = len(parts) == 0 and np.all(pre_owner == a) and np.all(post_owner == b)
                    label = prj.label if whole else \
                        f"{prj.label} [{pre_pop.label}->{post_pop.label}]"
                    # PyNN labels need not be unique (two projections between the same
                    # populations share the default label); the placement keys on them
                    label = _unique_label(label, used_labels)
                    prj_specs.append(ProjectionSpec(
                        label=label, pre=labels[id(pre_pop)], post=labels[id(post_pop)],
                        receptor=prj.receptor_type,
                        pre_index=pre_g[sel] - pre_pop._engine_offset,
                        post_index=post_g[sel] - post_pop._engine_offset))
                    parts.append((label, sel))
            self._prj_parts[id(prj)] = parts
        self.placement = self.chip.place(pop_specs, prj_specs,
                                         allow_synapse_loss=self.state.options.allow_synapse_loss)
        for p in pops:
            if is_neuron_population(p):
                p._circuits = np.asarray(self.placement.circuits[labels[id(p)]], dtype=np.int64)
        for prj in self.state.projections:
            prj._realised_cache = {}

    @property
    def lost_synapses(self) -> int:
        return int(self.placement.n_lost_synapses) if self.placement is not None else 0

    # -- parameters and weights ----------------------------------------------------------
    def realise_population(self, pop, params: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
        """Requested PyNN parameters -> the values this population's circuits realise."""
        name = pop.celltype.__class__.__name__
        circuits = pop._circuits
        if name == "HWNeuron":
            codes = {k: np.asarray(v).astype(np.int64) for k, v in params.items()}
            realised = self.chip.realise_dac_codes(codes, circuits)
            pop._syn_gain = (realised.get("syn_gain_E"), realised.get("syn_gain_I"))
            return realised
        requested = {k: np.broadcast_to(v, (pop.size,)).astype(float) for k, v in params.items()}
        realised, _codes = self.chip.realise_neuron_parameters(name, requested, circuits)
        out = dict(requested)
        out.update(realised)
        return out

    def realise_projection(self, prj) -> None:
        """Digital quantised weights (and the routing delay) of ``prj`` into its realised
        cache. No analog gain here: see :meth:`engine_weights`."""
        if self.placement is None:
            self.build()
        weights = np.asarray(prj._params["weight"], dtype=float)
        pre_g, _post_g = prj._global_indices()
        kept = np.ones(weights.size, dtype=bool)
        for label, sel in self._prj_parts.get(id(prj), []):
            mask = self.placement.kept.get(label)
            if mask is not None:
                kept[sel] = np.asarray(mask, dtype=bool)
        conductance = bool(getattr(prj.post, "conductance_based", True))
        unit = "uS" if conductance else "nA"
        realised = np.zeros_like(weights)
        report = None
        if weights.size and rule_of(prj) in ("stdp", "em"):
            # plastic rows are scaled so that the top weight code is w_max
            digital, _codes, report = self.chip.quantise_plastic_weights(
                np.abs(weights), np.abs(prj._params["w_max"]), weight_unit=unit)
            realised = np.where(kept, np.sign(weights) * digital, 0.0)
        elif weights.size:
            digital, report = self.chip.quantise_weights(np.abs(weights), pre_g,
                                                         weight_unit=unit)
            realised = np.where(kept, np.sign(weights) * digital, 0.0)
        prj.quantisation_report = report
        prj.kept_mask = kept
        prj._realised_cache["weight"] = realised
        prj._realised_cache["delay"] = np.full(weights.size, self.chip.routing_delay_ms)

    def engine_weights(self, receptor: str, post_g: np.ndarray, digital: np.ndarray
                       ) -> np.ndarray:
        """Digital weights -> the analog weights the circuits integrate: times each post
        circuit's realised synaptic gain (dimensionless, nominally 1). ``HWNeuron`` targets use
        the gain their ``syn_gain_E``/``syn_gain_I`` codes realise (current codes, so
        ``pop.set(syn_gain_E=...)`` between runs takes effect); other cells the gain the chip
        applies for them (nominal code, or the calibrated one)."""
        gain = np.ones(post_g.size)
        for pop in self.state.populations:
            circuits = getattr(pop, "_circuits", None)
            if circuits is None:
                continue
            sel = (post_g >= pop._engine_offset) & (post_g < pop._engine_offset + pop.size)
            if not sel.any():
                continue
            local = post_g[sel] - pop._engine_offset
            coded = getattr(pop, "_syn_gain", None)
            if pop.celltype.__class__.__name__ == "HWNeuron" and coded is not None:
                gain[sel] = np.asarray(coded[0 if receptor == "excitatory" else 1],
                                       dtype=float)[local]
            else:
                gain[sel] = self.chip.synaptic_gain(receptor, circuits[local])
        return np.asarray(digital, dtype=float) * gain

    # -- plasticity ----------------------------------------------------------------------
    def controller_period_steps(self) -> int:
        """The update controller's period in time steps (>= 1): the chip's, or in ideal mode
        the preset's nominal one (online EM runs at the controller's visits there too)."""
        from .chip.plasticity import CIRCUITS
        from .chip.presets import get_preset

        if self.chip is not None:
            period = self.chip.plasticity.update_period_bio_ms
        else:
            preset = get_preset(self.state.options.preset)
            period = CIRCUITS[preset.name].update_period_hw_us * 1e-3 * preset.acceleration
        return max(1, int(round(period / self.state.dt)))

    def chip_plastic_spec(self, prj, delay_steps: np.ndarray, tau_psc: np.ndarray | None
                          ) -> PlasticSpec:
        """A plastic projection as the chip's circuits realise it (``chip.plasticity``):
        STDP on the correlation sensors of each synapse and the update controller, with every
        delay axonal (the synapse sees the presynaptic spike after the routing delay, the
        postsynaptic one at once); Tsodyks-Markram in the presynaptic drivers."""
        n = len(prj)
        p = prj._params
        pre_g, post_g = prj._global_indices()
        circuits = self._post_circuits(post_g)
        par = np.zeros((n, pl.N_PAR))
        plasticity = self.chip.plasticity
        label = prj.label
        weight = np.asarray(prj._realised("weight"), dtype=float)
        if rule_of(prj) == "tsodyks":
            check_tsodyks_parameters(prj, tau_psc)
            real = plasticity.realise_tsodyks(label, p, pre_g, circuits)
            par[:, pl.P_U] = real["U"]
            par[:, pl.P_TAU_REC] = real["tau_rec"]
            par[:, pl.P_TAU_FACIL] = real["tau_facil"]
            par[:, pl.P_TAU_PSC] = tau_psc
            return PlasticSpec(kind=np.full(n, pl.KIND_TSODYKS, np.int8), par=par,
                               d_ax=np.zeros(n, np.int64), d_den=delay_steps.astype(np.int64),
                               sweep_phase=np.zeros(n, np.int64), weight=weight,
                               code=np.zeros(n))
        conductance = bool(getattr(prj.post, "conductance_based", True))
        max_weight = self.chip.max_weight("uS" if conductance else "nA")
        top = self.chip.plastic_top_code
        period = self.controller_period_steps()
        rows = self.chip.preset.synapse_rows_per_neuron
        phase = ((pre_g % rows) * period) // rows
        if rule_of(prj) == "em":
            check_em_parameters(prj)
            real = plasticity.realise_em(label, p, pre_g, circuits, max_weight)
            return em_spec(prj, real["window"], real["eta_c"], real["w_max"], top,
                           self.engine_weights(prj.receptor_type, post_g, real["w_max"] / top),
                           delay_steps.astype(np.int64), np.zeros(n, np.int64), phase, weight,
                           stochastic=plasticity.circuits.stochastic_rounding)
        check_stdp_parameters(prj)
        real = plasticity.realise_stdp(label, p, pre_g, circuits, max_weight)
        mu_plus, mu_minus = stdp_exponents(prj)
        digital_step = real["w_max"] / top
        analog_step = self.engine_weights(prj.receptor_type, post_g, digital_step)
        for col, value in ((pl.P_TAU_PLUS, real["tau_plus"]),
                           (pl.P_TAU_MINUS, real["tau_minus"]), (pl.P_A_PLUS, p["A_plus"]),
                           (pl.P_A_MINUS, p["A_minus"]), (pl.P_W_MIN, 0.0),
                           (pl.P_W_MAX, real["w_max"]), (pl.P_MU_PLUS, mu_plus),
                           (pl.P_MU_MINUS, mu_minus), (pl.P_ETA_C, real["eta_c"]),
                           (pl.P_ETA_A, real["eta_a"]), (pl.P_TOP_CODE, top),
                           (pl.P_CODE_STEP, analog_step),
                           (pl.P_STOCHASTIC, float(plasticity.circuits.stochastic_rounding))):
            par[:, col] = value
        return PlasticSpec(kind=np.full(n, pl.KIND_CHIP_STDP, np.int8), par=par,
                           d_ax=delay_steps.astype(np.int64), d_den=np.zeros(n, np.int64),
                           sweep_phase=phase, weight=weight,
                           code=np.rint(np.abs(weight) / digital_step))

    @staticmethod
    def weights_of_codes(prj, codes: np.ndarray, spec: PlasticSpec) -> np.ndarray:
        """Weight codes after learning -> realised digital weights (uS or nA, signed as the
        projection's), what ``get("weight")`` reports."""
        w_max = spec.par[:, pl.P_W_MAX]
        sign = np.where(np.asarray(prj._params["weight"]) < 0, -1.0, 1.0)
        return sign * codes * w_max / spec.par[:, pl.P_TOP_CODE]

    def _post_circuits(self, post_g: np.ndarray) -> np.ndarray:
        """Neuron circuit of each engine neuron index in ``post_g``."""
        circuits = np.zeros(post_g.size, dtype=np.int64)
        for pop in self.state.populations:
            c = getattr(pop, "_circuits", None)
            if c is None:
                continue
            sel = (post_g >= pop._engine_offset) & (post_g < pop._engine_offset + pop.size)
            circuits[sel] = c[post_g[sel] - pop._engine_offset]
        return circuits

    def _plasticity_report(self) -> list[str]:
        """One line per plastic projection: where its rule runs and how it sees the spikes."""
        lines = []
        for prj in self.state.projections:
            rule = rule_of(prj)
            if rule is None:
                continue
            if rule == "tsodyks":
                lines.append(f"  projection {prj.label!r}: short-term plasticity in the "
                             f"presynaptic synapse drivers (parameters per source)")
                continue
            rounding = ("stochastic" if self.chip.plasticity.circuits.stochastic_rounding
                        else "threshold-and-hold")
            what = {"stdp": "STDP on the synapses' correlation sensors",
                    "em": "online EM on the plasticity processor"}[rule]
            lines.append(
                f"  projection {prj.label!r}: {what}, update controller every "
                f"{self.chip.plasticity.update_period_bio_ms:g} ms bio; the synapse sees pre "
                f"spikes after the {self.chip.routing_delay_ms:g} ms routing delay and post "
                f"spikes at once (dendritic_delay_fraction requested: "
                f"{float(np.mean(prj._params.get('dendritic_delay_fraction', 0.0))):g}, realised: "
                f"0); {int(self.chip.plastic_top_code) + 1} weight codes up to w_max, "
                f"{rounding} rounding")
        return lines

    def has_hw_neurons(self) -> bool:
        """Whether any population is an ``HWNeuron`` (its gain codes scale its weights)."""
        return any(p.celltype.__class__.__name__ == "HWNeuron" for p in self.state.populations)

    # -- inputs --------------------------------------------------------------------------
    def filter_host_events(self, pop, trains: list[np.ndarray], t0: float, t1: float
                           ) -> list[np.ndarray]:
        kept, dropped = self.chip.filter_host_events(trains, t0, t1)
        self.dropped_events += int(dropped)
        return [np.asarray(k, dtype=float) for k in kept]

    def uses_shared_noise_generators(self) -> bool:
        """True when SpikeSourcePoisson maps to the chip's few shared generators (otherwise
        every source is an independent Poisson process, as in ideal mode)."""
        return self.chip is not None and self.chip.switches.shared_noise_generators

    def poisson_events(self, pop, rates, start, duration, t0, t1, rng):
        """On-chip generator trains for a SpikeSourcePoisson population, as (global step of
        emission, local index); a spike at t in (k*dt, (k+1)*dt] goes out in step k."""
        dt = self.state.dt
        trains = self.chip.poisson_trains(np.asarray(rates, float), t0, t1, rng)
        steps, idx = [], []
        for i, train in enumerate(trains):
            train = np.asarray(train, dtype=float)
            train = train[(train >= start[i]) & (train < start[i] + duration[i])
                          & (train > t0) & (train <= t1)]
            if train.size:
                s = np.maximum(np.ceil(train / dt - 1e-9).astype(np.int64) - 1, 0)
                steps.append(s)
                idx.append(np.full(s.size, i, dtype=np.int64))
        if not steps:
            return np.zeros(0, np.int64), np.zeros(0, np.int64)
        return np.concatenate(steps), np.concatenate(idx)

    # -- readout -------------------------------------------------------------------------
    def check_membrane_recording(self, pop, n_in_pop: int) -> None:
        total = 0
        for p in self.state.populations:
            for variable, ids in p.recorder.recorded.items():
                if variable.name == "v":
                    total += len(ids)
        self.chip.check_membrane_recording(total)

    def read_membrane(self, block: np.ndarray) -> np.ndarray:
        if self.chip is None:
            return block
        self._readout_calls = getattr(self, "_readout_calls", 0) + 1
        rng = np.random.default_rng(self.stream_seed(self._readout_calls, 7))
        return self.chip.read_membrane(block, rng)

    # -- energy and hardware time ----------------------------------------------------------
    def new_energy_account(self) -> None:
        """Start a new account of counted events (``setup()``, ``reset()``)."""
        from .chip.energy import EventCounts

        self.energy_counts = EventCounts()

    def account_configuration(self, n_words: int) -> None:
        """Configuration words written to the chip(s) when the network was (re)built."""
        self._counts().configuration_words += int(n_words)

    def _counts(self):
        if getattr(self, "energy_counts", None) is None:
            self.new_energy_account()
        return self.energy_counts

    def account_run(self, spike_count: np.ndarray, step0: int, n_steps: int, host_events: int,
                    dropped: int, recorded_spikes: int) -> None:
        """Add one run's exact counts: ``spike_count`` per presynaptic id (from the kernel),
        synaptic events = spikes x fan-out (the synapse table's CSR ``ptr``), host events
        sent, recorded spikes read back, and the update controller's synapse visits."""
        from .chip.energy import controller_visits

        c = self._counts()
        spike_count = np.asarray(spike_count, dtype=np.int64)
        fan_out = np.diff(self.synapses.ptr)
        c.bio_time_ms += n_steps * self.state.dt
        c.synaptic_events += int(np.dot(spike_count, fan_out))
        c.neuron_spikes += int(spike_count[:self.n_neurons].sum())
        c.source_spikes += int(spike_count[self.n_neurons:].sum())
        for pop in self.state.populations:
            off = getattr(pop, "_engine_offset", None)
            if off is None:
                continue
            label = str(pop.label)
            c.spikes_by_population[label] = c.spikes_by_population.get(label, 0) + \
                int(spike_count[off:off + pop.size].sum())
        c.host_events += int(host_events)
        c.dropped_host_events += int(dropped)
        c.recorded_spikes += int(recorded_spikes)
        pl_tables = self.plastic
        c.plasticity_updates += controller_visits(pl_tables.sweep_ptr, pl_tables.sweep_period,
                                                  step0, n_steps)
        c.runs += 1

    def energy_report(self):
        """Hardware wall time and energy estimate of the current segment (since the last
        ``reset()``), with the counts, the preset's figures and their sources. In ideal mode
        the preset's figures are applied to the network as requested (no chip: nothing is
        dropped or lost), and the report says so."""
        from neurohw.energy import EnergyReport

        from .chip.energy import estimate, figures_for

        opts = self.state.options
        figures = figures_for(opts.preset)
        c = self._counts()
        n_chips = int(opts.n_chips)
        est = estimate(c, figures, self.acceleration, n_chips)
        note = ("estimate for the emulated chip; per-event figures marked ESTIMATE are "
                "order-of-magnitude choices (see neurohw.backends.emulator.chip.energy)")
        if self.chip is None:
            note = ("ideal mode: no chip distortions, the preset's figures applied to the "
                    "network as requested; " + note)
        return EnergyReport(
            backend="emulator", preset=opts.preset, ideal=self.chip is None,
            acceleration=float(self.acceleration), n_chips=n_chips,
            biological_time_s=c.bio_time_ms * 1e-3,
            host_wall_time_s=float(getattr(self, "segment_kernel_wall_s", 0.0)),
            method="event counts x per-event figures + static chip power x hardware time",
            note=note, counts=c.to_dict(), figures=figures.to_dict(), **est)

    def energy_annotations(self) -> dict:
        """Scalar neo annotations of :meth:`energy_report`."""
        rep = self.energy_report()
        out = {k: float(rep[k]) for k in ("hardware_wall_time_s", "emulation_time_s",
                                          "configuration_time_s", "host_io_time_s",
                                          "energy_J")}
        for part, value in rep["energy_parts_J"].items():
            out[f"energy_{part}_J"] = float(value)
        c = rep["counts"]
        for key in ("synaptic_events", "neuron_spikes", "source_spikes", "host_events",
                    "plasticity_updates", "configuration_words"):
            out[f"count_{key}"] = int(c[key])
        out["energy_model"] = f"{rep['preset']} figures (neurohw.backends.emulator.chip.energy)"
        return out

    # -- reporting -----------------------------------------------------------------------
    def annotations(self) -> dict:
        """neo annotations (DESIGN): backend, preset, acceleration, hardware duration, chip
        identity, calibration id, dropped input events, lost synapses, and which distortions are
        switched off (comma-separated ChipSwitches names, "none" or "all")."""
        state = self.state
        opts = state.options
        out = {
            "backend": "emulator",
            "preset": opts.preset,
            "ideal": bool(self.chip is None),
            "acceleration": float(self.acceleration),
            "hardware_duration_ms": float(state.t / self.acceleration),
            "biological_duration_ms": float(state.t),
            "chip_seed": int(opts.chip_seed),
            "seed": int(opts.seed),
            "n_chips": int(opts.n_chips),
            "calibration_id": (self.chip.calibration_id if self.chip is not None else None)
            or "none",
            "dropped_input_events": int(self.dropped_events),
            "lost_synapses": int(self.lost_synapses),
        }
        out.update(self.energy_annotations())
        if self.chip is None:
            out["distortions_off"] = "all"
        else:
            off = [name for name, on in self.chip.switches.to_dict().items() if not on]
            out["distortions_off"] = ",".join(off) or "none"
            out["routing_delay_ms"] = float(self.chip.routing_delay_ms)
            out["clock_period_ms"] = float(self.chip.preset.clock_period_bio_ms)
        return out

    def mapping_report(self) -> str:
        """Placement, rows used, losses and weight quantisation, in PyNN terms."""
        self.build()
        opts = self.state.options
        if self.chip is None:
            lines = [f"neurohw emulator (ideal: no chip, no placement), preset {opts.preset}"]
            for pop in self.state.populations:
                lines.append(f"  population {pop.label!r}: {pop.size} x "
                             f"{pop.celltype.__class__.__name__}")
            for prj in self.state.projections:
                lines.append(f"  projection {prj.label!r}: {len(prj)} connections")
            return "\n".join(lines)
        lines = [self.placement.report()]
        for prj in self.state.projections:
            prj._realised("weight")
            rep = prj.quantisation_report
            if rep is not None:
                d = rep.to_dict()
                lines.append(f"  weights of {prj.label!r}: " +
                             ", ".join(f"{k}={v:.4g}" if isinstance(v, float) else f"{k}={v}"
                                       for k, v in d.items()))
        lines.extend(self._plasticity_report())
        lines.append(f"  dropped host input events so far: {self.dropped_events}")
        return "\n".join(lines)



def _unique_label(label: str, used: set[str]) -> str:
    """``label``, or "label (2)", "label (3)", ... if taken; the result is added to ``used``."""
    new, k = label, 1
    while new in used:
        k += 1
        new = f"{label} ({k})"
    used.add(new)
    return new


def _unique_labels(labels: list[str]) -> list[str]:
    """``labels`` with repeats told apart (see :func:`_unique_label`)."""
    used: set[str] = set()
    return [_unique_label(label, used) for label in labels]
