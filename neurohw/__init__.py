"""neurohw: spiking networks and local learning rules on NEST and on an emulated accelerated
analog neuromorphic chip, through one PyNN description.

>>> import neurohw
>>> sim = neurohw.backend("nest")      # or "emulator"
>>> sim.setup(timestep=0.1)
"""

from __future__ import annotations

from types import ModuleType

__version__ = "0.1.0"

__all__ = ["backend", "available_backends", "script_backend", "__version__"]


def backend(name: str) -> ModuleType:
    """Return the PyNN backend module ``name`` (``"nest"`` or ``"emulator"``).

    See :func:`neurohw.backends.backend`.
    """
    from neurohw.backends import backend as _backend

    return _backend(name)


def available_backends() -> list[str]:
    """Names of the backends importable in this environment."""
    from neurohw.backends import available

    return available()


def script_backend(default: str = "nest") -> ModuleType:
    """Backend for a user script: the one chosen by ``neurohw run --backend``, else ``default``.

    ``neurohw run`` sets the environment variable ``NEUROHW_BACKEND``; a script started with plain
    ``python script.py`` gets ``default``.
    """
    import os

    return backend(os.environ.get("NEUROHW_BACKEND", default))
