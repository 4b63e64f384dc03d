"""Hardware presets: the fixed facts of a BrainScaleS-1-like and a BrainScaleS-2-like chip.

Sources for the numbers (order-of-magnitude facts, not a data sheet of either chip):

* HICANN, the BrainScaleS-1 chip (Schemmel et al. 2010, "A wafer-scale neuromorphic hardware
  system for large-scale neural modeling", ISCAS; Petrovici et al. 2014, "Characterization and
  compensation of network-level anomalies in mixed-signal neuromorphic modeling platforms",
  PLoS ONE 9:e108590): 512 AdEx neuron circuits, 224 synapse rows per neuron column, 4-bit
  synaptic weights with a per-row (synapse driver) conductance scale, analog parameters stored in
  10-bit floating-gate cells (0..1.8 V), acceleration 10^4, voltage mapping V_hw = 10 V_bio +
  1.2 V, 8 background event generators per chip, 2 analog membrane outputs per chip digitised by
  an external 12-bit ADC, digital event time stamps at a 250 MHz clock (4 ns hardware).
* HICANN-X, the BrainScaleS-2 chip (Billaudelle et al. 2020, "Versatile emulation of spiking
  neural networks on an accelerated neuromorphic substrate", ISCAS; Pehle et al. 2022, "The
  BrainScaleS-2 accelerated neuromorphic system with hybrid plasticity", Front. Neurosci.
  16:795876; Billaudelle 2022, PhD thesis, ch. "The BrainScaleS-2 system"): 512 AdEx neuron
  circuits, 256 synapse rows, 6-bit weights with a per-row sign, 10-bit capacitive-memory
  (CapMem) parameter cells (voltage cells ~0..1.6 V), acceleration 10^3, 8 on-chip background
  spike generators (regular or Poisson, 8 x 125 MEvent/s), a 10-bit SAR membrane ADC (MADC,
  two multiplexed inputs, input range within the 1.2 V supply), two 8-bit column-parallel ADCs
  (CADC) reading every neuron at up to 1.85 MSample/s (0.54 us hardware = 0.54 ms bio),
  125 MHz FPGA time stamps (8 ns hardware). Host input: the event interface starts dropping
  events above about 130 kHz of biological input rate (Rettig 2019, "Characterizing the event
  interface of the HICANN-X", HD-KIP 19-45), i.e. ~1.3e8 hardware events/s per chip.

Modelling choices (stated, not measured): the BrainScaleS-1 host budget per chip is taken as
4e7 hardware events/s (the FPGA feeding a HICANN has links of order Gbit/s, an event
packet is a few tens of bits), i.e. 4 events per biological ms, the routing
delay as 100 ns of hardware time on both chips, the membrane readout noise as 2 mV (hardware)
and the trial-to-trial membrane noise as 0.1 mV/sqrt(ms) in biological units, whose stationary
standard deviation at tau_m = 10 ms is about 0.22 mV (bio): thermal noise of order 1 mV on the
hardware membrane.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Preset:
    """Fixed properties of one chip generation. Units are stated per field."""

    name: str
    acceleration: float               # hardware time = biological time / acceleration
    neurons_per_chip: int             # neuron circuits per chip
    synapse_rows_per_neuron: int      # fan-in limit: distinct (source, sign) per neuron
    weight_bits: int                  # synaptic weight code width
    dac_bits: int                     # analog parameter DAC width
    host_events_per_second: float     # host -> chip input budget per chip, HARDWARE events/s
    n_noise_generators: int           # on-chip pseudo-random spike generators per chip
    clock_period_bio_ms: float        # spike time stamp resolution, biological ms
    routing_delay_bio_ms: float       # the one realised synaptic delay, biological ms
    n_membrane_channels: int          # full-rate membrane readout channels per chip
    adc_bits: int                     # full-rate membrane ADC resolution
    voltage_scale: float              # alpha in V_hw[mV] = alpha * V_bio[mV] + shift
    voltage_shift_mV: float           # shift (hardware mV)
    dac_full_scale_mV: float          # potential DACs span 0..this (hardware mV)
    adc_range_mV: tuple[float, float]  # membrane ADC input range (hardware mV)
    readout_noise_mV: float           # additive readout noise, hardware mV (standard deviation)
    membrane_noise_bio_mV_per_sqrt_ms: float  # white noise density on the membrane, bio units
    max_weight_uS: float              # largest realisable conductance weight (bio uS)
    max_weight_nA: float              # largest realisable current weight (bio nA)
    native_cm_nF: float               # membrane capacitance a HWNeuron circuit represents (bio nF)
    host_window_bio_ms: float         # window over which the host budget is enforced (bio ms)
    parallel_adc_bits: int            # slow all-neuron ADC (0: none)
    parallel_sample_period_bio_ms: float  # its sampling period (bio ms); inf when absent

    @property
    def weight_levels(self) -> int:
        """Number of weight codes (16 for 4 bit, 64 for 6 bit)."""
        return 2 ** self.weight_bits

    @property
    def max_dac_code(self) -> int:
        """Largest parameter DAC code (1023 for 10 bit)."""
        return 2 ** self.dac_bits - 1

    @property
    def bio_events_per_ms(self) -> float:
        """Host budget per chip converted to events per biological ms."""
        return self.host_events_per_second / self.acceleration / 1000.0

    def bio_to_hw_voltage(self, v_bio_mV):
        """Biological mV -> hardware mV."""
        return self.voltage_scale * v_bio_mV + self.voltage_shift_mV

    def hw_to_bio_voltage(self, v_hw_mV):
        """Hardware mV -> biological mV."""
        return (v_hw_mV - self.voltage_shift_mV) / self.voltage_scale


BSS1 = Preset(
    name="bss1", acceleration=1e4, neurons_per_chip=512, synapse_rows_per_neuron=224,
    weight_bits=4, dac_bits=10, host_events_per_second=4e7, n_noise_generators=8,
    clock_period_bio_ms=0.04, routing_delay_bio_ms=1.0, n_membrane_channels=2, adc_bits=12,
    voltage_scale=10.0, voltage_shift_mV=1200.0, dac_full_scale_mV=1800.0,
    adc_range_mV=(0.0, 1800.0), readout_noise_mV=2.0, membrane_noise_bio_mV_per_sqrt_ms=0.1,
    max_weight_uS=0.3, max_weight_nA=10.0, native_cm_nF=0.2, host_window_bio_ms=10.0,
    parallel_adc_bits=0, parallel_sample_period_bio_ms=float("inf"),
)

BSS2 = Preset(
    name="bss2", acceleration=1e3, neurons_per_chip=512, synapse_rows_per_neuron=256,
    weight_bits=6, dac_bits=10, host_events_per_second=1.3e8, n_noise_generators=8,
    clock_period_bio_ms=0.008, routing_delay_bio_ms=0.1, n_membrane_channels=2, adc_bits=10,
    voltage_scale=7.5, voltage_shift_mV=900.0, dac_full_scale_mV=1600.0,
    adc_range_mV=(0.0, 1200.0), readout_noise_mV=2.0, membrane_noise_bio_mV_per_sqrt_ms=0.1,
    max_weight_uS=0.3, max_weight_nA=10.0, native_cm_nF=0.2, host_window_bio_ms=10.0,
    parallel_adc_bits=8, parallel_sample_period_bio_ms=0.54,
)

PRESETS: dict[str, Preset] = {"bss1": BSS1, "bss2": BSS2}


def get_preset(preset: str | Preset) -> Preset:
    """Look a preset up by name (or pass a Preset through); unknown names raise ValueError."""
    if isinstance(preset, Preset):
        return preset
    try:
        return PRESETS[preset]
    except KeyError:
        raise ValueError(
            f"unknown chip preset {preset!r}; use one of {sorted(PRESETS)}") from None
