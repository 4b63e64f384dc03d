"""The ``Chip`` facade: one emulated chip (or ``n_chips`` of them) with its identity and limits.

The engine (``neurohw.backends.emulator``) asks the chip what a circuit realises for requested
parameters, weights, inputs and readouts; the chip answers with numpy arrays in biological
units. All distortions are switchable (``ChipSwitches``); with ``ChipSwitches.ideal()`` every
method returns its input unchanged (or independent Poisson trains), so the engine agrees with
NEST.
"""

from __future__ import annotations

import warnings

import numpy as np

from . import host_io, placement as placement_mod, readout, transfer, weights as weights_mod
from .errors import CalibrationMismatchError, ParameterRangeError, UnsupportedParameterError
from .fixed_pattern import FixedPatternNoise
from .plasticity import ChipPlasticity
from .presets import Preset, get_preset
from .switches import ChipSwitches

#: PyNN parameters of the supported neuron cell types (names as in pyNN.standardmodels.cells).
#:
#: The alpha-synapse types (``IF_curr_alpha``, ``IF_cond_alpha``, ``EIF_cond_alpha_isfa_ista``)
#: have the parameters of their exponential counterparts and are realised identically (same
#: DACs, transfer curves, fixed-pattern noise and calibration): the synapse shape is a property
#: of the synaptic input circuit, not of the neuron parameters. BrainScaleS-1/2 synaptic inputs
#: are single-stage (exponential); the emulated chip models an alpha-capable input, a second
#: low-pass stage with the same realised ``tau_syn``, so that PyNN scripts using alpha synapses
#: run (rather than refusing them with a mapping error). Results on a real chip would show
#: exponential PSPs for these types.
CELL_TYPE_PARAMETERS: dict[str, tuple[str, ...]] = {
    "IF_cond_exp": ("v_rest", "cm", "tau_m", "tau_refrac", "tau_syn_E", "tau_syn_I", "e_rev_E",
                    "e_rev_I", "v_thresh", "v_reset", "i_offset"),
    "IF_curr_exp": ("v_rest", "cm", "tau_m", "tau_refrac", "tau_syn_E", "tau_syn_I", "i_offset",
                    "v_reset", "v_thresh"),
    "EIF_cond_exp_isfa_ista": ("cm", "tau_refrac", "v_spike", "v_reset", "v_rest", "tau_m",
                               "i_offset", "a", "b", "delta_T", "tau_w", "v_thresh", "e_rev_E",
                               "tau_syn_E", "e_rev_I", "tau_syn_I"),
}
CELL_TYPE_PARAMETERS.update({
    "IF_cond_alpha": CELL_TYPE_PARAMETERS["IF_cond_exp"],
    "IF_curr_alpha": CELL_TYPE_PARAMETERS["IF_curr_exp"],
    "EIF_cond_alpha_isfa_ista": CELL_TYPE_PARAMETERS["EIF_cond_exp_isfa_ista"],
})

_RECEPTOR_GAIN = {"excitatory": "syn_gain_E", "inhibitory": "syn_gain_I"}


