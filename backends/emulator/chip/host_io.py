"""Host input bandwidth and the shared on-chip noise generators.

Host bandwidth
--------------
Spike trains from SpikeSourceArray populations travel host -> FPGA -> chip. Each chip accepts
``host_events_per_second`` events per second of *hardware* time, i.e.
``host_events_per_second / acceleration / 1000`` events per biological ms. The budget is enforced
in consecutive windows of ``host_window_bio_ms`` (the depth of the FPGA's playback buffer): in
each window at most ``floor(budget * window)`` events pass, the earliest ones first (ties: lower
source index first); the rest are dropped and counted. Deterministic: no randomness involved.

Noise generators
----------------
SpikeSourcePoisson populations are not sent from the host: they map to the chip's few on-chip
pseudo-random generators (8 per chip on both presets). Source i is served by generator
``i % (8 * n_chips)`` (sources numbered across all Poisson populations in creation order).
A generator emits one Poisson train at the highest rate among its sources; a source with rate r
on a generator of rate R receives each of the generator's events with probability r / R. So
every source has the Poisson statistics it asked for, but sources sharing a generator are
correlated: sources with equal rates on one generator receive *identical* trains, as targets of
one background generator do on the hardware. With the switch off each source gets an
independent Poisson train.
"""

from __future__ import annotations

import numpy as np


def _concat_with_ids(spike_times: list[np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    lengths = np.array([len(t) for t in spike_times], dtype=np.intp)
    times = (np.concatenate([np.asarray(t, float).ravel() for t in spike_times])
             if len(spike_times) else np.zeros(0))
    ids = np.repeat(np.arange(len(spike_times)), lengths)
    return times, ids


def _split_by_id(times: np.ndarray, ids: np.ndarray, n: int) -> list[np.ndarray]:
    order = np.lexsort((times, ids))
    counts = np.bincount(ids, minlength=n)
    return np.split(times[order], np.cumsum(counts)[:-1])


def filter_host_events(spike_times: list[np.ndarray], t_start_ms: float, t_stop_ms: float,
                       events_per_ms: float, window_ms: float, enabled: bool = True
                       ) -> tuple[list[np.ndarray], int]:
    """Drop events beyond the host budget (see module docstring).

    spike_times: one array of spike times (bio ms) per source. Only events in
    [t_start_ms, t_stop_ms) are sent during this run; others pass through unchanged (they are
    sent in the run that covers them). Returns (kept trains, sorted, one per source; number of
    dropped events).
    """
    n = len(spike_times)
    if not enabled or n == 0:
        return [np.sort(np.asarray(t, float).ravel()) for t in spike_times], 0
    times, ids = _concat_with_ids(spike_times)
    in_run = (times >= t_start_ms) & (times < t_stop_ms)
    cap = int(np.floor(events_per_ms * window_ms))
    window = np.floor((times - t_start_ms) / window_ms).astype(np.int64)
    order = np.lexsort((ids, times))            # by time, then source index
    w_sorted = np.where(in_run[order], window[order], -1)
    # rank of each event within its window (in sorted order)
    keep_sorted = np.ones(order.size, bool)
    sel = np.flatnonzero(w_sorted >= 0)
    if sel.size:
        ws = w_sorted[sel]
        starts = np.r_[0, np.flatnonzero(np.diff(ws)) + 1]
        group_start = np.repeat(starts, np.diff(np.r_[starts, ws.size]))
        rank = np.arange(ws.size) - group_start
        keep_sorted[sel] = rank < cap
    keep = np.empty_like(keep_sorted)
    keep[order] = keep_sorted
    dropped = int(np.count_nonzero(~keep))
    return _split_by_id(times[keep], ids[keep], n), dropped


def _poisson_times(rate_hz: float, t_start_ms: float, t_stop_ms: float,
                   rng: np.random.Generator) -> np.ndarray:
    duration = t_stop_ms - t_start_ms
    k = rng.poisson(rate_hz * duration / 1000.0)
    return np.sort(rng.uniform(t_start_ms, t_stop_ms, size=k))


def independent_poisson(rates_hz: np.ndarray, t_start_ms: float, t_stop_ms: float,
                        rng: np.random.Generator) -> list[np.ndarray]:
    """One independent homogeneous Poisson train (bio ms) per source."""
    rates = np.asarray(rates_hz, float).ravel()
    counts = rng.poisson(rates * (t_stop_ms - t_start_ms) / 1000.0)
    times = rng.uniform(t_start_ms, t_stop_ms, size=int(counts.sum()))
    ids = np.repeat(np.arange(rates.size), counts)
    return _split_by_id(times, ids, rates.size)


def shared_generator_poisson(rates_hz: np.ndarray, t_start_ms: float, t_stop_ms: float,
                             rng: np.random.Generator, n_generators: int,
                             max_matrix: int = 5_000_000) -> list[np.ndarray]:
    """Poisson trains drawn from ``n_generators`` shared generators (see module docstring)."""
    rates = np.asarray(rates_hz, float).ravel()
    if np.any(rates < 0) or np.any(~np.isfinite(rates)):
        raise ValueError("Poisson rates must be finite and >= 0 Hz")
    out: list[np.ndarray] = [np.zeros(0)] * rates.size
    generator_of = np.arange(rates.size) % n_generators
    for g in range(min(n_generators, rates.size)):
        members = np.flatnonzero(generator_of == g)
        top = rates[members].max()
        master = _poisson_times(top, t_start_ms, t_stop_ms, rng) if top > 0 else np.zeros(0)
        p_keep = rates[members] / top if top > 0 else np.zeros(members.size)
        chunk = max(1, max_matrix // max(1, master.size))
        for lo in range(0, members.size, chunk):
            sub = slice(lo, lo + chunk)
            u = rng.random((p_keep[sub].size, master.size))
            keep = u < p_keep[sub, None]
            for row, source in enumerate(members[sub]):
                out[source] = master[keep[row]]
    return out
