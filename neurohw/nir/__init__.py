"""NIR (Neuromorphic Intermediate Representation) import and export for neurohw.

>>> from neurohw import nir as hwnir
>>> hwnir.export([stimulus, layer, projection], "net.nir")      # PyNN -> NIR (HDF5)
>>> sim = neurohw.backend("emulator"); sim.setup(timestep=0.1)
>>> net = hwnir.load("net.nir", sim, input_spikes={"stimulus": spike_times})

Needs the optional dependency ``nir`` (``pip install "neurohw[nir]"``). The exact mapping, its
units (NIR: seconds and dimensionless; PyNN: ms, mV, nA, nF) and everything that is refused are
documented in :mod:`neurohw.nir.units`, :mod:`neurohw.nir.export` and :mod:`neurohw.nir.importer`.
"""

from __future__ import annotations

from neurohw.nir.errors import (
    NIRApproximationWarning,
    NIRCycleError,
    NIRError,
    NIRExportError,
    NIRFormatError,
    NIRMissingParameterError,
    NIRUnsupportedNodeError,
    NIRVersionError,
)
from neurohw.nir.export import export
from neurohw.nir.importer import NIRNetwork, load

__all__ = [
    "export", "load", "NIRNetwork",
    "NIRError", "NIRFormatError", "NIRVersionError", "NIRMissingParameterError",
    "NIRUnsupportedNodeError", "NIRCycleError", "NIRExportError", "NIRApproximationWarning",
]
