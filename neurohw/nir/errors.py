"""Exception classes of :mod:`neurohw.nir`.

Every error names the NIR node (or the PyNN object) and says what to change. All derive from
:class:`NIRError`, itself a :class:`neurohw.errors.NeurohwError`.
"""

from __future__ import annotations

from neurohw.errors import NeurohwError


class NIRError(NeurohwError):
    """Base class of every error raised by :mod:`neurohw.nir`."""


class NIRFormatError(NIRError, ValueError):
    """A file that is not a NIR graph (not HDF5, no ``version``/``node`` entries, bad structure)."""


class NIRVersionError(NIRError, ValueError):
    """A NIR file written by a newer NIR version than the installed ``nir`` package."""


class NIRMissingParameterError(NIRError, ValueError):
    """A node that lacks a parameter its type requires, or whose parameters do not fit together."""


class NIRUnsupportedNodeError(NIRError, ValueError):
    """A node (or node combination) that PyNN cannot realise exactly, e.g. an unexpanded convolution."""


class NIRCycleError(NIRError, ValueError):
    """A cycle that contains no neuron node: an instantaneous (algebraic) loop no backend can run."""


class NIRExportError(NIRError, ValueError):
    """A PyNN population or projection that has no exact NIR equivalent."""


class NIRApproximationWarning(UserWarning):
    """Issued when :func:`neurohw.nir.load` realises something approximately *because it was asked
    to* (e.g. ``zero_delay="timestep"``); the message states the approximation."""
