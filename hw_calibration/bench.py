"""The test stand: experiments on an emulated chip through the PyNN API, as a user of a real chip
would run them.

:class:`ChipBench` sets up the emulator backend for one chip (``chip_seed``, ``preset``,
uncalibrated), places one ``HWNeuron`` per circuit (population index i -> circuit i, the
emulator's placement order), connects one excitatory and one inhibitory ``SpikeSourceArray``
stimulus to every circuit, and runs

* :meth:`spike_run`: every circuit at its own DAC codes, spikes recorded from all of them;
* :meth:`membrane_session`: a schedule of segments (codes change between segments through
  ``Population.set``) replayed once per group of ``n_membrane_channels`` circuits, recording
  ``v`` of that group only (the chip's readout limit), giving every circuit's trace.

Units: ms and mV (biological), weights in uS. Nothing here reads the chip's hidden state.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

import numpy as np

import neurohw
from neurohw.backends.emulator.chip import transfer
from neurohw.backends.emulator.chip.presets import get_preset


@dataclass
class Segment:
    """One stretch of a membrane session: ``duration`` ms with these DAC codes (arrays over
    circuits or scalars; codes not given keep the bench's base codes). Stimulus spikes of the
    excitatory/inhibitory source at ``exc_at``/``inh_at`` ms after the segment start."""

    duration: float
    codes: dict[str, np.ndarray | int] = field(default_factory=dict)
    exc_at: tuple[float, ...] = ()
    inh_at: tuple[float, ...] = ()
    label: str = ""


#: Codes that park a circuit whose membrane is not being recorded: it fires at once (reset far
#: above the spike level) and then sits out the longest refractory period, clamped at its
#: reset. A clamped circuit costs the emulator almost nothing, so a membrane session costs
#: about as much as the circuits it records.
PARK_CODES = {"v_thresh": 0, "v_spike": 0, "v_reset": 1023, "tau_refrac": 1023}


class ChipBench:
    """Experiments on one uncalibrated emulated chip (``n`` circuits starting at circuit 0)."""

    def __init__(self, chip_seed: int, preset: str = "bss1", n: int | None = None,
                 seed: int = 0, dt: float = 0.1, weight_exc_uS: float = 0.005,
                 weight_inh_uS: float = 0.005, base_codes: dict | None = None):
        self.preset = get_preset(preset)
        self.chip_seed = int(chip_seed)
        self.n = int(n or self.preset.neurons_per_chip)
        self.dt = float(dt)
        self.sim = sim = neurohw.backend("emulator")
        sim.setup(timestep=self.dt, min_delay=self.dt, chip_seed=self.chip_seed,
                  preset=self.preset.name, seed=int(seed), calibration=None)
        self.base_codes = {k: int(v.default) for k, v in
                           transfer.hw_neuron_parameters(self.preset).items()}
        self.base_codes.update(base_codes or {})
        self.pop = sim.Population(self.n, sim.HWNeuron(**self.base_codes), label="circuits")
        self.exc = sim.Population(1, sim.SpikeSourceArray(spike_times=[]), label="stim_exc")
        self.inh = sim.Population(1, sim.SpikeSourceArray(spike_times=[]), label="stim_inh")
        conn = sim.AllToAllConnector()
        self.prj_exc = sim.Projection(self.exc, self.pop, conn,
                                      sim.StaticSynapse(weight=weight_exc_uS),
                                      receptor_type="excitatory")
        self.prj_inh = sim.Projection(self.inh, self.pop, conn,
                                      sim.StaticSynapse(weight=weight_inh_uS),
                                      receptor_type="inhibitory")
        # the requested weights: one value per row sits exactly on the weight grid (row scale =
        # weight / largest code); per-circuit deviations from it are what calibration measures
        self.weight_exc = float(weight_exc_uS)
        self.weight_inh = float(weight_inh_uS)
        self.delay = float(np.mean(self.prj_exc.get("delay", format="array")))  # routing delay
        self.n_runs = 0

    @property
    def channels(self) -> int:
        """Membrane traces recordable at once (full-rate ADC channels)."""
        return int(self.preset.n_membrane_channels)

    def _codes(self, codes: dict) -> dict[str, np.ndarray]:
        out = {}
        for k, v in codes.items():
            a = np.asarray(v)
            out[k] = np.broadcast_to(a, (self.n,)).astype(np.int64) if a.ndim else int(a)
        return out

    def set_codes(self, codes: dict, parked: np.ndarray | None = None) -> None:
        """Give every circuit these DAC codes (missing ones: the base codes); circuits in the
        boolean mask ``parked`` get :data:`PARK_CODES` instead."""
        full = dict(self.base_codes)
        full.update(codes)
        full = self._codes(full)
        if parked is not None and parked.any():
            for name, code in PARK_CODES.items():
                full[name] = np.where(parked, code, np.broadcast_to(full[name], (self.n,)))
        self.pop.set(**full)

    def _on_grid(self, times) -> np.ndarray:
        """Stimulus times (ms) rounded to the nearest time step: the analyses count a stimulus
        at t from step round(t / dt) (the emulator lets an off-grid spike take effect at the
        end of its step, as NEST does)."""
        return np.rint(np.asarray(times, dtype=float) / self.dt) * self.dt

    def spike_run(self, codes: dict, duration: float, exc_times=(), inh_times=()
                  ) -> list[np.ndarray]:
        """Run ``duration`` ms with these codes; return every circuit's spike times (ms)."""
        sim = self.sim
        sim.reset()
        self.pop.record(None)
        self.pop.record("spikes")
        self.exc.set(spike_times=[sim.Sequence(self._on_grid(exc_times))])
        self.inh.set(spike_times=[sim.Sequence(self._on_grid(inh_times))])
        self.set_codes(codes)
        sim.run(duration)
        self.n_runs += 1
        seg = self.pop.get_data("spikes", clear=True).segments[-1]
        trains = [np.asarray(st.magnitude, float) for st in seg.spiketrains]
        return trains

    def membrane_session(self, segments: list[Segment], circuits: np.ndarray | None = None,
                         progress: Callable[[int, int], None] | None = None) -> np.ndarray:
        """Replay ``segments`` once per group of ``channels`` circuits (of ``circuits``, default
        all), recording ``v``.

        Returns the traces, shape ``(n_samples, n)`` (mV; NaN for circuits not recorded),
        sampled every ``dt``; sample ``k`` is the membrane at time ``(k+1)*dt``.
        """
        sim = self.sim
        # every segment lasts a whole number of time steps
        steps = [int(round(s.duration / self.dt)) for s in segments]
        durations = [k * self.dt for k in steps]
        starts = np.cumsum([0.0] + durations)
        exc = np.concatenate([starts[i] + np.asarray(s.exc_at, float)
                              for i, s in enumerate(segments)] + [np.zeros(0)])
        inh = np.concatenate([starts[i] + np.asarray(s.inh_at, float)
                              for i, s in enumerate(segments)] + [np.zeros(0)])
        # a spike at time t reaches the membrane after the realised delay
        self.exc.set(spike_times=[sim.Sequence(self._on_grid(np.sort(exc) - self.delay))])
        self.inh.set(spike_times=[sim.Sequence(self._on_grid(np.sort(inh) - self.delay))])
        n_samples = int(sum(steps))
        out = np.full((n_samples, self.n), np.nan)
        which = np.arange(self.n) if circuits is None else np.asarray(circuits, dtype=np.int64)
        groups = [which[i:i + self.channels] for i in range(0, which.size, self.channels)]
        for gi, g in enumerate(groups):
            sim.reset()
            self.pop.record(None)
            self.pop[g].record("v")
            parked = np.ones(self.n, dtype=bool)
            parked[g] = False
            for s, duration in zip(segments, durations):
                self.set_codes(s.codes, parked)
                sim.run(duration)
                self.n_runs += 1
            seg = self.pop[g].get_data("v", clear=True).segments[-1]
            sig = seg.analogsignals[0]
            v = np.asarray(sig.magnitude, float)
            ids = self._signal_columns(sig, g)
            k = min(n_samples, v.shape[0] - 1)
            # analog signals start at t=0 (initial value); keep samples at dt .. end
            out[:k, ids] = v[1:k + 1]
            if progress is not None:
                progress(gi + 1, len(groups))
        return out

    def _signal_columns(self, sig, group: np.ndarray) -> np.ndarray:
        ann = getattr(sig, "array_annotations", {}) or {}
        for key in ("channel_index", "source_index"):
            if key in ann and len(ann[key]) == sig.shape[1]:
                idx = np.asarray(ann[key], dtype=np.int64)
                if np.all(np.isin(idx, group)):
                    return idx
                if np.all(idx < len(group)):
                    return group[idx]
        return group[: sig.shape[1]]
