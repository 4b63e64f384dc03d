"""Population, PopulationView and Assembly of the emulator backend.

A population keeps its PyNN parameters (native = PyNN names) as arrays in ``_parameters`` and its
engine state variables (``v``, ``ge``, ``gi``, ``w`` and the refractory counter) in ``_state``
between runs; the engine concatenates them into flat arrays for the compiled kernel.
"""

from __future__ import annotations

import numpy as np

from pyNN import common, errors
from pyNN.parameters import ParameterSpace, Sequence, simplify
from pyNN.standardmodels import StandardCellType

from . import simulator
from .engine.runner import STATE_OF_VARIABLE
from .recording import Recorder

#: Parameters that must be strictly positive (ms, nF) and those that must be >= 0.
_POSITIVE = ("cm", "tau_m", "tau_syn_E", "tau_syn_I", "tau_w")
_NON_NEGATIVE = ("tau_refrac", "rate", "duration", "delta_T")


def validate_hw_neuron_codes(params: dict) -> None:
    """HWNeuron parameters are raw DAC codes: integers in the preset's code range (0 is a valid
    code: the bio rules such as "tau_w must be > 0" do not apply to codes)."""
    from .chip import get_preset

    preset = get_preset(simulator.state.options.preset)
    for name, value in params.items():
        arr = np.asarray(value, dtype=float)
        bad = ~np.isfinite(arr) | (arr != np.rint(arr)) | (arr < 0) | (arr > preset.max_dac_code)
        if np.any(bad):
            raise errors.InvalidParameterValueError(
                f"HWNeuron: DAC code {name} = {arr[bad].ravel()[0]:g} is not an integer in "
                f"0..{preset.max_dac_code} ({preset.dac_bits}-bit DAC of preset "
                f"{preset.name!r}); use a code in that range")


def validate_parameters(celltype_name: str, params: dict) -> None:
    """Raise :class:`pyNN.errors.InvalidParameterValueError` for values no neuron can have.
    ``HWNeuron`` takes DAC codes: only the code range is checked (:func:`validate_hw_neuron_codes`).
    """
    if celltype_name == "HWNeuron":
        validate_hw_neuron_codes(params)
        return
    for name, value in params.items():
        if name == "spike_times":
            for seq in np.atleast_1d(value):
                times = np.asarray(seq.value if isinstance(seq, Sequence) else seq, dtype=float)
                if times.size and not np.all(np.isfinite(times)):
                    raise errors.InvalidParameterValueError(
                        f"{celltype_name}: spike_times must be finite numbers (ms)")
                if times.size and times.min() < 0:
                    raise errors.InvalidParameterValueError(
                        f"{celltype_name}: spike_times must be >= 0 ms, got {times.min():g}")
                if times.size > 1 and np.any(np.diff(times) < 0):
                    raise errors.InvalidParameterValueError(
                        f"{celltype_name}: spike_times must be sorted in increasing order")
            continue
        arr = np.asarray(value)
        if arr.dtype == object:
            continue
        arr = arr.astype(float)
        if np.any(~np.isfinite(arr)) and name not in ("duration", "stop"):
            raise errors.InvalidParameterValueError(
                f"{celltype_name}: parameter {name} must be finite, "
                f"got {arr[~np.isfinite(arr)][0]}")
        if name in _POSITIVE and np.any(arr <= 0):
            raise errors.InvalidParameterValueError(
                f"{celltype_name}: parameter {name} must be > 0, got {arr[arr <= 0][0]:g}")
        if name in _NON_NEGATIVE and np.any(arr < 0):
            raise errors.InvalidParameterValueError(
                f"{celltype_name}: parameter {name} must be >= 0, got {arr[arr < 0][0]:g}")


def _standard_parameters(population, names):
    """PyNN parameters ``names`` of a Population or PopulationView, translated back from the
    native (engine) names for standard cell types."""
    celltype = population.celltype
    if isinstance(celltype, StandardCellType):
        if any(name in celltype.computed_parameters() for name in names):
            native_names = celltype.get_native_names()
        else:
            native_names = celltype.get_native_names(*names)
        return celltype.reverse_translate(population._get_native_parameters(*native_names))
    return population._get_native_parameters(*names)


class Assembly(common.Assembly):
    _simulator = simulator


class PopulationView(common.PopulationView):
    _assembly_class = Assembly
    _simulator = simulator

    def _get_parameters(self, *names):
        return _standard_parameters(self, names)

    def _get_native_parameters(self, *names):
        parameter_dict = {}
        for name in names:
            value = self.parent._parameters[name]
            if isinstance(value, np.ndarray):
                value = value[self.mask]
            parameter_dict[name] = simplify(value)
        return ParameterSpace(parameter_dict, shape=(self.size,))

    def _set_parameters(self, parameter_space):
        parameter_space.evaluate(simplify=False)
        values = {}
        for name, value in parameter_space.items():
            values[name] = value
        validate_parameters(self.celltype.__class__.__name__, values)
        for name, value in values.items():
            self.grandparent._parameters[name][self.index_in_grandparent(np.arange(self.size))] \
                = value
        self.grandparent._parameters_changed(list(values))

    def _set_initial_value_array(self, variable, initial_values):
        self.grandparent._set_initial_value_array(
            variable, initial_values, index=self.index_in_grandparent(np.arange(self.size)))

    def _get_view(self, selector, label=None):
        return PopulationView(self, selector, label)


