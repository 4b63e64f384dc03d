"""Plasticity circuits of the emulated chip: STDP correlation sensors with an update controller,
and short-term plasticity in the synapse drivers.

STDP (both presets). Every synapse has a causal and an acausal correlation circuit: a
presynaptic spike reaching the synapse adds the decayed trace of the nearest earlier
postsynaptic spike to the acausal accumulator, a postsynaptic spike adds the decayed trace of
the nearest earlier presynaptic spike to the causal one (reduced nearest-neighbour pairing, an
analog measurement on a capacitor per synapse). A digital update controller visits the synapse
rows one after another with a fixed period in hardware time, turns the accumulated correlation
into a change of the discrete weight code, and clears the accumulators. This is the
BrainScaleS-1 scheme (Schemmel et al. 2006, Proc. IJCNN; Pfeil et al. 2012, Front. Neurosci.
6:90, Table 5: global weight update controller, analog measurement affected by production
imperfections, reduced pairing, 4-bit weights) and, with a programmable rule on the plasticity
processor reading the correlation sensors, BrainScaleS-2 (Friedmann et al. 2017, IEEE Trans.
Biomed. Circuits Syst. 11:128). The rule's math (weight dependence) is
:mod:`neurohw.plasticity_rules`, shared with the ideal mode.

Where the hardware sees the spikes: the presynaptic spike reaches the synapse after the routing
delay, the postsynaptic spike is seen at once (the neuron's spike is fed back along its column).
So on the chip every delay is *axonal* for STDP (``dendritic_delay_fraction`` is 0 whatever the
script asks; NEST treats every delay as dendritic). The mapping report says so.

Weight codes: a plastic projection's rows are scaled so that the top code is ``w_max``; at a
visit the controller computes the change in codes, ``(levels - 1) * dx`` (``dx`` the normalised
change from the accumulated correlations). Rounding differs by generation:

* bss1, *threshold-and-hold* (deterministic): the accumulators keep collecting until the
  change reaches half a code, then the code moves by the rounded change and they are cleared --
  the BrainScaleS-1 controller acts only where the accumulated correlation crossed a threshold
  (Pfeil et al. 2012);
* bss2, *stochastic rounding* by the plasticity processor: every visit moves the code by the
  floor of the change plus one with the probability of its fraction (drawn from the engine's
  generator seeded by ``setup(seed=...)``), and clears the accumulators: unbiased on average,
  deterministic for a seed, but a random walk of the code when changes per visit are small.

Codes are clipped to 0..levels-1.

Rule programs: BrainScaleS-2's plasticity processor runs other rules on the same sensors; the
emulator has one, Nessler et al.'s online EM for winner-take-all circuits
(``OnlineEMSynapse``), and refuses it on bss1, whose controller only applies STDP tables.

Short-term plasticity: the synapse drivers (one per presynaptic source and row) hold a
Tsodyks-Markram circuit (Schemmel et al. 2010, Proc. ISCAS, "A wafer-scale neuromorphic
hardware system for large-scale neural modeling"), so its parameters are per presynaptic source,
not per synapse; on BrainScaleS-1 a driver runs in *either* depression or facilitation mode.

Figures that are modelling choices (stated, not measured): correlation time constants realisable
in 0.2-20 us hardware (bss1) / 2-100 us (bss2); their fixed-pattern spread 10 % (time constants)
and 20 % (amplitudes) per synapse; update controller period 5 us hardware on bss1 (50 ms bio)
and 20 us on bss2 (20 ms bio, a plasticity-processor kernel period); STP time constants
realisable in 0.1-200 us hardware (bss1) / 1-1000 us (bss2) with 10 % spread per driver.
"""

from __future__ import annotations

import warnings
import zlib
from dataclasses import dataclass

import numpy as np

from .errors import MappingError, ParameterRangeError
from .presets import Preset


class PlasticityRangeError(ParameterRangeError):
    """A plasticity parameter the chip's circuits cannot realise (names projection, parameter,
    value and range)."""


class UnsupportedPlasticityError(MappingError):
    """A plasticity configuration the chip's circuits cannot map (e.g. short-term plasticity
    parameters that differ between synapses of one presynaptic driver)."""


