"""Between per-network arrays and the block-diagonal arrays of the one ensemble population.

Per-network arrays have a leading network axis: weights (N, n, n) [network, pre, post], biases or
rest potentials (N, n). Ensemble arrays index neurons k = m * n + i (network m, unit i).
"""

from __future__ import annotations

import numpy as np


def block_diagonal(blocks: np.ndarray) -> np.ndarray:
    """(N, n, n) per-network matrices -> (N n, N n) block-diagonal matrix (zeros elsewhere)."""
    blocks = np.asarray(blocks, dtype=float)
    n_networks, n, _ = blocks.shape
    out = np.zeros((n_networks, n, n_networks, n))
    idx = np.arange(n_networks)
    out[idx, :, idx, :] = blocks
    return out.reshape(n_networks * n, n_networks * n)


def diagonal_blocks(matrix: np.ndarray, n_networks: int) -> np.ndarray:
    """(N n, N n) matrix -> its N diagonal blocks, shape (N, n, n)."""
    matrix = np.asarray(matrix, dtype=float)
    n = matrix.shape[0] // n_networks
    if matrix.shape != (n_networks * n, n_networks * n):
        raise ValueError(f"a {matrix.shape} matrix does not split into {n_networks} square blocks")
    idx = np.arange(n_networks)
    return matrix.reshape(n_networks, n, n_networks, n)[idx, :, idx, :]
