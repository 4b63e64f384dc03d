"""Standard PyNN cell types, synapse type and current sources of the emulator backend.

The emulator's native parameter names are the PyNN names (identity translations), in PyNN units
(mV, ms, nF, uS, nA, Hz; the AdEx ``a`` in nS). ``engine_model`` tells the engine which equations a
cell type uses: ``"curr_lif"``, ``"cond_lif"``, ``"cond_adex"``, ``"array_source"``,
``"poisson_source"``; ``synapse_shape`` (``"exp"``, the default, or ``"alpha"``) the time course
of its synaptic conductances/currents.
"""

from __future__ import annotations

import numpy as np

from pyNN import errors
from pyNN.parameters import ParameterSpace, Sequence
from pyNN.standardmodels import (
    StandardCellType,
    StandardCurrentSource,
    StandardSynapseType,
    build_translations,
    cells,
    electrodes,
    synapses,
)

from . import simulator


def _identity(cls) -> tuple:
    return build_translations(*[(name, name) for name in cls.default_parameters])


class IF_cond_exp(cells.IF_cond_exp):
    __doc__ = cells.IF_cond_exp.__doc__
    translations = _identity(cells.IF_cond_exp)
    engine_model = "cond_lif"


#: Current-based cells record their synaptic currents too (nA; PyNN's units for them).
_CURRENT_RECORDABLES = ["spikes", "v", "isyn_exc", "isyn_inh"]


class IF_curr_exp(cells.IF_curr_exp):
    __doc__ = cells.IF_curr_exp.__doc__
    translations = _identity(cells.IF_curr_exp)
    recordable = _CURRENT_RECORDABLES
    engine_model = "curr_lif"


class EIF_cond_exp_isfa_ista(cells.EIF_cond_exp_isfa_ista):
    __doc__ = cells.EIF_cond_exp_isfa_ista.__doc__
    translations = _identity(cells.EIF_cond_exp_isfa_ista)
    engine_model = "cond_adex"


_ALPHA_NOTE = """
    On the emulator: alpha-shaped synapses as NEST's ``{nest}``: after a spike of weight ``w``
    the synaptic {what} is ``w * (t/tau_syn) * exp(1 - t/tau_syn)`` (peak ``w`` at
    ``t = tau_syn``), integrated with two state variables per receptor (rise and
    {what}){exact}; ``{rec}`` record the {what}. On the realistic chip the neuron
    parameters are realised exactly as for ``{exp}``: the alpha shape is a property of the
    synaptic input circuit, which the emulated chip models as a second low-pass stage with the
    same (realised, fixed-pattern-noisy) time constant ``tau_syn``. Real BrainScaleS synaptic
    inputs are single-stage (exponential); the emulator accepts alpha types so that PyNN
    scripts written for them run unchanged (see ``chip.chip.CELL_TYPE_PARAMETERS``).
    """


class IF_curr_alpha(cells.IF_curr_alpha):
    __doc__ = cells.IF_curr_alpha.__doc__ + _ALPHA_NOTE.format(
        nest="iaf_psc_alpha", what="current (nA)", rec="isyn_exc/isyn_inh",
        exact=", exactly (Rotter & Diesmann 1999 propagators)", exp="IF_curr_exp")
    translations = _identity(cells.IF_curr_alpha)
    recordable = _CURRENT_RECORDABLES
    engine_model = "curr_lif"
    synapse_shape = "alpha"


class IF_cond_alpha(cells.IF_cond_alpha):
    __doc__ = cells.IF_cond_alpha.__doc__ + _ALPHA_NOTE.format(
        nest="iaf_cond_alpha", what="conductance (uS)", rec="gsyn_exc/gsyn_inh", exact="",
        exp="IF_cond_exp")
    translations = _identity(cells.IF_cond_alpha)
    engine_model = "cond_lif"
    synapse_shape = "alpha"


class EIF_cond_alpha_isfa_ista(cells.EIF_cond_alpha_isfa_ista):
    __doc__ = cells.EIF_cond_alpha_isfa_ista.__doc__ + _ALPHA_NOTE.format(
        nest="aeif_cond_alpha", what="conductance (uS)", rec="gsyn_exc/gsyn_inh", exact="",
        exp="EIF_cond_exp_isfa_ista")
    translations = _identity(cells.EIF_cond_alpha_isfa_ista)
    engine_model = "cond_adex"
    synapse_shape = "alpha"