@dataclass(frozen=True)
class PlasticityCircuits:
    """Facts of one preset's plasticity circuits (hardware units as named)."""

    correlation_tau_hw_us: tuple[float, float]   # realisable STDP window time constants
    correlation_tau_spread: float                 # std of log(gain) of time constants
    correlation_amplitude_spread: float           # std of log(gain) of accumulation amplitudes
    update_period_hw_us: float                    # controller: one sweep over every row
    stp_tau_hw_us: tuple[float, float]            # realisable tau_rec / tau_facil
    stp_tau_spread: float                         # std of log(gain) per driver
    stp_exclusive_modes: bool                     # depression OR facilitation per driver
    programmable: bool                            # a plasticity processor runs rule programs
    stochastic_rounding: bool                     # code changes: stochastic, else threshold


CIRCUITS = {
    "bss1": PlasticityCircuits((0.2, 20.0), 0.1, 0.2, 5.0, (0.1, 200.0), 0.1, True, False,
                               False),
    "bss2": PlasticityCircuits((2.0, 100.0), 0.1, 0.2, 20.0, (1.0, 1000.0), 0.1, False, True,
                               True),
}


def _stream(chip_seed: int, preset: str, what: str) -> np.random.Generator:
    key = (zlib.crc32(b"plasticity"), zlib.crc32(preset.encode()), zlib.crc32(what.encode()))
    return np.random.default_rng(np.random.SeedSequence(int(chip_seed), spawn_key=key))


