"""The NEST backend: ``pyNN.nest``, imported without cmake/NEST noise.

neurohw adds nothing to NEST's simulation; this module exists so that the import happens in one
place, quietly (see :mod:`neurohw._quiet`), and so that a missing NEST gives an error that says how
to install it.
"""

from __future__ import annotations

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
        _module = pynn_nest
    silence_nest_runtime_warnings()
    return _module