class SpikeSourceArray(cells.SpikeSourceArray):
    __doc__ = cells.SpikeSourceArray.__doc__
    translations = _identity(cells.SpikeSourceArray)
    engine_model = "array_source"


class SpikeSourcePoisson(cells.SpikeSourcePoisson):
    __doc__ = cells.SpikeSourcePoisson.__doc__
    translations = _identity(cells.SpikeSourcePoisson)
    engine_model = "poisson_source"


class _MinimumDelay:
    """The smallest delay a synapse may have: the backend's ``min_delay`` (ms)."""

    def _get_minimum_delay(self):
        return simulator.state.min_delay


class StaticSynapse(_MinimumDelay, synapses.StaticSynapse):
    __doc__ = synapses.StaticSynapse.__doc__
    translations = build_translations(("weight", "weight"), ("delay", "delay"))


class TsodyksMarkramSynapse(_MinimumDelay, synapses.TsodyksMarkramSynapse):
    __doc__ = synapses.TsodyksMarkramSynapse.__doc__ + """
    On the emulator: ideal mode integrates it as NEST's ``tsodyks_synapse`` (the PSC time
    constant is the target neuron's ``tau_syn_E``/``tau_syn_I``); on the chip it lives in the
    presynaptic synapse drivers (see ``chip.plasticity``)."""
    translations = _identity(synapses.TsodyksMarkramSynapse)
    engine_rule = "tsodyks"


class STDPMechanism(_MinimumDelay, synapses.STDPMechanism):
    __doc__ = synapses.STDPMechanism.__doc__ + """
    On the emulator: ideal mode follows NEST's ``stdp_synapse`` (all-to-all pairs, updates at
    every spike, float weights; any ``dendritic_delay_fraction``); on the chip the correlation
    circuits and the update controller of ``chip.plasticity`` carry it out."""
    base_translations = build_translations(
        ("weight", "weight"), ("delay", "delay"),
        ("dendritic_delay_fraction", "dendritic_delay_fraction"))
    engine_rule = "stdp"

    def __init__(self, timing_dependence=None, weight_dependence=None, voltage_dependence=None,
                 dendritic_delay_fraction=1.0, weight=0.0, delay=None):
        if timing_dependence is None or weight_dependence is None:
            raise errors.InvalidParameterValueError(
                "STDPMechanism needs a timing_dependence (SpikePairRule) and a "
                "weight_dependence (e.g. AdditiveWeightDependence) on the emulator")
        if voltage_dependence is not None:
            raise errors.NoModelAvailableError(
                "the neurohw emulator has no voltage-dependent STDP; use voltage_dependence=None")
        super().__init__(timing_dependence, weight_dependence, voltage_dependence,
                         dendritic_delay_fraction, weight, delay)


class OnlineEMSynapse(_MinimumDelay, StandardSynapseType):
    """Nessler et al. (2013)'s STDP rule for online EM in winner-take-all circuits, run on the
    chip by the plasticity processor (preset ``bss2``; emulator only, NEST has no such
    synapse: there the update is computed on the host, ``networks.wta``).

    The weight ``w`` (uS or nA) stands for the log-domain weight ``w_log = w / w_max * log_c``;
    at every controller visit the weight moves by
    ``eta (exp(log_c) exp(-w_log) causal - n_post)`` (:func:`neurohw.plasticity_rules.
    em_weight_change`), ``causal`` the causal correlation sensor's sum of the presynaptic
    trace (time constant ``window``, ms) at postsynaptic spikes and ``n_post`` their number.
    Ideal mode: the same program without fixed-pattern noise or weight codes.
    """

    default_parameters = {"weight": 0.0, "delay": None, "eta": 0.01, "log_c": 5.0,
                          "window": 10.0, "w_max": 0.01}
    translations = build_translations(*[(name, name) for name in default_parameters])
    engine_rule = "em"

    def get_schema(self):
        return {name: float for name in self.default_parameters}


_STDP_MODELS = {"stdp_pair"}


class SpikePairRule(synapses.SpikePairRule):
    __doc__ = synapses.SpikePairRule.__doc__
    translations = _identity(synapses.SpikePairRule)
    possible_models = _STDP_MODELS


