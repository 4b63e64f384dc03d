"""setup/run/reset/end of the emulator backend, with the emulator-only ``setup()`` keywords."""

from __future__ import annotations

from pyNN import common, errors
from pyNN.common.control import DEFAULT_MAX_DELAY, DEFAULT_MIN_DELAY, DEFAULT_TIMESTEP
from pyNN.recording import get_io

from . import simulator
from .options import EmulatorOptions


def setup(timestep=DEFAULT_TIMESTEP, min_delay=DEFAULT_MIN_DELAY, **extra_params):
    """Initialise the emulator; any existing network is destroyed.

    Besides PyNN's ``timestep``/``min_delay``/``max_delay`` (ms) it takes the emulator keywords
    ``chip_seed``, ``seed``, ``preset`` ("bss1"/"bss2"), ``ideal``, ``calibration`` (None, a path,
    a calibration object or "auto"), ``n_chips``, ``strict``, ``allow_synapse_loss`` and
    ``distortions`` (single chip distortions off/on, e.g. ``{"membrane_noise": False}``; see
    :class:`~neurohw.backends.emulator.options.EmulatorOptions`). ``min_delay="auto"``: the
    smallest delay of the network's connections (see :func:`get_min_delay`).
    ``spike_precision`` ("on_grid", default, or "off_grid") says which times recorded
    SpikeSourceArray spikes carry: the time step at whose end they take effect, or (ideal mode
    only) the requested times themselves, as ``pyNN.nest``'s precise spike generators report them;
    neurons are integrated on the time grid either way. PyNN's other extras (``threads``,
    ``verbosity``, ...) are accepted and ignored. Returns the MPI rank (0).
    """
    max_delay = extra_params.get("max_delay", DEFAULT_MAX_DELAY)
    if not isinstance(timestep, (int, float)) or timestep <= 0:
        raise errors.InvalidParameterValueError(f"timestep must be > 0 ms, got {timestep!r}")
    common.setup(timestep, min_delay, **extra_params)
    spike_precision = extra_params.get("spike_precision", "on_grid")
    if spike_precision not in ("on_grid", "off_grid"):
        raise errors.InvalidParameterValueError(
            f"setup(spike_precision={spike_precision!r}): use 'on_grid' or 'off_grid'")
    options = EmulatorOptions.from_setup(extra_params)
    state = simulator.state
    state.dt = float(timestep)
    state.options = options
    state.clear()
    state.spike_precision = spike_precision
    state.min_delay_auto = isinstance(min_delay, str) and min_delay == "auto"
    state.min_delay = state.dt if state.min_delay_auto else float(min_delay)
    state.max_delay = 1e9 if max_delay == "auto" else float(max_delay)
    state.engine.configure_chip()
    return rank()


def end(compatible_output=True):
    """Write data requested with ``write_on_end`` and finish."""
    for population, variables, filename in simulator.state.write_on_end:
        io = get_io(filename)
        population.write_data(io, variables)
    simulator.state.write_on_end = []


run, run_until = common.build_run(simulator)
run_for = run

reset = common.build_reset(simulator)

initialize = common.initialize

get_current_time, get_time_step, _get_min_delay, get_max_delay, \
    num_processes, rank = common.build_state_queries(simulator)


def get_min_delay() -> float:
    """The minimum synaptic delay (ms): ``setup(min_delay=...)``; with ``min_delay="auto"`` the
    smallest delay requested by any connection of the network (the time step while there are
    none), as NEST reports it. On the realistic chip the routing delay replaces requested delays
    (``prj.get("delay")`` shows the realised ones)."""
    state = simulator.state
    if not state.min_delay_auto:
        return state.min_delay
    smallest = [float(prj._params["delay"].min()) for prj in state.projections if len(prj)]
    return min(smallest) if smallest else state.dt


def get_hardware_time() -> float:
    """Time (ms of wall-clock on the emulated chip) the current segment took: bio / acceleration."""
    return simulator.state.hardware_time_ms


def reseed(seed: int) -> None:
    """Re-seed the run-time randomness (SpikeSourcePoisson / on-chip noise generators, membrane
    and readout noise) from ``seed`` for the following runs, until the next ``reset()`` -- the
    emulator's counterpart of setting NEST's ``rng_seed`` between runs. The chip (``chip_seed``)
    is not affected."""
    simulator.state.engine.reseed(int(seed))


def mapping_report() -> str:
    """Placement of the current network on the emulated chip(s): circuits per population, synapse
    rows used, synapses lost, weight quantisation per projection."""
    return simulator.state.engine.mapping_report()


def energy_report():
    """Hardware wall time (bio / acceleration + configuration + host I/O, s) and an energy
    estimate (J, with its parts, counts and the cited figures) of the current segment, as a
    dict with a readable ``str``; see :mod:`neurohw.backends.emulator.chip.energy`."""
    return simulator.state.engine.energy_report()