class Chip:
    """An emulated BrainScaleS-style chip.

    Parameters
    ----------
    preset : "bss1" (default) or "bss2" (or a Preset)
    chip_seed : which chip: fixes the fixed-pattern noise
    seed : trial-to-trial noise / on-chip pseudo-random sources (the engine's rng)
    switches : ChipSwitches (default: realistic, every distortion on)
    calibration : object with ``chip_seed``, ``preset``, ``id``, ``codes_for``, ``has``
    strict : out-of-range parameters raise (True) or are clipped with a warning (False)
    n_chips : number of chips (512 circuits each)
    """

    def __init__(self, preset: str | Preset = "bss1", chip_seed: int = 0, seed: int = 0,
                 switches: ChipSwitches | None = None, calibration=None, strict: bool = True,
                 n_chips: int = 1):
        self.preset = get_preset(preset)
        self.chip_seed = int(chip_seed)
        self.seed = int(seed)
        self.switches = switches if switches is not None else ChipSwitches.realistic()
        self.strict = bool(strict)
        if int(n_chips) < 1:
            raise ValueError(f"n_chips must be >= 1, got {n_chips}")
        self.n_chips = int(n_chips)
        self.n_circuits = self.preset.neurons_per_chip * self.n_chips
        self._fpn = FixedPatternNoise(self.preset, self.chip_seed, self.n_chips)
        self._plasticity: ChipPlasticity | None = None
        self.calibration = None
        self.calibration_id: str | None = None
        if calibration is not None:
            self.load_calibration(calibration)

    # ------------------------------------------------------------------ calibration
    def load_calibration(self, calibration) -> None:
        """Use ``calibration`` for every parameter it has; refuse another chip's or preset's."""
        if int(calibration.chip_seed) != self.chip_seed or str(calibration.preset) != self.preset.name:
            raise CalibrationMismatchError(
                f"calibration {calibration.id!r} was made for chip_seed={calibration.chip_seed}, "
                f"preset {calibration.preset!r}, but this chip is chip_seed={self.chip_seed}, "
                f"preset {self.preset.name!r}; calibrate this chip (neurohw calibrate "
                f"--chip-seed {self.chip_seed} --preset {self.preset.name}) or load its file")
        self.calibration = calibration
        self.calibration_id = str(calibration.id)

    def _calibrated(self, name: str) -> bool:
        return self.calibration is not None and bool(self.calibration.has(name))

    # ------------------------------------------------------------------ helpers
    def _circuits(self, circuits) -> np.ndarray:
        c = np.asarray(circuits, dtype=np.int64).ravel()
        # without the chip-size limit, circuits beyond the chip reuse the chip's circuits
        return c % self.n_circuits

    def _realise_codes(self, name: str, codes: np.ndarray, circuits: np.ndarray) -> np.ndarray:
        """codes (int or float) -> realised value in hardware units on these circuits."""
        hw = transfer.nominal_hw(self.preset, name, codes)
        if self.switches.fixed_pattern_noise:
            hw = self._fpn.apply(name, hw, circuits)
        floor = transfer.spec(name).floor_bio
        if floor is not None:
            hw = np.maximum(hw, transfer.bio_to_hw(self.preset, name, floor))
        return hw

    def _check_codes(self, name: str, codes, n: int, source: str) -> np.ndarray:
        c = np.broadcast_to(np.asarray(codes), (n,))
        if not np.issubdtype(c.dtype, np.integer):
            if not np.all(np.isfinite(c)) or np.any(c != np.rint(c)):
                raise ParameterRangeError(
                    f"DAC code {name!r} from {source} must be integers, got {c[:5]}...")
            c = c.astype(np.int64)
        bad = (c < 0) | (c > self.preset.max_dac_code)
        if bad.any():
            raise ParameterRangeError(
                f"DAC code {name!r} from {source} = {int(c[bad][0])} is outside the "
                f"{self.preset.dac_bits}-bit range 0..{self.preset.max_dac_code}; use a code "
                f"in that range")
        return c.astype(np.int64)

    # ------------------------------------------------------------------ parameters
    def realise_neuron_parameters(self, cell_type: str, params: dict[str, np.ndarray],
                                  circuits: np.ndarray
                                  ) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray]]:
        """Requested PyNN parameters (bio units) on ``circuits`` -> (realised bio values,
        DAC codes).

        bio -> hardware units -> 10-bit code (calibration's ``codes_for`` when it has the
        parameter, nominal transfer curve otherwise) -> value this circuit realises -> bio.
        ``cm`` and ``i_offset`` pass through unchanged. The realisable range (nominal curve,
        codes 0..1023) is enforced while DAC quantisation or fixed-pattern noise is on:
        ParameterRangeError, or with strict=False clipping plus a warning.
        """
        if cell_type not in CELL_TYPE_PARAMETERS:
            raise UnsupportedParameterError(
                f"cell type {cell_type!r} has no circuit model; use one of "
                f"{sorted(CELL_TYPE_PARAMETERS)} (or HWNeuron with raw DAC codes)")
        allowed = CELL_TYPE_PARAMETERS[cell_type]
        c = self._circuits(circuits)
        n = c.size
        sw = self.switches
        distorted = sw.dac_quantisation or sw.fixed_pattern_noise
        realised: dict[str, np.ndarray] = {}
        codes_out: dict[str, np.ndarray] = {}
        for name, value in params.items():
            if name not in allowed:
                raise UnsupportedParameterError(
                    f"{cell_type} has no parameter {name!r}; its parameters are {list(allowed)}")
            bio = np.array(np.broadcast_to(np.asarray(value, dtype=float), (n,)))
            if name in transfer.PASSTHROUGH_PARAMETERS:
                realised[name] = bio
                continue
            hw = transfer.bio_to_hw(self.preset, name, bio)
            lo, hi = transfer.hw_range(self.preset, name)
            if distorted:
                tol = 1e-9 * max(abs(lo), abs(hi), 1.0)
                bad = ~((hw >= lo - tol) & (hw <= hi + tol))
                if bad.any():
                    blo, bhi = transfer.bio_range(self.preset, name)
                    unit = transfer.spec(name).unit
                    msg = (f"{cell_type} parameter {name!r} = {bio[bad][0]:g} {unit} cannot be "
                           f"realised on preset {self.preset.name!r}: the circuits cover "
                           f"{blo:g} .. {bhi:g} {unit} ({int(bad.sum())} neuron(s) affected); "
                           f"choose a value in that range")
                    if self.strict:
                        raise ParameterRangeError(msg)
                    warnings.warn(msg + " -- clipped (strict=False)", stacklevel=2)
                    hw = np.clip(hw, lo, hi)
                    bio = transfer.hw_to_bio(self.preset, name, hw)
            if self._calibrated(name):
                code = self._check_codes(
                    name, self.calibration.codes_for(name, hw, c), n,
                    f"calibration {self.calibration_id!r}")
            else:
                exact = np.nan_to_num(transfer.nominal_code(self.preset, name, hw), nan=0.0,
                                      posinf=self.preset.max_dac_code, neginf=0.0)
                code = np.clip(np.rint(exact), 0, self.preset.max_dac_code).astype(np.int64)
                if not sw.dac_quantisation:
                    code_real = exact
            codes_out[name] = code
            if not distorted and not self._calibrated(name):
                realised[name] = bio          # ideal: exactly what was asked
                continue
            use = code if (sw.dac_quantisation or self._calibrated(name)) else code_real
            realised[name] = transfer.hw_to_bio(self.preset, name, self._realise_codes(name, use, c))
        return realised, codes_out

    def realise_dac_codes(self, codes: dict[str, np.ndarray], circuits: np.ndarray
                          ) -> dict[str, np.ndarray]:
        """HWNeuron: raw DAC codes -> realised bio values of every native parameter (PyNN
        EIF_cond_exp_isfa_ista names, plus ``syn_gain_E``/``syn_gain_I`` (dimensionless) and
        ``cm`` = preset.native_cm_nF). Missing codes take their HW_NEURON_PARAMETERS default.
        Fixed-pattern noise applies when switched on; codes are integers by construction."""
        c = self._circuits(circuits)
        unknown = set(codes) - set(transfer.PARAMETER_SPECS)
        if unknown:
            raise UnsupportedParameterError(
                f"unknown HWNeuron DAC code(s) {sorted(unknown)}; the codes are "
                f"{list(transfer.PARAMETER_SPECS)}")
        defaults = self.hw_neuron_parameters
        out: dict[str, np.ndarray] = {}
        for name in transfer.PARAMETER_SPECS:
            code = self._check_codes(name, codes.get(name, defaults[name].default), c.size,
                                     "HWNeuron")
            out[name] = transfer.hw_to_bio(self.preset, name, self._realise_codes(name, code, c))
        out["cm"] = np.full(c.size, self.preset.native_cm_nF)
        return out

    @property
    def hw_neuron_parameters(self) -> dict[str, transfer.HWParameter]:
        """Native DAC codes of this preset (names, defaults, ranges)."""
        return transfer.hw_neuron_parameters(self.preset)

    # ------------------------------------------------------------------ weights
    def synaptic_gain(self, receptor: str, circuits: np.ndarray) -> np.ndarray:
        """Realised per-circuit synaptic gain (weight LSB multiplier, nominally 1)."""
        if receptor not in _RECEPTOR_GAIN:
            raise ValueError(f"receptor must be 'excitatory' or 'inhibitory', got {receptor!r}")
        name = _RECEPTOR_GAIN[receptor]
        c = self._circuits(circuits)
        if self._calibrated(name):
            code = self._check_codes(name, self.calibration.codes_for(name, np.ones(c.size), c),
                                     c.size, f"calibration {self.calibration_id!r}")
        elif self.switches.dac_quantisation:
            code = np.full(c.size, self.hw_neuron_parameters[name].default)
        elif not self.switches.fixed_pattern_noise:
            return np.ones(c.size)
        else:
            code = np.full(c.size, float(transfer.nominal_code(self.preset, name, 1.0)))
        return self._realise_codes(name, code, c)

    def quantise_weights(self, weights: np.ndarray, rows: np.ndarray, weight_unit: str = "uS"
                         ) -> tuple[np.ndarray, weights_mod.WeightReport]:
        """Requested weights (>= 0; ``weight_unit`` "uS" for conductance synapses, "nA" for
        current synapses) -> digital weights on the row-scaled 16/64-level grid (row id per
        connection in ``rows``), after clipping. This is what ``prj.get("weight")`` reports;
        the engine multiplies it by :meth:`synaptic_gain` of each post circuit (the analog,
        chip-specific part, never shown to the user). See ``weights.py``."""
        if weight_unit not in ("uS", "nA"):
            raise ValueError(f"weight_unit must be 'uS' or 'nA', got {weight_unit!r}")
        max_w = self.preset.max_weight_uS if weight_unit == "uS" else self.preset.max_weight_nA
        digital, _codes, report = weights_mod.quantise(
            weights, rows, self.preset.weight_levels, max_w,
            enabled=self.switches.weight_quantisation)
        return digital, report

    def max_weight(self, weight_unit: str) -> float:
        """Largest realisable weight: uS (conductance synapses) or nA (current synapses)."""
        if weight_unit not in ("uS", "nA"):
            raise ValueError(f"weight_unit must be 'uS' or 'nA', got {weight_unit!r}")
        return self.preset.max_weight_uS if weight_unit == "uS" else self.preset.max_weight_nA

    @property
    def plastic_top_code(self) -> float:
        """Top weight code of plastic synapses (15 / 63; with weight quantisation switched off
        a grid so fine that it does not matter)."""
        return float(self.preset.weight_levels - 1 if self.switches.weight_quantisation
                     else 2 ** 30)

    def quantise_plastic_weights(self, weights: np.ndarray, w_max: np.ndarray,
                                 weight_unit: str = "uS"
                                 ) -> tuple[np.ndarray, np.ndarray, weights_mod.WeightReport]:
        """Weights (>= 0) of a plastic projection -> digital weights on its rows, scaled so
        that the top code is ``w_max`` (per connection, same unit)."""
        scale = np.minimum(np.asarray(w_max, dtype=float), self.max_weight(weight_unit))
        return weights_mod.quantise_to_scale(weights, scale, int(self.plastic_top_code) + 1,
                                             enabled=self.switches.weight_quantisation)

    @property
    def plasticity(self) -> ChipPlasticity:
        """The chip's plasticity circuits (``chip.plasticity``; drawn on first use)."""
        if self._plasticity is None:
            self._plasticity = ChipPlasticity(self.preset, self.chip_seed, self.n_circuits,
                                              self.switches.fixed_pattern_noise, self.strict)
        return self._plasticity

    # ------------------------------------------------------------------ mapping
    def place(self, populations: list[placement_mod.PopulationSpec],
              projections: list[placement_mod.ProjectionSpec],
              allow_synapse_loss: bool = False) -> placement_mod.Placement:
        """Populations -> circuits, projections -> synapse rows (see ``placement.py``)."""
        return placement_mod.place(self.preset, self.n_chips, populations, projections,
                                   allow_synapse_loss=allow_synapse_loss,
                                   fan_in_limit=self.switches.fan_in_limit,
                                   chip_size_limit=self.switches.chip_size_limit)

    # ------------------------------------------------------------------ input
    def filter_host_events(self, spike_times: list[np.ndarray], t_start_ms: float,
                           t_stop_ms: float) -> tuple[list[np.ndarray], int]:
        """Drop SpikeSourceArray events beyond the host budget of all chips (``n_chips`` times
        the per-chip budget); returns kept trains and the dropped count."""
        return host_io.filter_host_events(
            spike_times, t_start_ms, t_stop_ms, self.preset.bio_events_per_ms * self.n_chips,
            self.preset.host_window_bio_ms, enabled=self.switches.host_bandwidth_limit)

    @property
    def n_noise_generators(self) -> int:
        """On-chip noise generators available in total (per chip x n_chips)."""
        return self.preset.n_noise_generators * self.n_chips

    def poisson_trains(self, rates_hz: np.ndarray, t_start_ms: float, t_stop_ms: float,
                       rng: np.random.Generator) -> list[np.ndarray]:
        """SpikeSourcePoisson sources -> trains (bio ms). Shared generators when switched on
        (source i uses generator i % n_noise_generators), else independent Poisson."""
        if self.switches.shared_noise_generators:
            return host_io.shared_generator_poisson(rates_hz, t_start_ms, t_stop_ms, rng,
                                                    self.n_noise_generators)
        return host_io.independent_poisson(rates_hz, t_start_ms, t_stop_ms, rng)

    # ------------------------------------------------------------------ readout
    def quantise_spike_times(self, times_ms: np.ndarray) -> np.ndarray:
        """Spike times (bio ms) -> chip clock time stamps (bio ms)."""
        if not self.switches.spike_time_quantisation:
            return np.asarray(times_ms, dtype=float).copy()
        return readout.quantise_spike_times(times_ms, self.preset.clock_period_bio_ms)

    def check_membrane_recording(self, n_neurons_recorded: int,
                                 sampling_interval_ms: float | None = None) -> None:
        """Raise ReadoutLimitError when more membranes are recorded than channels exist.
        (``sampling_interval_ms`` is an extension: on bss2, slow sampling may use the parallel
        ADC for every neuron.)"""
        if not self.switches.membrane_readout_quantisation:
            return
        readout.check_membrane_recording(self.preset, self.n_chips, self.n_circuits,
                                         int(n_neurons_recorded), sampling_interval_ms)

    def read_membrane(self, v_mV: np.ndarray, rng: np.random.Generator,
                      sampling_interval_ms: float | None = None) -> np.ndarray:
        """Membrane potential (bio mV) -> what the ADC reports (readout noise + ADC steps)."""
        _limit, adc = readout.membrane_channel_limit(self.preset, self.n_chips, self.n_circuits,
                                                     sampling_interval_ms)
        return readout.read_membrane(v_mV, self.preset, rng,
                                     enabled=self.switches.membrane_readout_quantisation, adc=adc)

    @property
    def membrane_noise_std_mV(self) -> float:
        """White noise density on the membrane, bio mV per sqrt(ms) (0 when switched off):
        add ``membrane_noise_std_mV * sqrt(dt) * N(0,1)`` to v per step of dt ms."""
        if not self.switches.membrane_noise:
            return 0.0
        return self.preset.membrane_noise_bio_mV_per_sqrt_ms

    @property
    def routing_delay_ms(self) -> float:
        """The one realised synaptic delay (bio ms)."""
        return self.preset.routing_delay_bio_ms

    def hardware_duration_s(self, bio_ms: float) -> float:
        """Biological duration (ms) -> hardware wall time (s)."""
        return bio_ms / self.preset.acceleration / 1000.0

    def annotations(self) -> dict:
        """Facts for neo annotations (JSON-serialisable)."""
        return {
            "preset": self.preset.name, "acceleration": self.preset.acceleration,
            "chip_seed": self.chip_seed, "seed": self.seed, "n_chips": self.n_chips,
            "calibration_id": self.calibration_id, "switches": self.switches.to_dict(),
            "routing_delay_ms": self.preset.routing_delay_bio_ms,
            "clock_period_ms": self.preset.clock_period_bio_ms,
        }