class AdditiveWeightDependence(synapses.AdditiveWeightDependence):
    __doc__ = synapses.AdditiveWeightDependence.__doc__
    translations = _identity(synapses.AdditiveWeightDependence)
    possible_models = _STDP_MODELS


class MultiplicativeWeightDependence(synapses.MultiplicativeWeightDependence):
    __doc__ = synapses.MultiplicativeWeightDependence.__doc__
    translations = _identity(synapses.MultiplicativeWeightDependence)
    possible_models = _STDP_MODELS


class AdditivePotentiationMultiplicativeDepression(
        synapses.AdditivePotentiationMultiplicativeDepression):
    __doc__ = synapses.AdditivePotentiationMultiplicativeDepression.__doc__
    translations = _identity(synapses.AdditivePotentiationMultiplicativeDepression)
    possible_models = _STDP_MODELS


class GutigWeightDependence(synapses.GutigWeightDependence):
    __doc__ = synapses.GutigWeightDependence.__doc__
    translations = _identity(synapses.GutigWeightDependence)
    possible_models = _STDP_MODELS


class _EmulatorCurrentSource(StandardCurrentSource):
    """Common part of the emulator's current sources: a piecewise-constant current, applied from
    the time step that starts at each change time (times rounded to the time step), as in
    pyNN.nest. Subclasses define ``changes() -> (times_ms, amplitudes_nA)``: the amplitude that
    holds from each change time on. Generator sources (``is_generator``: ``ACSource``,
    ``NoisyCurrentSource``) are evaluated by the kernel every time step instead; they define
    ``generator_spec(dt)`` (see ``engine.currents``) and have no changes."""

    is_generator = False

    def __init__(self, **parameters):
        object.__setattr__(self, "_native", {})
        object.__setattr__(self, "_targets", [])  # list of (population, index array)
        object.__setattr__(self, "_current_recorder", None)  # set by record()
        super().__init__(**parameters)
        ps = ParameterSpace(self.default_parameters, self.get_schema(), shape=(1,))
        ps.update(**parameters)
        self.set_native_parameters(self.translate(ps))
        simulator.state.current_sources.append(self)

    def set_native_parameters(self, parameters):
        parameters.evaluate(simplify=True)
        for name, value in parameters.items():
            if isinstance(value, Sequence):
                value = np.asarray(value.value, dtype=float)
            elif isinstance(value, np.ndarray) and value.dtype == object:
                value = np.asarray(value[0].value, dtype=float)
            self._native[name] = value
        self._validate()
        simulator.state.mark_dirty("currents")

    def get_native_parameters(self):
        # as pyNN.nest: no shape or schema, array-valued parameters (times, amplitudes) as plain
        # arrays, so that ``source.times[0]`` is a number
        return ParameterSpace(dict(self._native))

    def _validate(self) -> None:
        pass

    def inject_into(self, cells) -> None:
        """Inject this current into ``cells`` (Population, PopulationView, Assembly or IDs)."""
        from pyNN import common

        if isinstance(cells, common.Assembly):
            groups = [(p, None) for p in cells.populations]
        elif isinstance(cells, (common.Population, common.PopulationView)):
            groups = [(cells, None)]
        else:
            groups = [(None, list(cells))]
        for group, ids in groups:
            if group is not None:
                if not group.celltype.injectable:
                    raise TypeError("Can't inject current into a spike source.")
                parent = group.grandparent if hasattr(group, "grandparent") else group
                index = (group.index_in_grandparent(np.arange(group.size))
                         if hasattr(group, "parent") else np.arange(group.size))
                self._targets.append((parent, np.asarray(index, dtype=int)))
            else:
                for cell in ids:
                    if not cell.celltype.injectable:
                        raise TypeError("Can't inject current into a spike source.")
                    self._targets.append((cell.parent, np.array([cell.parent.id_to_index(cell)])))
        simulator.state.mark_dirty("currents")

    def record(self) -> None:
        """Record the injected current (nA, every time step) from now on; ``get_data()`` gives
        it as a neo AnalogSignal (see :class:`~.recording.CurrentRecorder`)."""
        from .recording import CurrentRecorder

        object.__setattr__(self, "_current_recorder", CurrentRecorder(simulator.state.step))

    def _get_data(self):
        if self._current_recorder is None:
            raise errors.NothingToWriteError(
                f"{type(self).__name__}: call record() before running to record its current")
        return self._current_recorder.data(simulator.state.dt)


