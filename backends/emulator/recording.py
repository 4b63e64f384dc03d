"""Recording for the emulator backend: the engine hands spikes and sampled signals to each
population's :class:`Recorder`, which keeps them until ``get_data()`` turns them into neo.

Signals are sampled at multiples of ``sampling_interval`` (ms); the first sample of a segment is
the initial value at t = 0 (as in ``pyNN.nest``). Spike times are in biological ms.
"""

from __future__ import annotations

import numpy as np

from pyNN import recording

from . import simulator


class Recorder(recording.Recorder):
    """Holds the data of one population recorded by the emulator."""

    _simulator = simulator

    def __init__(self, population=None, file=None):
        super().__init__(population, file)
        self._clear_store()

    def _clear_store(self) -> None:
        self._spike_ids: list[np.ndarray] = []
        self._spike_times: list[np.ndarray] = []
        self._signals: dict[str, dict[int, list[np.ndarray]]] = {}

    # -- fed by the engine ---------------------------------------------------------------
    def _store_spikes(self, ids: np.ndarray, times: np.ndarray) -> None:
        self._spike_ids.append(np.asarray(ids, dtype=np.int64))
        self._spike_times.append(np.asarray(times, dtype=float))

    def _store_signals(self, variable: str, ids: np.ndarray, block: np.ndarray) -> None:
        """``block``: samples x channels, channel order as ``ids``."""
        engine = self._simulator.state.engine
        if variable == "v" and engine.chip is not None:
            block = engine.read_membrane(block)
        per_id = self._signals.setdefault(variable, {})
        for j, cid in enumerate(ids):
            per_id.setdefault(int(cid), []).append(block[:, j].copy())

    def _store_initial_samples(self) -> None:
        """The values at t = 0 of every recorded signal (first sample of a segment)."""
        from .engine.runner import STATE_OF_VARIABLE

        pop = self.population
        for variable, ids in self.recorded.items():
            if variable.name == "spikes" or not ids:
                continue
            id_arr = np.array(sorted(int(i) for i in ids), dtype=np.int64)
            values = pop._state[STATE_OF_VARIABLE[variable.name]][id_arr - int(pop.first_id)]
            self._store_signals(variable.name, id_arr, values[np.newaxis, :].copy())

    # -- PyNN Recorder interface ---------------------------------------------------------
    def _record(self, variable, new_ids, sampling_interval=None):
        if sampling_interval is not None:
            dt = self._simulator.state.dt
            if sampling_interval < dt or abs(round(sampling_interval / dt) * dt
                                             - sampling_interval) > 1e-9:
                raise ValueError(
                    f"sampling_interval ({sampling_interval} ms) must be a multiple of the time "
                    f"step ({dt} ms)")
            self.sampling_interval = sampling_interval
        if variable.name != "spikes":
            engine = self._simulator.state.engine
            n = len(self.recorded[variable])
            if engine.chip is not None and variable.name == "v":
                try:
                    engine.check_membrane_recording(self.population, n)
                except Exception:
                    self.recorded[variable] = self.recorded[variable].difference(new_ids)
                    raise

    def _reset(self):
        self._clear_store()

    def _clear_simulator(self):
        """Drop recorded data; signals keep their last sample as the first of the new data
        (the value at the time of clearing)."""
        last = {var: {cid: chunks[-1][-1:] for cid, chunks in per_id.items() if chunks}
                for var, per_id in self._signals.items()}
        self._clear_store()
        if self._simulator.state.t > 0:
            for var, per_id in last.items():
                self._signals[var] = {cid: [val.copy()] for cid, val in per_id.items()}

    def _get_spiketimes(self, ids, clear=False):
        if self._spike_ids:
            all_ids = np.concatenate(self._spike_ids)
            all_times = np.concatenate(self._spike_times)
        else:
            all_ids, all_times = np.zeros(0, np.int64), np.zeros(0)
        mask = np.isin(all_ids, np.asarray(ids, dtype=np.int64))
        all_ids, all_times = all_ids[mask], all_times[mask]
        order = np.lexsort((all_times, all_ids))
        if clear:
            self._spike_ids, self._spike_times = [], []
        return all_ids[order], all_times[order]

    def _get_all_signals(self, variable, ids, clear=False):
        per_id = self._signals.get(variable.name, {})
        columns = [np.concatenate(per_id[int(i)]) if int(i) in per_id else np.zeros(0)
                   for i in ids]
        if not columns:
            return np.zeros((0, 0)), None
        n = max(c.size for c in columns)
        out = np.full((n, len(columns)), np.nan)
        for j, c in enumerate(columns):
            out[n - c.size:, j] = c
        if clear:
            self._signals.pop(variable.name, None)
        return out, None

    def _local_count(self, variable, filter_ids=None):
        ids = self.filter_recorded(variable, filter_ids)
        all_ids = np.concatenate(self._spike_ids) if self._spike_ids else np.zeros(0, np.int64)
        counts = np.bincount(all_ids - int(self.population.first_id),
                             minlength=self.population.size) if all_ids.size else \
            np.zeros(self.population.size, np.int64)
        return {int(i): int(counts[int(i) - int(self.population.first_id)]) for i in ids}

    @property
    def metadata(self):
        metadata = super().metadata
        metadata.update(self._simulator.state.engine.annotations())
        return metadata

    def _get_current_segment(self, filter_ids=None, variables="all", clear=False):
        segment = super()._get_current_segment(filter_ids=filter_ids, variables=variables,
                                               clear=clear)
        segment.annotate(**self._simulator.state.engine.annotations())
        return segment


