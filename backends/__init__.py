"""Backend dispatch: one PyNN network description, several places to run it.

>>> import neurohw
>>> sim = neurohw.backend("nest")       # pyNN.nest
>>> sim = neurohw.backend("emulator")   # neurohw.backends.emulator

Both are PyNN backend modules: ``sim.setup()``, ``sim.Population``, ``sim.Projection``, ... work
the same on each.
"""

from __future__ import annotations

import importlib
import importlib.util
from types import ModuleType

from neurohw.errors import BackendUnavailableError, UnknownBackendError

#: Backend name -> (module that implements it, how to get it when it is missing).
KNOWN_BACKENDS: dict[str, tuple[str, str]] = {
    "nest": (
        "neurohw.backends.nest",
        "install NEST with `pip install nest-simulator` (NEST >= 3.8; PyPI wheels include "
        "threads, no MPI) in the same environment as neurohw",
    ),
    "emulator": (
        "neurohw.backends.emulator",
        "the emulator ships with neurohw; reinstall neurohw (`pip install -e .`) if it is missing",
    ),
}


def _importable(name: str) -> bool:
    try:
        if name == "nest":
            return importlib.util.find_spec("nest") is not None and \
                importlib.util.find_spec("pyNN") is not None
        return importlib.util.find_spec(KNOWN_BACKENDS[name][0]) is not None
    except (ImportError, ValueError):
        return False


def available() -> list[str]:
    """Names of the backends that can be used in this environment, e.g. ``["nest", "emulator"]``."""
    return [name for name in KNOWN_BACKENDS if _importable(name)]


def backend(name: str) -> ModuleType:
    """Return the PyNN backend module called ``name``.

    Parameters
    ----------
    name
        ``"nest"`` (returns ``pyNN.nest``) or ``"emulator"`` (returns
        ``neurohw.backends.emulator``). Case-insensitive.

    Raises
    ------
    UnknownBackendError
        ``name`` is not a backend neurohw knows; the message lists the known ones.
    BackendUnavailableError
        the backend is known but cannot be imported; the message says how to install it.
    """
    if not isinstance(name, str):
        raise UnknownBackendError(
            f"backend name must be a string such as 'nest' or 'emulator', got {name!r}")
    key = name.strip().lower()
    if key not in KNOWN_BACKENDS:
        raise UnknownBackendError(
            f"unknown backend {name!r}; known backends: {', '.join(sorted(KNOWN_BACKENDS))} "
            f"(available here: {', '.join(available()) or 'none'})")
    module_name, how_to_install = KNOWN_BACKENDS[key]
    try:
        module = importlib.import_module(module_name)
    except ImportError as err:
        raise BackendUnavailableError(
            f"backend {key!r} cannot be imported ({err}); {how_to_install}") from err
    if key == "nest":
        return module.pynn_module()
    return module
