"""Current sources the kernel evaluates every step (``ACSource``, ``NoisyCurrentSource``), and
the injected-current traces that ``source.record()`` / ``source.get_data()`` report.

The runtime turns each generator source into rows of the kernel's generator table (see
:mod:`~neurohw.backends.emulator.engine.currents`): one row for a sine (every target gets the
same current), one row per target for noise (every target gets its own, independent noise, as
from NEST's ``noise_generator``). Piecewise-constant sources (``DCSource``,
``StepCurrentSource``) keep going through the runtime's current-change list. A recording
generator source (``source.record()``) gets its current from here, once per run
(``recording.CurrentRecorder.store_samples``); for noise that is the mean over its targets,
as ``pyNN.nest`` records a ``noise_generator``.

Noise streams: the row of target ``j`` of the ``n``-th current source has the stream key
``base(n) + j``, with ``base(n)`` a 62-bit number drawn from the runtime's stream seed
(``setup(seed=...)`` and the segment, or the value of the last ``reseed()``), so the same seed
gives the same currents, and every target and source its own stream. After ``reseed()`` the
noise restarts at the reseed time: its first value there, then a new one every ``dt``.
"""

from __future__ import annotations

import numpy as np

from .engine.currents import GEN_NOISE, generator_values

#: Stream tag of the noise generators in :meth:`Runtime.stream_seed`.
NOISE_STREAM = 0x4E015E


def source_targets(source) -> np.ndarray:
    """Engine indices (int64) of the neurons ``source`` injects into, in injection order."""
    parts = [pop._engine_offset + np.asarray(index, dtype=np.int64)
             for pop, index in source._targets if hasattr(pop, "_engine_offset")]
    return np.concatenate(parts) if parts else np.zeros(0, np.int64)


def generator_rows(runtime, number: int, source
                   ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Kernel rows of the ``number``-th current source (a generator source): ``kind`` (int64,
    rows), ``par`` (float, rows x 4), ``ints`` (int64, rows x 4), the number of targets of
    each row and the targets (engine indices, row after row). A noise source without targets
    still has one row (what ``get_data()`` reports)."""
    dt = runtime.state.dt
    kind, par, start, stop, period = source.generator_spec(dt)
    targets = source_targets(source)
    if kind != GEN_NOISE:
        return (np.array([kind], np.int64), np.asarray(par, float)[np.newaxis, :],
                np.array([[start, stop, period, 0]], np.int64),
                np.array([targets.size], np.int64), targets)
    if runtime.reseeded is not None:
        start = max(start, runtime.reseed_step)
    seed = runtime.stream_seed(NOISE_STREAM, number, 0)
    base = int(np.random.SeedSequence(seed).generate_state(1, np.uint64)[0]) & ((1 << 62) - 1)
    rows = max(targets.size, 1)
    ints = np.empty((rows, 4), np.int64)
    ints[:, 0], ints[:, 1], ints[:, 2] = start, stop, period
    ints[:, 3] = base + np.arange(rows)
    counts = np.ones(rows, np.int64) if targets.size else np.zeros(1, np.int64)
    return (np.full(rows, kind, np.int64), np.tile(np.asarray(par, float), (rows, 1)), ints,
            counts, targets)


def generator_inputs(runtime, step0: int, n_steps: int) -> dict[str, np.ndarray]:
    """The kernel's generator table for a run of ``n_steps`` from global step ``step0``
    (``gen_kind``, ``gen_par``, ``gen_int``, ``gen_ptr``, ``gen_tgt``; see
    ``engine.runner.KernelInputs``), covering every generator source with targets; and the
    currents of the run (steps ``step0 .. step0+n_steps``) handed to the recorder of every
    generator source that records: the mean over its rows (for noise the mean over its
    targets, what ``pyNN.nest`` records from a ``noise_generator``; one target: its current).
    """
    kinds, pars, ints, counts, targets = [], [], [], [], []
    dt = runtime.state.dt
    for number, source in enumerate(runtime.state.current_sources):
        if not source.is_generator:
            continue
        k, p, i, c, t = generator_rows(runtime, number, source)
        recorder = vars(source).get("_current_recorder")
        if recorder is not None:  # source.record()
            values = generator_values(k, p, i, int(step0), int(n_steps) + 1, dt)
            recorder.store_samples(step0, values.mean(axis=0))
        if t.size == 0:
            continue
        kinds.append(k)
        pars.append(p)
        ints.append(i)
        counts.append(c)
        targets.append(t)
    if not kinds:
        return {}
    counts = np.concatenate(counts)
    ptr = np.zeros(counts.size + 1, np.int64)
    np.cumsum(counts, out=ptr[1:])
    return {"gen_kind": np.concatenate(kinds),
            "gen_par": np.ascontiguousarray(np.concatenate(pars)),
            "gen_int": np.ascontiguousarray(np.concatenate(ints)), "gen_ptr": ptr,
            "gen_tgt": np.concatenate(targets).astype(np.int64)}
