"""Writing a projection's weights from a full (n_pre, n_post) matrix, fast on every backend.

PyNN's generic ``Projection.set(weight=matrix)`` is what the emulator implements natively. On
``pyNN.nest`` (PyNN 0.13) it issues one ``GetConnections`` per postsynaptic neuron, which costs
seconds per write for an ensemble of ~100 neurons; there the weights are written in one
``SetStatus`` on the projection's own connections, converted exactly as PyNN converts them
(uS -> nS for conductance synapses, negative sign for inhibitory conductances in NEST). Reading
back always goes through PyNN (``get("weight", format="array")``), so what is reported as realised
is PyNN's own view of the connections.
"""

from __future__ import annotations

from types import ModuleType

import numpy as np


def write_weights(sim: ModuleType, projection, matrix: np.ndarray) -> None:
    """Set every connection (i, j) of ``projection`` to ``matrix[i, j]`` (PyNN units, >= 0)."""
    matrix = np.asarray(matrix, dtype=float)
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
    native = np.asarray(forward(weight=values) if callable(forward) else values, dtype=float)
    if projection.receptor_type == "inhibitory" and projection.post.conductance_based:
        native = -native
    connections.set(weight=native.tolist())
