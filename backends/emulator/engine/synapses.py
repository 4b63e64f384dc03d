"""Synapse table of the engine: connections sorted by presynaptic id (CSR), with delays in steps.

Presynaptic ids are global: neurons ``0..N-1`` first, then spike sources ``N..N+S-1``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass
class SynapseTable:
    """CSR table: the synapses of presynaptic id ``j`` are ``ptr[j]:ptr[j+1]``."""

    ptr: np.ndarray        # int64, n_pre + 1
    post: np.ndarray       # int64, global neuron index of the target
    weight: np.ndarray     # float64, uS (conductance) or nA (current; negative = inhibitory)
    delay_steps: np.ndarray  # int64, >= 1
    inhibitory: np.ndarray  # bool: adds to the inhibitory conductance/current
    max_delay_steps: int
    order: np.ndarray      # int64: table entry s is connection order[s] of the input arrays

    @property
    def n_synapses(self) -> int:
        return int(self.post.size)


def build_synapse_table(n_pre: int, pre: np.ndarray, post: np.ndarray, weight: np.ndarray,
                        delay_steps: np.ndarray, inhibitory: np.ndarray) -> SynapseTable:
    """Sort the connections by presynaptic id and build the CSR pointer array.

    All arguments are arrays of equal length, one entry per connection (``delay_steps >= 1``).
    """
    pre = np.asarray(pre, dtype=np.int64)
    order = np.argsort(pre, kind="stable")
    counts = np.bincount(pre, minlength=n_pre) if pre.size else np.zeros(n_pre, np.int64)
    ptr = np.zeros(n_pre + 1, dtype=np.int64)
    np.cumsum(counts, out=ptr[1:])
    delay_steps = np.asarray(delay_steps, dtype=np.int64)[order]
    if delay_steps.size and delay_steps.min() < 1:
        raise ValueError("synaptic delays must be at least one time step")
    return SynapseTable(
        ptr=ptr,
        post=np.asarray(post, dtype=np.int64)[order],
        weight=np.asarray(weight, dtype=np.float64)[order],
        delay_steps=delay_steps,
        inhibitory=np.asarray(inhibitory, dtype=np.bool_)[order],
        max_delay_steps=int(delay_steps.max()) if delay_steps.size else 1,
        order=order,
    )