class DCSource(_EmulatorCurrentSource, electrodes.DCSource):
    __doc__ = electrodes.DCSource.__doc__
    translations = build_translations(("amplitude", "amplitude"), ("start", "start"),
                                      ("stop", "stop"))

    def _validate(self) -> None:
        if "start" in self._native and "stop" in self._native and \
                float(self._native["stop"]) < float(self._native["start"]):
            raise errors.InvalidParameterValueError(
                f"DCSource stop ({self._native['stop']} ms) is before start "
                f"({self._native['start']} ms)")

    def changes(self):
        return (np.array([float(self._native["start"]), float(self._native["stop"])]),
                np.array([float(self._native["amplitude"]), 0.0]))


class StepCurrentSource(_EmulatorCurrentSource, electrodes.StepCurrentSource):
    __doc__ = electrodes.StepCurrentSource.__doc__
    translations = build_translations(("amplitudes", "amplitudes"), ("times", "times"))

    def _validate(self) -> None:
        times = np.asarray(self._native.get("times", []), dtype=float)
        amps = np.asarray(self._native.get("amplitudes", []), dtype=float)
        if "times" in self._native and "amplitudes" in self._native and times.size != amps.size:
            raise errors.InvalidParameterValueError(
                f"StepCurrentSource needs one amplitude per time; got {times.size} times and "
                f"{amps.size} amplitudes")
        if times.size and times.min() < 0:
            raise errors.InvalidParameterValueError(
                "StepCurrentSource times must be >= 0 ms")
        if times.size > 1 and np.min(np.diff(times)) <= 0:
            raise errors.InvalidParameterValueError(
                "StepCurrentSource times must be strictly increasing")
        if times.size and times.size == amps.size:
            # times on the time grid; of several times in one step the last amplitude holds
            steps = np.rint(times / simulator.state.dt).astype(np.int64)
            last = np.r_[steps[1:] != steps[:-1], True]
            self._native["times"] = steps[last] * simulator.state.dt
            self._native["amplitudes"] = amps[last]

    def changes(self):
        return (np.asarray(self._native.get("times", []), dtype=float),
                np.asarray(self._native.get("amplitudes", []), dtype=float))


