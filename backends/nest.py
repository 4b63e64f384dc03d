"""The NEST backend: ``pyNN.nest``, imported without cmake/NEST noise.

neurohw adds nothing to NEST's simulation; this module exists so that the import happens in one
place, quietly (see :mod:`neurohw._quiet`), so that a missing NEST gives an error that says how
to install it, and for one kernel setting that keeps continued runs fast.

**Spike buffers are never shrunk.** NEST 3.10 logs every resize of its spike buffer in the kernel
status (``spike_buffer_resize_log``); with the default shrink limit the buffer is resized many
times per second of biological time, the log grows without bound, and every ``Simulate`` and
``GetKernelStatus`` gets slower. In-the-loop training continues one simulation for minutes and
PyNN calls ``GetKernelStatus`` often (``get_data``, ``Projection.set``; several times per
connection from a ``SpikeSourceArray``). Measured, 100 ``IF_cond_exp`` neurons driven from a
``SpikeSourceArray``, 1 s runs continued, at the 40th run: ``run`` 0.53 s -> 0.25 s,
``get_data`` 0.19 s -> 0.009 s, ``Projection.set(weight=...)`` 23 s (at the 35th) -> 0.30 s. The
setting (``spike_buffer_shrink_limit = 0``) changes only memory management, not the dynamics:
:func:`pynn_module` wraps ``pyNN.nest.setup`` so that it is applied after every ``setup()``
(``setup`` resets the kernel).
"""

from __future__ import annotations

import functools
from types import ModuleType

from neurohw._quiet import quiet_import, silence_nest_runtime_warnings

_module: ModuleType | None = None


def pynn_module() -> ModuleType:
    """Import (once) and return ``pyNN.nest``.

    Raises ImportError when NEST or PyNN cannot be imported; :func:`neurohw.backend` turns that
    into a :class:`~neurohw.errors.BackendUnavailableError` with install instructions.
    """
    global _module
    if _module is None:
        with quiet_import():
            import pyNN.nest as pynn_nest
        _keep_spike_buffers_after_setup(pynn_nest)
        _add_energy_report(pynn_nest)
        _module = pynn_nest
    silence_nest_runtime_warnings()
    return _module


def _keep_spike_buffers_after_setup(pynn_nest: ModuleType) -> None:
    """Make ``pynn_nest.setup`` switch spike-buffer shrinking off (see the module docstring)."""
    original = pynn_nest.setup
    if getattr(original, "keeps_spike_buffers", False):
        return

    @functools.wraps(original)
    def setup(*args, **kwargs):
        result = original(*args, **kwargs)
        import nest

        nest.SetKernelStatus({"spike_buffer_shrink_limit": 0.0})
        return result

    setup.keeps_spike_buffers = True
    pynn_nest.setup = setup


def _add_energy_report(pynn_nest: ModuleType) -> None:
    """Give ``pyNN.nest`` an ``energy_report()`` (see :mod:`neurohw.energy`): ``run``/
    ``run_until``/``run_for`` are timed (wall and CPU time, RAPL energy when readable);
    ``setup()`` and ``reset()`` start a new account. The simulation itself is unchanged."""
    from neurohw.energy import CpuAccount

    if getattr(pynn_nest, "energy_report", None) is not None:
        return
    holder = {"account": CpuAccount()}

    def timed(func):
        @functools.wraps(func)
        def wrapper(*args, **kwargs):
            return holder["account"].measure(func, *args, clock=pynn_nest.get_current_time,
                                             **kwargs)
        return wrapper

    def restarting(func):
        @functools.wraps(func)
        def wrapper(*args, **kwargs):
            result = func(*args, **kwargs)
            holder["account"] = CpuAccount()
            return result
        wrapper.keeps_spike_buffers = getattr(func, "keeps_spike_buffers", False)
        return wrapper

    for name in ("run", "run_until", "run_for"):
        if hasattr(pynn_nest, name):
            setattr(pynn_nest, name, timed(getattr(pynn_nest, name)))
    for name in ("setup", "reset"):
        setattr(pynn_nest, name, restarting(getattr(pynn_nest, name)))

    def energy_report():
        """Measured wall/CPU time of this segment's ``run()`` calls and the CPU energy
        (RAPL, or CPU time x an assumed per-core power; ``method`` says which)."""
        return holder["account"].report("nest")

    pynn_nest.energy_report = energy_report
