"""From neo spike trains to the arrays every learning loop needs.

All functions accept a :class:`neo.Block` (its first Segment unless ``segment`` is given), a
:class:`neo.Segment`, a sequence of :class:`neo.SpikeTrain`, or a sequence of plain arrays of spike
times in ms. Times given as arguments may be :class:`quantities.Quantity` (any time unit) or plain
numbers, which are read as ms. Results are per neuron in the order of the spike trains (neo orders
a population's trains by ``channel_id``/``source_index``, i.e. by neuron index, as PyNN writes them).

Everything is vectorised over spikes and neurons: spikes are placed on the sampling grid with one
``np.searchsorted``/``np.add.at`` over the concatenation of all trains.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Union

import neo
import numpy as np
import quantities as pq

from neurohw.errors import SpikeDataError

TimeLike = Union[float, int, pq.Quantity]
SpikeInput = Union[neo.Block, neo.Segment, Sequence]

__all__ = [
    "spike_time_arrays",
    "spike_counts",
    "firing_rates",
    "binned_states",
    "refractory_states",
    "psp_traces",
]


def _to_ms(value: TimeLike, name: str) -> float:
    if isinstance(value, pq.Quantity):
        try:
            return float(value.rescale(pq.ms).magnitude)
        except ValueError as err:
            raise SpikeDataError(f"{name}={value} is not a time; give it in ms or as a "
                                 "quantities time (e.g. 5*pq.ms)") from err
    try:
        return float(value)
    except (TypeError, ValueError) as err:
        raise SpikeDataError(f"{name}={value!r} is not a number of ms") from err


def _sorted_trains(segment: neo.Segment) -> list:
    trains = list(segment.spiketrains)

    def index(st):
        ann = st.annotations
        for key in ("source_index", "channel_id"):
            if key in ann:
                return int(ann[key])
        return None

    keys = [index(st) for st in trains]
    if all(k is not None for k in keys):
        trains = [st for _, st in sorted(zip(keys, trains), key=lambda kv: kv[0])]
    return trains


def spike_time_arrays(spikes: SpikeInput, segment: int = 0) -> list[np.ndarray]:
    """Spike times of each neuron as float arrays in ms.

    Parameters
    ----------
    spikes
        neo Block/Segment, list of SpikeTrains, or list of arrays (ms).
    segment
        which Segment of a Block to read (one Segment per ``reset()`` in PyNN).
    """
    if isinstance(spikes, neo.Block):
        if not spikes.segments:
            raise SpikeDataError("the neo Block has no Segment; did the run record spikes?")
        if not -len(spikes.segments) <= segment < len(spikes.segments):
            raise SpikeDataError(f"segment={segment} but the Block has "
                                 f"{len(spikes.segments)} segment(s)")
        spikes = spikes.segments[segment]
    if isinstance(spikes, neo.Segment):
        spikes = _sorted_trains(spikes)
    if isinstance(spikes, (str, bytes)) or not isinstance(spikes, Sequence):
        raise SpikeDataError("expected a neo Block, a neo Segment, or a sequence of spike trains, "
                             f"got {type(spikes).__name__}")
    arrays = []
    for i, train in enumerate(spikes):
        if isinstance(train, pq.Quantity):
            try:
                times = np.asarray(train.rescale(pq.ms).magnitude, dtype=float)
            except ValueError as err:
                raise SpikeDataError(f"spike train {i} does not have time units") from err
        else:
            times = np.asarray(train, dtype=float)
        if times.ndim != 1:
            raise SpikeDataError(f"spike train {i} must be one-dimensional, got shape {times.shape}")
        arrays.append(times)
    return arrays


def _window(arrays: list[np.ndarray], spikes: SpikeInput, t_start, t_stop) -> tuple[float, float]:
    seg = spikes
    if isinstance(seg, neo.Block) and seg.segments:
        seg = seg.segments[0]
    if t_start is None:
        if isinstance(seg, neo.Segment) and seg.spiketrains:
            t_start = seg.spiketrains[0].t_start
        elif seg and isinstance(seg, Sequence) and isinstance(seg[0], neo.SpikeTrain):
            t_start = seg[0].t_start
        else:
            t_start = 0.0
    if t_stop is None:
        if isinstance(seg, neo.Segment) and seg.spiketrains:
            t_stop = seg.spiketrains[0].t_stop
        elif seg and isinstance(seg, Sequence) and isinstance(seg[0], neo.SpikeTrain):
            t_stop = seg[0].t_stop
        else:
            raise SpikeDataError("t_stop is needed when the spikes are plain arrays")
    start, stop = _to_ms(t_start, "t_start"), _to_ms(t_stop, "t_stop")
    if not stop > start:
        raise SpikeDataError(f"t_stop ({stop} ms) must be later than t_start ({start} ms)")
    return start, stop


def _flatten(arrays: list[np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    lengths = np.fromiter((a.size for a in arrays), dtype=np.int64, count=len(arrays))
    times = np.concatenate(arrays) if arrays else np.empty(0)
    neurons = np.repeat(np.arange(len(arrays)), lengths)
    return times, neurons


def spike_counts(spikes: SpikeInput, t_start: TimeLike | None = None,
                 t_stop: TimeLike | None = None, segment: int = 0) -> np.ndarray:
    """Number of spikes of each neuron with ``t_start <= t < t_stop`` (int array, one per neuron).

    Without ``t_start``/``t_stop`` the spike trains' own window is used (every spike counts).
    """
    arrays = spike_time_arrays(spikes, segment)
    if t_start is None and t_stop is None:
        return np.array([a.size for a in arrays], dtype=np.int64)
    start, stop = _window(arrays, spikes, t_start, t_stop)
    times, neurons = _flatten(arrays)
    inside = (times >= start) & (times < stop)
    return np.bincount(neurons[inside], minlength=len(arrays)).astype(np.int64)


def firing_rates(spikes: SpikeInput, t_start: TimeLike | None = None,
                 t_stop: TimeLike | None = None, segment: int = 0) -> pq.Quantity:
    """Mean firing rate of each neuron in [t_start, t_stop), as a Quantity in Hz."""
    arrays = spike_time_arrays(spikes, segment)
    start, stop = _window(arrays, spikes, t_start, t_stop)
    counts = spike_counts(arrays, start, stop)
    return (counts / ((stop - start) * 1e-3)) * pq.Hz


def _grid(start: float, stop: float, step: float, name: str) -> int:
    if not step > 0:
        raise SpikeDataError(f"{name} must be positive, got {step} ms")
    n = int(np.floor((stop - start) / step + 1e-9))
    if n < 1:
        raise SpikeDataError(f"{name}={step} ms is longer than the window {stop - start} ms")
    return n


def binned_states(spikes: SpikeInput, bin_size: TimeLike, t_start: TimeLike | None = None,
                  t_stop: TimeLike | None = None, segment: int = 0) -> np.ndarray:
    """Binary state matrix: ``z[k, i] = 1`` if neuron i spiked in bin k.

    Bin k covers ``[t_start + k*bin_size, t_start + (k+1)*bin_size)``; a trailing partial bin is
    dropped. Returns a uint8 array of shape (n_bins, n_neurons).
    """
    arrays = spike_time_arrays(spikes, segment)
    start, stop = _window(arrays, spikes, t_start, t_stop)
    size = _to_ms(bin_size, "bin_size")
    n_bins = _grid(start, stop, size, "bin_size")
    times, neurons = _flatten(arrays)
    bins = np.floor((times - start) / size + 1e-9).astype(np.int64)
    keep = (times >= start) & (bins < n_bins)
    states = np.zeros((n_bins, len(arrays)), dtype=np.uint8)
    states[bins[keep], neurons[keep]] = 1
    return states


def refractory_states(spikes: SpikeInput, tau_ref: TimeLike, dt: TimeLike,
                      t_start: TimeLike | None = None, t_stop: TimeLike | None = None,
                      segment: int = 0) -> np.ndarray:
    """Sampled states of LIF sampling (Buesing et al. 2011; Petrovici et al. 2016).

    A neuron is in state z=1 at time t when it spiked within the refractory window before it,
    ``t - tau_ref < t_spike <= t``. States are read at ``t_k = t_start + k*dt`` for
    ``k = 0 .. n-1`` with ``t_k < t_stop``. Returns uint8 of shape (n_samples, n_neurons).

    Parameters
    ----------
    tau_ref
        refractory period (ms).
    dt
        sampling interval (ms).
    """
    arrays = spike_time_arrays(spikes, segment)
    start, stop = _window(arrays, spikes, t_start, t_stop)
    ref = _to_ms(tau_ref, "tau_ref")
    step = _to_ms(dt, "dt")
    if not ref > 0:
        raise SpikeDataError(f"tau_ref must be positive, got {ref} ms")
    n = int(np.ceil((stop - start) / step - 1e-9))
    if n < 1:
        raise SpikeDataError(f"dt={step} ms is longer than the window {stop - start} ms")
    times, neurons = _flatten(arrays)
    # A spike at s makes z=1 for the samples t_k in [s, s + tau_ref): k from ceil((s-start)/dt)
    # to ceil((s+tau_ref-start)/dt)-1. Mark +1/-1 on the grid and integrate.
    first = np.ceil((times - start) / step - 1e-9).astype(np.int64)
    last = np.ceil((times + ref - start) / step - 1e-9).astype(np.int64)
    first = np.clip(first, 0, n)
    last = np.clip(last, 0, n)
    marks = np.zeros((n + 1, len(arrays)), dtype=np.int64)
    np.add.at(marks, (first, neurons), 1)
    np.add.at(marks, (last, neurons), -1)
    return (np.cumsum(marks[:-1], axis=0) > 0).astype(np.uint8)


def psp_traces(spikes: SpikeInput, tau: TimeLike, dt: TimeLike, t_start: TimeLike | None = None,
               t_stop: TimeLike | None = None, segment: int = 0) -> np.ndarray:
    """Exponentially filtered spike trains ("PSP traces"), sampled on a grid.

    ``r[k, i] = sum over spikes s of neuron i with s <= t_k of exp(-(t_k - s) / tau)``, at
    ``t_k = t_start + k*dt`` (k = 0 .. n-1, t_k < t_stop). The decay between a spike and the next
    grid point is exact (spikes are not moved to the grid). Each spike adds 1 (dimensionless).

    Parameters
    ----------
    tau
        decay time constant of the trace (ms).
    dt
        sampling interval (ms).
    """
    arrays = spike_time_arrays(spikes, segment)
    start, stop = _window(arrays, spikes, t_start, t_stop)
    decay_tau = _to_ms(tau, "tau")
    step = _to_ms(dt, "dt")
    if not decay_tau > 0:
        raise SpikeDataError(f"tau must be positive, got {decay_tau} ms")
    n = int(np.ceil((stop - start) / step - 1e-9))
    if n < 1:
        raise SpikeDataError(f"dt={step} ms is longer than the window {stop - start} ms")
    times, neurons = _flatten(arrays)
    k = np.ceil((times - start) / step - 1e-9).astype(np.int64)
    keep = (times >= start) & (k < n)
    kicks = np.zeros((n, len(arrays)))
    np.add.at(kicks, (k[keep], neurons[keep]),
              np.exp(-(start + k[keep] * step - times[keep]) / decay_tau))
    from scipy.signal import lfilter

    return lfilter([1.0], [1.0, -np.exp(-step / decay_tau)], kicks, axis=0)
