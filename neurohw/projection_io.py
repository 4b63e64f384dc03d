"""Writing a projection's weights from a full (n_pre, n_post) matrix, fast on every backend.

Every in-the-loop training writes weights between runs. PyNN's generic
``Projection.set(weight=matrix)`` is what the emulator implements natively. On ``pyNN.nest``
(PyNN 0.13, NEST 3.10) it is slow and gets slower as the simulation goes on: it walks the
connections one presynaptic neuron at a time, and for a ``SpikeSourceArray`` it reads the source's
spike times through ``GetKernelStatus`` several times per connection, a call whose cost grows with
the simulated time (0.4 ms after 1 s, ~14 ms after 10 s of a 100-neuron network with parrot
neurons). Measured for 100 connections from a ``SpikeSourceArray``, 1 s runs continued: 1.1 s per
write at the first iteration, 23 s at the 35th; this module's write: 0.02 s -> 0.27 s.

On NEST the weights are written in one ``SetStatus`` on the projection's own connections,
converted exactly as PyNN converts them (uS -> nS for conductance synapses, nA -> pA for current
synapses, negative sign for inhibitory conductances in NEST). Reading back always goes through
PyNN (``get("weight", format="array")``), so what is reported as realised is PyNN's own view of
the connections.
"""

from __future__ import annotations

from types import ModuleType

import numpy as np

from neurohw.errors import NeurohwError


class ProjectionWeightsError(NeurohwError, ValueError):
    """A weight matrix that does not fit the projection it is written to."""


def write_weights(sim: ModuleType, projection, matrix: np.ndarray) -> None:
    """Set every connection (i, j) of ``projection`` to ``matrix[i, j]``.

    ``matrix`` is (n_pre, n_post) in PyNN units, as ``Projection.set(weight=matrix)`` takes it
    (uS or nA; negative for current-based inhibitory synapses); entries without a connection are
    ignored (may be NaN).
    """
    matrix = np.asarray(matrix, dtype=float)
    if matrix.shape != (projection.pre.size, projection.post.size):
        raise ProjectionWeightsError(
            f"weight matrix has shape {matrix.shape}, the projection needs "
            f"(n_pre, n_post) = {(projection.pre.size, projection.post.size)}")
    if getattr(sim, "__name__", "") != "pyNN.nest":
        projection.set(weight=matrix)
        return
    connections = projection.nest_connections
    if not len(connections):
        return
    pre = projection.pre.id_to_index(np.array(list(connections.sources())))
    post = projection.post.id_to_index(np.array(list(connections.targets())))
    forward = projection.synapse_type.translations["weight"]["forward_transform"]
    values = matrix[pre, post]
    if not np.all(np.isfinite(values)):
        raise ProjectionWeightsError(
            f"{int(np.sum(~np.isfinite(values)))} connections of the projection have no finite "
            "weight in the matrix; give every existing connection a value")
    negative_expected = (projection.receptor_type == "inhibitory"
                         and not projection.post.conductance_based)
    if (np.any(values > 0) if negative_expected else np.any(values < 0)):
        raise ProjectionWeightsError(
            "weights must be " + ("<= 0 for current-based inhibitory synapses"
                                  if negative_expected else ">= 0 for this projection")
            + " (PyNN's sign convention)")
    native = np.asarray(forward(weight=values) if callable(forward) else values, dtype=float)
    if projection.receptor_type == "inhibitory" and projection.post.conductance_based:
        native = -native
    connections.set(weight=native.tolist())