class CurrentRecorder:
    """The current one current source injects (nA), sampled every time step while recording.

    Sample k is the current applied during step k (from t = k dt on), with the first sample at
    the time recording started (t = 0 normally), as ``pyNN.nest`` reports electrode currents:
    ``n`` steps of simulation give ``n + 1`` samples. The last sample is the value the source
    holds at the current time, as of the last run (a later parameter change replaces it).
    The runtime feeds it once per run: :meth:`store_run` with a piecewise-constant description
    (DCSource, StepCurrentSource), or :meth:`store_samples` with the per-step values of a
    generator the kernel evaluates.
    """

    def __init__(self, start_step: int) -> None:
        self.start_step = int(start_step)
        self._chunks: list[np.ndarray] = []
        self._last: np.ndarray = np.zeros(0)

    def clear(self) -> None:
        """Forget the samples (``reset()``: a new segment starts at t = 0)."""
        self.start_step = 0
        self._chunks = []
        self._last = np.zeros(0)

    def store_run(self, change_steps: np.ndarray, levels: np.ndarray, step0: int,
                  n_steps: int) -> None:
        """Samples of steps ``step0 .. step0 + n_steps`` from a piecewise-constant current
        (``change_steps``: sorted global steps; ``levels``: nA holding from each on; 0 before
        the first)."""
        steps = np.arange(step0, step0 + n_steps + 1, dtype=np.int64)
        k = np.searchsorted(np.asarray(change_steps, dtype=np.int64), steps, side="right") - 1
        levels = np.asarray(levels, dtype=float)
        values = np.where(k >= 0, levels[np.maximum(k, 0)] if levels.size else 0.0, 0.0)
        self.store_samples(step0, values)

    def store_samples(self, step0: int, values: np.ndarray) -> None:
        """The currents (nA) of the global steps ``step0 .. step0 + n_steps`` of a run of
        ``n_steps`` (``n_steps + 1`` values: the last is the one the source holds at the end)."""
        values = np.asarray(values, dtype=float)
        if not self._chunks:
            self.start_step = int(step0)
        self._chunks.append(values[:-1].copy())
        self._last = values[-1:].copy()

    def data(self, dt: float) -> tuple[np.ndarray, np.ndarray]:
        """(times in ms, currents in nA) recorded so far."""
        values = np.concatenate(self._chunks + [self._last]) if self._chunks else np.zeros(0)
        return (self.start_step + np.arange(values.size)) * dt, values