class _GeneratorSource(_EmulatorCurrentSource):
    """A current the kernel evaluates every time step (``engine.currents``): on during the steps
    ``round(start/dt) <= k < round(stop/dt)``, 0 nA outside."""

    is_generator = True

    def changes(self):
        return np.zeros(0), np.zeros(0)

    def _window_steps(self, dt: float) -> tuple[int, int]:
        """(start step, stop step) of the source; ``stop`` may be huge (default 1e12 ms)."""
        start = int(np.rint(float(self._native["start"]) / dt))
        stop = float(self._native["stop"]) / dt
        return start, int(min(np.rint(stop), np.iinfo(np.int64).max // 4))

    def _validate(self) -> None:
        for name, value in self._native.items():
            if not np.isfinite(float(value)):
                raise errors.InvalidParameterValueError(
                    f"{type(self).__name__} parameter {name} must be a finite number, got "
                    f"{value!r}")
        if float(self._native["start"]) < 0:
            raise errors.InvalidParameterValueError(
                f"{type(self).__name__} start must be >= 0 ms, got {self._native['start']}")
        if float(self._native["stop"]) < float(self._native["start"]):
            raise errors.InvalidParameterValueError(
                f"{type(self).__name__} stop ({self._native['stop']} ms) is before start "
                f"({self._native['start']} ms)")


class ACSource(_GeneratorSource, electrodes.ACSource):
    __doc__ = electrodes.ACSource.__doc__ + """
    On the emulator: the current during the time step that starts at ``t`` (ms) is
    ``offset + amplitude * sin(2 pi frequency (t - start) / 1000 + phase pi / 180)`` for
    ``start <= t < stop`` (times rounded to the time step), 0 otherwise: a new value every time
    step, as NEST's ``ac_generator`` with pyNN.nest's phase correction (the phase holds at
    ``start``). Units: nA, Hz, degrees, ms.
    """
    translations = build_translations(("amplitude", "amplitude"), ("start", "start"),
                                      ("stop", "stop"), ("frequency", "frequency"),
                                      ("offset", "offset"), ("phase", "phase"))

    def generator_spec(self, dt: float):
        """(kind, (amplitude nA, offset nA, omega rad/ms, phase rad), start step, stop step,
        period steps) for ``engine.currents``."""
        from .engine.currents import GEN_AC

        p = self._native
        omega = 2.0 * np.pi * float(p["frequency"]) / 1000.0
        par = (float(p["amplitude"]), float(p["offset"]), omega, np.deg2rad(float(p["phase"])))
        start, stop = self._window_steps(dt)
        return GEN_AC, par, start, stop, 1


class NoisyCurrentSource(_GeneratorSource, electrodes.NoisyCurrentSource):
    __doc__ = electrodes.NoisyCurrentSource.__doc__ + """
    On the emulator: as NEST's ``noise_generator``, every target gets its own noise: from the
    time step at ``start`` on, a new value ``mean + stdev * z`` (``z`` standard normal) every
    ``dt`` ms, held in between, until ``stop`` (times rounded to the time step; ``dt`` must be a
    multiple of the time step). Deterministic: the values come from ``setup(seed=...)`` (and
    the segment; after ``reseed(s)`` from ``s``, restarting at the reseed time), so the same
    seed gives the same currents and spikes, however the simulation is split into runs.
    ``record()``/``get_data()`` give the mean of the currents sent to the targets (one target:
    its current), as pyNN.nest records a ``noise_generator``. Units: nA, ms.
    """
    translations = build_translations(("mean", "mean"), ("stdev", "stdev"), ("dt", "dt"),
                                      ("start", "start"), ("stop", "stop"))

    def _validate(self) -> None:
        super()._validate()
        if float(self._native["stdev"]) < 0:
            raise errors.InvalidParameterValueError(
                f"NoisyCurrentSource stdev must be >= 0 nA, got {self._native['stdev']}")
        step = simulator.state.dt
        ratio = float(self._native["dt"]) / step
        if ratio < 1 - 1e-9 or abs(ratio - round(ratio)) > 1e-6:
            raise errors.InvalidParameterValueError(
                f"NoisyCurrentSource dt ({self._native['dt']} ms) must be a positive multiple "
                f"of the time step ({step} ms)")

    def generator_spec(self, dt: float):
        """(kind, (stdev nA, mean nA, 0, 0), start step, stop step, period steps) for
        ``engine.currents``."""
        from .engine.currents import GEN_NOISE

        p = self._native
        start, stop = self._window_steps(dt)
        period = max(1, int(round(float(p["dt"]) / dt)))
        return GEN_NOISE, (float(p["stdev"]), float(p["mean"]), 0.0, 0.0), start, stop, period


def _hw_neuron_defaults() -> dict[str, int]:
    from .chip import HW_NEURON_PARAMETERS

    return {name: int(spec.default) for name, spec in HW_NEURON_PARAMETERS["bss1"].items()}


class HWNeuron(StandardCellType):
    """Native neuron circuit of the emulated chip, parameterised by raw 10-bit DAC codes
    (integers 0..1023; names and defaults from ``chip.HW_NEURON_PARAMETERS``: each code controls
    the AdEx quantity of the same PyNN ``EIF_cond_exp_isfa_ista`` name, plus ``syn_gain_E`` and
    ``syn_gain_I``). What a circuit realises for a code depends on the chip (fixed-pattern
    noise) — this is the cell type calibration drives. Defaults are the ``bss1`` codes."""

    default_parameters = _hw_neuron_defaults()
    recordable = ["spikes", "v", "w", "gsyn_exc", "gsyn_inh"]
    default_initial_values = {"v": -65.0, "w": 0.0, "gsyn_exc": 0.0, "gsyn_inh": 0.0}
    units = {"v": "mV", "w": "nA", "gsyn_exc": "uS", "gsyn_inh": "uS",
             **{name: "dimensionless" for name in default_parameters}}
    receptor_types = ("excitatory", "inhibitory")
    conductance_based = True
    injectable = True
    translations = build_translations(*[(name, name) for name in default_parameters])
    engine_model = "cond_adex"