class ChipPlasticity:
    """The plasticity circuits of one chip (or ``n_chips``): ranges, fixed-pattern noise of every
    synapse's correlation circuit and every driver's STP circuit (drawn once from
    ``chip_seed``; private to the chip model like the neuron circuits' noise)."""

    def __init__(self, preset: Preset, chip_seed: int, n_circuits: int, fixed_pattern: bool,
                 strict: bool = True):
        self.preset = preset
        self.circuits = CIRCUITS[preset.name]
        self.strict = bool(strict)
        self.fixed_pattern = bool(fixed_pattern)
        rows = preset.synapse_rows_per_neuron
        shape = (rows, n_circuits)
        c = self.circuits
        draw = (lambda what, std: np.exp(std * _stream(chip_seed, preset.name, what)
                                         .standard_normal(shape)))
        self._gain = {
            "tau_plus": draw("tau_plus", c.correlation_tau_spread),
            "tau_minus": draw("tau_minus", c.correlation_tau_spread),
            "eta_c": draw("eta_c", c.correlation_amplitude_spread),
            "eta_a": draw("eta_a", c.correlation_amplitude_spread),
            "tau_rec": draw("tau_rec", c.stp_tau_spread),
            "tau_facil": draw("tau_facil", c.stp_tau_spread),
        }

    # ------------------------------------------------------------------ helpers
    @property
    def update_period_bio_ms(self) -> float:
        """Update controller period in biological ms."""
        return self.circuits.update_period_hw_us * 1e-3 * self.preset.acceleration

    def _bio_range(self, hw_us: tuple[float, float]) -> tuple[float, float]:
        return (hw_us[0] * 1e-3 * self.preset.acceleration,
                hw_us[1] * 1e-3 * self.preset.acceleration)

    def _check(self, label: str, name: str, values: np.ndarray, lo: float, hi: float,
               unit: str, allow_zero: bool = False) -> np.ndarray:
        values = np.asarray(values, dtype=float)
        ok = (values >= lo) & (values <= hi)
        if allow_zero:
            ok |= values == 0
        if np.all(ok):
            return values
        bad = values[~ok][0]
        msg = (f"projection {label!r}: {name} = {bad:g} {unit} cannot be realised by the "
               f"{self.preset.name} plasticity circuits: range {lo:g} .. {hi:g} {unit}"
               + (" (or 0)" if allow_zero else "") + f"; choose a value in that range")
        if self.strict:
            raise PlasticityRangeError(msg)
        warnings.warn(msg + " -- clipped (strict=False)", stacklevel=3)
        clipped = np.clip(values, lo, hi)
        return np.where(values == 0, 0.0, clipped) if allow_zero else clipped

    def _check_w_max(self, label: str, params: dict[str, np.ndarray], max_weight: float
                     ) -> np.ndarray:
        """``w_max`` becomes the top weight code: it must not exceed the largest weight."""
        return self._check(label, "w_max", np.abs(params["w_max"]), 1e-12, max_weight,
                           "(largest weight code)")

    def _synapse_gain(self, name: str, pre_ids: np.ndarray, circuits: np.ndarray) -> np.ndarray:
        if not self.fixed_pattern:
            return np.ones(np.asarray(circuits).size)
        g = self._gain[name]
        return g[np.asarray(pre_ids) % g.shape[0], np.asarray(circuits) % g.shape[1]]

    # ------------------------------------------------------------------ STDP
    def realise_stdp(self, label: str, params: dict[str, np.ndarray], pre_ids: np.ndarray,
                     circuits: np.ndarray, max_weight: float) -> dict[str, np.ndarray]:
        """Per synapse of a plastic projection: the window time constants (bio ms) and
        accumulation amplitudes (nominally 1) its circuits realise; ``w_min``/``w_max``
        checked against the weight codes (``max_weight``: largest realisable weight, same
        unit). ``params``: tau_plus, tau_minus, w_min, w_max per synapse."""
        lo, hi = self._bio_range(self.circuits.correlation_tau_hw_us)
        out = {}
        for name in ("tau_plus", "tau_minus"):
            tau = self._check(label, name, params[name], lo, hi, "ms")
            out[name] = tau * self._synapse_gain(name, pre_ids, circuits)
        out["eta_c"] = self._synapse_gain("eta_c", pre_ids, circuits)
        out["eta_a"] = self._synapse_gain("eta_a", pre_ids, circuits)
        out["w_min"] = self._check(label, "w_min", params["w_min"], 0.0, 0.0,
                                   "(weight codes start at 0)")
        out["w_max"] = self._check_w_max(label, params, max_weight)
        return out

    def realise_em(self, label: str, params: dict[str, np.ndarray], pre_ids: np.ndarray,
                   circuits: np.ndarray, max_weight: float) -> dict[str, np.ndarray]:
        """Online EM (Nessler et al. 2013) as a plasticity-processor program: needs a
        programmable processor (bss2); the causal sensors' window and amplitude carry their
        fixed-pattern noise. Returns ``window`` (ms), ``eta_c`` and ``w_max``."""
        if not self.circuits.programmable:
            raise UnsupportedPlasticityError(
                f"projection {label!r}: the online-EM rule needs the programmable plasticity "
                f"processor of BrainScaleS-2; the {self.preset.name} update controller applies "
                f"fixed STDP look-up tables. Use setup(preset='bss2') or compute the update on "
                f"the host")
        lo, hi = self._bio_range(self.circuits.correlation_tau_hw_us)
        window = self._check(label, "window", params["window"], lo, hi, "ms")
        return {"window": window * self._synapse_gain("tau_plus", pre_ids, circuits),
                "eta_c": self._synapse_gain("eta_c", pre_ids, circuits),
                "w_max": self._check_w_max(label, params, max_weight)}

    # ------------------------------------------------------------------ STP
    def realise_tsodyks(self, label: str, params: dict[str, np.ndarray], pre_ids: np.ndarray,
                        circuits: np.ndarray) -> dict[str, np.ndarray]:
        """Tsodyks-Markram parameters per synapse -> what the presynaptic drivers realise.
        Raises :class:`UnsupportedPlasticityError` when synapses sharing a driver (same
        presynaptic source) ask for different parameters, or (bss1) for depression and
        facilitation at once."""
        pre_ids = np.asarray(pre_ids)
        for name in ("U", "tau_rec", "tau_facil"):
            v = np.asarray(params[name], dtype=float)
            if v.size:
                first = np.full(pre_ids.max() + 1, np.nan)
                first[pre_ids[::-1]] = v[::-1]
                if np.any(first[pre_ids] != v):
                    raise UnsupportedPlasticityError(
                        f"projection {label!r}: {name} differs between synapses of one "
                        f"presynaptic source; on the chip short-term plasticity lives in the "
                        f"synapse driver of each source, so all its synapses share U, tau_rec "
                        f"and tau_facil. Give them one value per presynaptic neuron")
        lo, hi = self._bio_range(self.circuits.stp_tau_hw_us)
        tau_rec = self._check(label, "tau_rec", params["tau_rec"], lo, hi, "ms", allow_zero=True)
        tau_facil = self._check(label, "tau_facil", params["tau_facil"], lo, hi, "ms",
                                allow_zero=True)
        if self.circuits.stp_exclusive_modes and np.any((tau_rec > 0) & (tau_facil > 0)):
            raise UnsupportedPlasticityError(
                f"projection {label!r}: the {self.preset.name} synapse drivers run short-term "
                f"plasticity in depression OR facilitation mode, not both; set tau_facil=0 "
                f"(depression) or tau_rec=0 (facilitation), or use preset 'bss2'")
        driver = pre_ids % self.preset.synapse_rows_per_neuron
        gain = (lambda name: self._gain[name][driver, 0] if self.fixed_pattern
                else np.ones(pre_ids.size))
        return {"U": np.asarray(params["U"], dtype=float),
                "tau_rec": tau_rec * gain("tau_rec"), "tau_facil": tau_facil * gain("tau_facil")}
