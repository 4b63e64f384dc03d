"""Energy and hardware wall-time model of an emulator run (pure numpy, no engine state).

What a run costs on the emulated chip is estimated from exactly counted events
(:class:`EventCounts`, filled by the backend's runtime) and the figures of the preset
(:class:`EnergyFigures`):

``hardware_wall_time_s = emulation_s + configuration_s + host_io_s``

* ``emulation_s`` = biological time / acceleration (the chip runs in continuous time);
* ``configuration_s`` = configuration words written (every synapse + ``PARAMS_PER_NEURON``
  parameters per neuron circuit, counted each time the network is (re)built) x
  ``bits_per_word`` / ``link_bits_per_s``;
* ``host_io_s`` = (host input events sent + recorded spikes read back) x ``bits_per_event`` /
  ``link_bits_per_s``, i.e. the transfers are assumed not to overlap the emulation.

``energy_J = static + synaptic + spikes + host + plasticity`` with

* ``static`` = ``chip_power_W`` x ``n_chips`` x ``hardware_wall_time_s`` (the chip stays powered
  while it is configured and read out);
* ``synaptic`` = synaptic events (every spike x the fan-out of its source, as routed) x
  ``synaptic_event_J``;
* ``spikes`` = spikes of neurons and on-chip sources x ``spike_J``;
* ``host`` = SpikeSourceArray events sent over the host link x ``host_event_J``;
* ``plasticity`` = synapse visits of the update controller x ``plasticity_update_J``.

Sources of the figures (what was found, and what is an estimate)
----------------------------------------------------------------
Measured, published:

* BrainScaleS-2: "the entire chip operating on a power budget of 57 mW" at acceleration 1000
  (Wunderlich et al. 2019, "Demonstrating advantages of neuromorphic computation: a pilot
  study", Front. Neurosci. 13:260, abstract) -- measured on the single-chip *prototype* (32
  neurons, 32 x 32 synapses). For the full 512-neuron HICANN-X: Stradmann et al. 2022,
  "Demonstrating analog inference on the BrainScaleS-2 mobile system", IEEE OJCAS 3:252,
  abstract: 192 uJ for the ASIC per 276 us classification, i.e. 192e-6 / 276e-6 = 0.70 W
  (derived here; includes the activity of that experiment, so it is used as an upper-side
  static figure), and 5.6 W for the whole mobile system (ASIC + FPGA + board).
* Host link: BrainScaleS-2 single-chip setups are connected to the host cluster by Gigabit
  Ethernet (Thommes et al. 2022, NICE, arXiv:2202.12122 abstract); 1 Gbit/s is used for both
  presets.
* BrainScaleS-1: a wafer module holds 384 HICANN chips (Schemmel et al. 2010, ISCAS; the
  BrainScaleS guidebook, electronicvisions.github.io/hbp-sp9-guidebook). Schmidt et al. 2024,
  "Demonstrating the advantages of analog wafer-scale neuromorphic hardware"
  (arXiv:2412.02619), report emulation time and energy of the wafer; a secondary summary of
  that paper gives about 2 kW per wafer system. 2 kW / 384 = 5.2 W per chip including the
  wafer module's FPGAs, power supplies and readout -- **an estimate**: the primary figure could
  not be checked here.

Estimates (no published per-event figure was found; stated as such in every report): the
per-event energies below are order-of-magnitude choices, set so that at a typical load (512
neurons at 20 Hz bio, fan-out 100) the dynamic part stays well below the measured chip power
(bss2: 1e9 synaptic events/s hw x 10 pJ = 10 mW against 0.70 W) -- i.e. the static term
dominates, as it does on the BrainScaleS systems. The configuration word size (64 bit) and
the event packet size (64 bit) are estimates too.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

#: Configuration words per neuron circuit (analog parameters + digital configuration): estimate.
PARAMS_PER_NEURON = 24


@dataclass(frozen=True)
class EnergyFigures:
    """Per-event and static figures of one chip generation (SI units)."""

    preset: str
    chip_power_W: float            # static power of one chip while powered
    synaptic_event_J: float        # one spike arriving at one synapse
    spike_J: float                 # one spike of a neuron circuit or on-chip source
    host_event_J: float            # one event sent host -> FPGA -> chip
    plasticity_update_J: float     # one synapse visit of the update controller / PPU
    link_bits_per_s: float         # host link bandwidth
    bits_per_event: int            # one spike event on the host link
    bits_per_word: int             # one configuration word
    sources: dict = field(default_factory=dict)   # figure name -> citation / "ESTIMATE: ..."

    def to_dict(self) -> dict:
        return asdict(self)


BSS1_FIGURES = EnergyFigures(
    preset="bss1", chip_power_W=2000.0 / 384, synaptic_event_J=100e-12, spike_J=1e-9,
    host_event_J=10e-9, plasticity_update_J=10e-12, link_bits_per_s=1e9, bits_per_event=64,
    bits_per_word=64,
    sources={
        "chip_power_W": "ESTIMATE from Schmidt et al. 2024 (arXiv:2412.02619) as summarised "
                        "secondarily: ~2 kW per wafer system / 384 HICANNs (Schemmel et al. "
                        "2010); includes wafer-module infrastructure",
        "synaptic_event_J": "ESTIMATE (no published per-event figure found; 180 nm chip)",
        "spike_J": "ESTIMATE (no published figure found)",
        "host_event_J": "ESTIMATE (FPGA + link per event; no published figure found)",
        "plasticity_update_J": "ESTIMATE (no published figure found)",
        "link_bits_per_s": "1 Gbit/s per FPGA link (Gigabit Ethernet to the host; estimate "
                           "for bss1)",
        "bits_per_event": "ESTIMATE", "bits_per_word": "ESTIMATE",
    })

BSS2_FIGURES = EnergyFigures(
    preset="bss2", chip_power_W=192e-6 / 276e-6, synaptic_event_J=10e-12, spike_J=100e-12,
    host_event_J=10e-9, plasticity_update_J=10e-12, link_bits_per_s=1e9, bits_per_event=64,
    bits_per_word=64,
    sources={
        "chip_power_W": "Stradmann et al. 2022, IEEE OJCAS 3:252: 192 uJ ASIC energy per 276 us "
                        "classification -> 0.70 W (derived); prototype chip: 57 mW (Wunderlich "
                        "et al. 2019, Front. Neurosci. 13:260)",
        "synaptic_event_J": "ESTIMATE (no published per-event figure found; 65 nm chip)",
        "spike_J": "ESTIMATE (no published figure found)",
        "host_event_J": "ESTIMATE (FPGA + link per event; no published figure found)",
        "plasticity_update_J": "ESTIMATE (plasticity processor per synapse; no published "
                               "figure found)",
        "link_bits_per_s": "Gigabit Ethernet host link (Thommes et al. 2022, arXiv:2202.12122)",
        "bits_per_event": "ESTIMATE", "bits_per_word": "ESTIMATE",
    })

FIGURES: dict[str, EnergyFigures] = {"bss1": BSS1_FIGURES, "bss2": BSS2_FIGURES}


def figures_for(preset: str) -> EnergyFigures:
    """The energy figures of ``preset`` ("bss1"/"bss2"); unknown names raise ValueError."""
    try:
        return FIGURES[preset]
    except KeyError:
        raise ValueError(f"no energy figures for preset {preset!r}; use one of "
                         f"{sorted(FIGURES)}") from None


@dataclass
class EventCounts:
    """Exact event counts of one segment (since the last ``reset()``)."""

    bio_time_ms: float = 0.0
    spikes_by_population: dict = field(default_factory=dict)  # label -> spikes
    neuron_spikes: int = 0           # spikes of neuron circuits
    source_spikes: int = 0           # spikes of SpikeSourceArray/Poisson sources delivered
    synaptic_events: int = 0         # spikes x fan-out (routed synapses)
    host_events: int = 0             # SpikeSourceArray events sent over the host link
    dropped_host_events: int = 0     # events beyond the host budget (not sent)
    recorded_spikes: int = 0         # spikes read back to the host
    plasticity_updates: int = 0      # controller visits of plastic synapses
    configuration_words: int = 0     # words written when the network was (re)built
    runs: int = 0

    def to_dict(self) -> dict:
        return asdict(self)


def estimate(counts: EventCounts, figures: EnergyFigures, acceleration: float,
             n_chips: int = 1) -> dict:
    """Hardware wall time (s) and energy (J, with its parts) of ``counts`` (see module doc)."""
    emulation_s = counts.bio_time_ms * 1e-3 / acceleration
    configuration_s = counts.configuration_words * figures.bits_per_word / figures.link_bits_per_s
    host_io_s = ((counts.host_events + counts.recorded_spikes) * figures.bits_per_event
                 / figures.link_bits_per_s)
    wall_s = emulation_s + configuration_s + host_io_s
    parts = {
        "static": figures.chip_power_W * n_chips * wall_s,
        "synaptic": counts.synaptic_events * figures.synaptic_event_J,
        "spikes": (counts.neuron_spikes + counts.source_spikes) * figures.spike_J,
        "host": counts.host_events * figures.host_event_J,
        "plasticity": counts.plasticity_updates * figures.plasticity_update_J,
    }
    return {
        "hardware_wall_time_s": wall_s,
        "emulation_time_s": emulation_s,
        "configuration_time_s": configuration_s,
        "host_io_time_s": host_io_s,
        "energy_J": float(sum(parts.values())),
        "energy_parts_J": {k: float(v) for k, v in parts.items()},
    }


def controller_visits(sweep_ptr, sweep_period: int, step0: int, n_steps: int) -> int:
    """Synapse visits of the update controller over global steps ``step0 .. step0+n_steps-1``:
    phase ``g`` (``sweep_ptr[g]:sweep_ptr[g+1]`` synapses) is visited at steps with
    ``step % sweep_period == g``."""
    import numpy as np

    if sweep_period <= 0 or n_steps <= 0:
        return 0
    sizes = np.diff(np.asarray(sweep_ptr, dtype=np.int64))
    g = np.arange(sweep_period)
    hits = (np.floor_divide(step0 + n_steps - 1 - g, sweep_period)
            - np.floor_divide(step0 - 1 - g, sweep_period))
    return int(np.dot(sizes, hits))
