"""Global state of the emulator backend: time, the network's objects, the engine and the chip.

``state`` is the one :class:`State` of the backend (PyNN convention). Time is kept in biological
ms as an integer step counter; the hardware time the emulated chip needs is
``t / acceleration`` (:attr:`State.hardware_time_ms`).
"""

from __future__ import annotations

from pyNN import common

from .options import EmulatorOptions

name = "neurohw-emulator"


class ID(int, common.IDMixin):
    """A cell of the emulator (PyNN ID)."""

    def __init__(self, n):
        int.__init__(n)
        common.IDMixin.__init__(self)


class State(common.control.BaseState):
    """Time, network objects and engine of the emulator (one per process)."""

    def __init__(self):
        common.control.BaseState.__init__(self)
        self.mpi_rank = 0
        self.num_processes = 1
        self.dt = 0.1
        self.min_delay = 0.1
        self.min_delay_auto = False  # setup(min_delay="auto"): control.get_min_delay computes it
        self.max_delay = 1e9
        self.spike_precision = "on_grid"  # times recorded SpikeSourceArray spikes carry
        self.options = EmulatorOptions()
        self.populations: list = []
        self.projections: list = []
        self.current_sources: list = []
        self.segment_counter = -1
        self.clear()

    # -- network bookkeeping -------------------------------------------------------------
    def clear(self) -> None:
        """Forget the whole network (``setup()``)."""
        from .runtime import Runtime

        self.recorders = set()
        self.populations = []
        self.projections = []
        self.current_sources = []
        self.write_on_end = []
        self.id_counter = 0
        self.segment_counter = -1
        self.engine = Runtime(self)
        self.reset()

    def mark_dirty(self, what: str) -> None:
        """Tell the engine that part of the network changed (``"structure"``, ``"params"``,
        ``"synapses"``, ``"currents"``, ``"sources"``)."""
        engine = getattr(self, "engine", None)
        if engine is not None:
            engine.dirty.add(what)

    # -- time ----------------------------------------------------------------------------
    @property
    def t(self) -> float:
        """Current biological time in ms."""
        return self.step * self.dt

    @t.setter
    def t(self, value: float) -> None:
        self.step = int(round(value / self.dt))

    @property
    def acceleration(self) -> float:
        """Speed-up of the emulated chip over biological time (1e4 bss1, 1e3 bss2)."""
        return self.engine.acceleration

    @property
    def hardware_time_ms(self) -> float:
        """Wall-clock time the emulated chip would need for the current segment, in ms."""
        return self.t / self.acceleration

    def run(self, simtime: float) -> None:
        self.run_until(self.t + simtime)

    def run_until(self, tstop: float) -> None:
        n_steps = int(round(tstop / self.dt)) - self.step
        if n_steps < 0:
            raise ValueError(f"Time {tstop:g} ms is in the past (current time {self.t:g} ms)")
        self.engine.run(n_steps)
        self.step += n_steps
        self.running = True

    def reset(self) -> None:
        """Back to t = 0: state variables to their initial values, a new segment."""
        self.running = False
        self.step = 0
        self.t_start = 0
        self.segment_counter += 1
        for recorder in self.recorders:
            recorder._clear_store()  # the finished segment is in the recorder's cache
        for source in self.current_sources:
            recorder = vars(source).get("_current_recorder")
            if recorder is not None:
                recorder.clear()
        self.engine.reset()


state = State()
