"""Readout: spike time stamps on the chip clock, membrane ADC with readout noise.

Spike times are latched by a counter, so a spike is reported at the start of the clock cycle in
which it occurred (``floor``). Membrane traces pass the voltage mapping to hardware mV, get
additive Gaussian readout noise (hardware mV) and are digitised by an ``adc_bits`` ADC over
``adc_range_mV``, then mapped back to biological mV.
"""

from __future__ import annotations

import numpy as np

from .errors import ReadoutLimitError
from .presets import Preset


def quantise_spike_times(times_ms: np.ndarray, period_ms: float) -> np.ndarray:
    """Spike times (bio ms) -> start of their clock cycle (bio ms)."""
    t = np.asarray(times_ms, dtype=float)
    # the tiny tolerance keeps times that are exact multiples of the period in their own cycle
    return np.floor(t / period_ms + 1e-9) * period_ms


def membrane_channel_limit(preset: Preset, n_chips: int, n_circuits: int,
                           sampling_interval_ms: float | None = None) -> tuple[int, str]:
    """How many neurons' membranes can be recorded at once, and by which ADC."""
    if (sampling_interval_ms is not None and preset.parallel_adc_bits > 0
            and sampling_interval_ms >= preset.parallel_sample_period_bio_ms):
        return n_circuits, "parallel"
    return preset.n_membrane_channels * n_chips, "full-rate"


def check_membrane_recording(preset: Preset, n_chips: int, n_circuits: int, n_recorded: int,
                             sampling_interval_ms: float | None = None) -> str:
    """Raise ReadoutLimitError when more membranes are requested than can be recorded; return
    which ADC ("full-rate" or "parallel") serves the request."""
    limit, adc = membrane_channel_limit(preset, n_chips, n_circuits, sampling_interval_ms)
    if n_recorded > limit:
        hint = ""
        if preset.parallel_adc_bits > 0:
            hint = (f", or record with sampling_interval >= "
                    f"{preset.parallel_sample_period_bio_ms} ms to use the {preset.parallel_adc_bits}"
                    f"-bit parallel ADC that reads every neuron")
        raise ReadoutLimitError(
            f"membrane potential 'v' requested for {n_recorded} neurons, but preset "
            f"{preset.name!r} with n_chips={n_chips} has {limit} full-rate membrane readout "
            f"channel(s) ({preset.n_membrane_channels} per chip); record 'v' from at most {limit} "
            f"neurons per run (e.g. pop[0:{limit}].record('v')) and repeat the run for others"
            f"{hint}")
    return adc


def read_membrane(v_mV: np.ndarray, preset: Preset, rng: np.random.Generator,
                  enabled: bool = True, adc: str = "full-rate") -> np.ndarray:
    """Membrane trace(s) in bio mV -> what the ADC reports (bio mV): readout noise + ADC."""
    v = np.asarray(v_mV, dtype=float)
    if not enabled:
        return v.copy()
    bits = preset.adc_bits if adc == "full-rate" else preset.parallel_adc_bits
    lo, hi = preset.adc_range_mV
    v_hw = preset.bio_to_hw_voltage(v) + rng.normal(0.0, preset.readout_noise_mV, size=v.shape)
    lsb = (hi - lo) / (2 ** bits - 1)
    code = np.clip(np.rint((v_hw - lo) / lsb), 0, 2 ** bits - 1)
    return preset.hw_to_bio_voltage(lo + code * lsb)


def adc_lsb_bio_mV(preset: Preset, adc: str = "full-rate") -> float:
    """One ADC step expressed in biological mV."""
    bits = preset.adc_bits if adc == "full-rate" else preset.parallel_adc_bits
    lo, hi = preset.adc_range_mV
    return (hi - lo) / (2 ** bits - 1) / preset.voltage_scale