class Population(common.Population):
    __doc__ = common.Population.__doc__
    _simulator = simulator
    _recorder_class = Recorder
    _assembly_class = Assembly

    def _create_cells(self):
        start = simulator.state.id_counter
        self.all_cells = np.array([simulator.ID(i) for i in range(start, start + self.size)],
                                  dtype=simulator.ID)
        self._mask_local = np.ones((self.size,), bool)
        if isinstance(self.celltype, StandardCellType):
            parameter_space = self.celltype.native_parameters
        else:
            parameter_space = self.celltype.parameter_space
        parameter_space.shape = (self.size,)
        parameter_space.evaluate(simplify=False)
        self._parameters = parameter_space.as_dict()
        validate_parameters(self.celltype.__class__.__name__, self._parameters)
        for cell in self.all_cells:
            cell.parent = self
        simulator.state.id_counter += self.size
        self._state = {"v": np.zeros(self.size), "ge": np.zeros(self.size),
                       "gi": np.zeros(self.size), "w": np.zeros(self.size),
                       "refr": np.zeros(self.size, dtype=np.int64),
                       "dge": np.zeros(self.size), "dgi": np.zeros(self.size)}
        self._pois_next = None
        self._run_trains = None  # SpikeSourceArray: requested times of the last run window
        self._engine_offset = 0
        simulator.state.populations.append(self)
        simulator.state.mark_dirty("structure")

    # -- parameters ----------------------------------------------------------------------
    def _get_view(self, selector, label=None):
        return PopulationView(self, selector, label)

    def _get_parameters(self, *names):
        return _standard_parameters(self, names)

    def _get_native_parameters(self, *names):
        return ParameterSpace({name: simplify(self._parameters[name]) for name in names},
                              shape=(self.local_size,))

    def _set_parameters(self, parameter_space):
        parameter_space.evaluate(simplify=False, mask=self._mask_local)
        values = dict(parameter_space.items())
        validate_parameters(self.celltype.__class__.__name__, values)
        for name, value in values.items():
            self._parameters[name] = value
        self._parameters_changed(list(values))

    def _parameters_changed(self, names) -> None:
        if "rate" in names or "start" in names or "duration" in names:
            self._pois_next = None
        simulator.state.mark_dirty("params")
        simulator.state.mark_dirty("sources")

    def _engine_parameters(self) -> dict[str, np.ndarray]:
        """The parameters the engine integrates (realised by the chip unless ideal)."""
        params = {k: np.asarray(v, dtype=float) for k, v in self._parameters.items()}
        engine = simulator.state.engine
        if engine.chip is not None:
            return engine.realise_population(self, params)
        if self.celltype.__class__.__name__ == "HWNeuron":
            # ideal mode: the nominal transfer curves of the preset, no fixed-pattern noise
            from .chip import Chip, ChipSwitches

            nominal = Chip(preset=simulator.state.options.preset,
                           switches=ChipSwitches.ideal(), n_chips=max(
                               1, -(-self.size // 512)))
            codes = {k: v.astype(np.int64) for k, v in params.items()}
            return nominal.realise_dac_codes(codes, np.arange(self.size))
        return params

    # -- state variables -----------------------------------------------------------------
    def _set_initial_value_array(self, variable, value, index=None):
        if variable not in STATE_OF_VARIABLE:
            return
        arr = value.evaluate(simplify=False) if hasattr(value, "evaluate") else value
        arr = np.broadcast_to(np.asarray(arr, dtype=float),
                              (self.size,) if index is None else (len(index),))
        target = self._state[STATE_OF_VARIABLE[variable]]
        if index is None:
            target[:] = arr
        else:
            target[index] = arr
            if variable in self.initial_values:
                full = self.initial_values[variable].evaluate(simplify=False)
                full = np.broadcast_to(np.asarray(full, dtype=float), (self.size,)).copy()
                full[index] = arr
                from pyNN.parameters import LazyArray
                self.initial_values[variable] = LazyArray(full, shape=(self.size,), dtype=float)

    def _reset_engine_state(self) -> None:
        for name in ("v", "ge", "gi", "w", "dge", "dgi"):
            self._state[name][:] = 0.0
        self._state["refr"][:] = 0
        for variable, value in self.initial_values.items():
            if variable in STATE_OF_VARIABLE:
                arr = value.evaluate(simplify=False)
                self._state[STATE_OF_VARIABLE[variable]][:] = arr
        self._pois_next = None

    # -- spike sources -------------------------------------------------------------------
    def _array_source_events(self, trains: list[np.ndarray], dt: float):
        """SpikeSourceArray spikes of one run (``trains``: one array of ms per source) as
        (global step of emission, local index); see :func:`emission_steps`."""
        counts = np.fromiter((t.size for t in trains), dtype=np.int64, count=len(trains))
        if not counts.sum():
            return np.zeros(0, np.int64), np.zeros(0, np.int64)
        times = np.concatenate([np.asarray(t, dtype=float) for t in trains])
        return emission_steps(times, dt), np.repeat(np.arange(len(trains)), counts)

    def _spike_times_in(self, t0: float, t1: float) -> list[np.ndarray]:
        """Requested spike times of each source that go out within the run window (t0, t1], in
        ms (kept, with the window, for :meth:`_readout_spikes`)."""
        dt = simulator.state.dt
        first, last = int(round(t0 / dt)), int(round(t1 / dt))
        out = []
        for seq in self._parameters["spike_times"]:
            times = np.asarray(seq.value if isinstance(seq, Sequence) else seq, dtype=float)
            steps = emission_steps(times, dt)
            out.append(times[(steps >= first) & (steps < last)])
        self._run_trains = out
        return out

    def _poisson_inputs(self, t0: float, t1: float, dt: float, rng: np.random.Generator):
        """Poisson sources of this run: generated in the kernel (ideal) or as on-chip
        generator trains (chip)."""
        rates = np.broadcast_to(np.asarray(self._parameters["rate"], float), (self.size,))
        start = np.broadcast_to(np.asarray(self._parameters["start"], float), (self.size,))
        duration = np.broadcast_to(np.asarray(self._parameters["duration"], float),
                                   (self.size,))
        engine = simulator.state.engine
        if engine.uses_shared_noise_generators():
            steps, idx = engine.poisson_events(self, rates, start, duration, t0, t1, rng)
            return ("events", steps, idx)
        rate_per_ms = rates / 1000.0
        if self._pois_next is None:
            origin = np.maximum(start, t0)
            safe = np.where(rate_per_ms > 0, rate_per_ms, 1.0)
            nxt = origin + rng.exponential(1.0 / safe)
            self._pois_next = np.where(rate_per_ms > 0, nxt, np.inf)
        return ("kernel", np.where(rate_per_ms > 0, rate_per_ms, 1e-300), start.copy(),
                (start + duration).copy(), self._pois_next.copy())

    def _readout_spikes(self, local: np.ndarray, times: np.ndarray
                        ) -> tuple[np.ndarray, np.ndarray]:
        """Global ids and times (ms) to record for the spikes the engine emitted in the run that
        just ended (``local`` indices, ``times``: the end of their time step). On the chip the
        times are quantised to the chip clock. In ideal mode with
        ``setup(spike_precision="off_grid")`` a SpikeSourceArray reports its requested times
        (as pyNN.nest's precise generators do); they took effect at the end of their step."""
        ids = np.asarray(local, dtype=np.int64) + int(self.first_id)
        engine = simulator.state.engine
        if engine.chip is not None:
            return ids, engine.chip.quantise_spike_times(times)
        if simulator.state.spike_precision == "off_grid" and \
                getattr(self.celltype, "engine_model", None) == "array_source":
            precise = self._requested_times_of(np.asarray(local, dtype=np.int64))
            if precise is not None:
                return precise[0] + int(self.first_id), precise[1]
        return ids, times

    def _requested_times_of(self, local: np.ndarray):
        """The requested times of the run's emitted spikes of sources ``local`` as (local ids,
        times) sorted by source, or None when they do not match one to one."""
        trains = self._run_trains
        if trains is None or len(trains) != self.size:
            return None
        counts = np.fromiter((t.size for t in trains), dtype=np.int64, count=self.size)
        emitted = np.bincount(local, minlength=self.size)
        recorded = emitted > 0
        if not np.array_equal(emitted[recorded], counts[recorded]):
            return None
        req_ids = np.repeat(np.arange(self.size), counts)
        req_times = np.concatenate(trains) if counts.sum() else np.zeros(0)
        keep = recorded[req_ids]
        return req_ids[keep], req_times[keep]


def emission_steps(times: np.ndarray, dt: float) -> np.ndarray:
    """Step during which a SpikeSourceArray spike at ``times`` (ms) goes out: the one at whose
    end, ceil(t / dt) dt, it takes effect (as a grid-based NEST neuron receives a precise spike;
    times on the grid keep their own step), so that it carries that time stamp; spikes at
    t <= dt go out in the first step."""
    times = np.asarray(times, dtype=float)
    return np.maximum(np.ceil(times / dt - 1e-6).astype(np.int64), 1) - 1
