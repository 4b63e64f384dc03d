"""Figures: learned receptive fields as images, loss curves."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np


def receptive_field_mosaic(F: np.ndarray, image_shape: tuple[int, int], signed: bool = False,
                           gap: int = 1) -> np.ndarray:
    """Tile the rows of ``F`` [n, h*w] into one image, each tile scaled by its own maximum.

    Tiles are in [0, 1] (``signed``: [-1, 1]); gaps between tiles are NaN (drawn blank).
    """
    n = F.shape[0]
    h, w = image_shape
    cols = int(np.ceil(np.sqrt(n)))
    rows = int(np.ceil(n / cols))
    scale = np.maximum(np.abs(F).max(axis=1, keepdims=True), 1e-12)
    tiles = (F / scale).reshape(n, h, w)
    if not signed:
        tiles = np.clip(tiles, 0.0, None)
    out = np.full((rows * (h + gap) - gap, cols * (w + gap) - gap), np.nan)
    for k in range(n):                     # one slice assignment per tile (n is small)
        r, c = divmod(k, cols)
        out[r * (h + gap): r * (h + gap) + h, c * (w + gap): c * (w + gap) + w] = tiles[k]
    return out


def receptive_fields_plot(F: np.ndarray, image_shape: tuple[int, int], path: str | Path,
                          title: str = "", signed: bool = False) -> Path:
    """Save each neuron's input weights ``F`` [n_z, n_pixels] as a small image in a grid (PNG).

    ``signed``: diverging colour map centred on zero (ON minus OFF weights of image patches).
    """
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    mosaic = receptive_field_mosaic(np.asarray(F, float), image_shape, signed)
    fig, ax = plt.subplots(figsize=(0.3 * mosaic.shape[1] / 2 + 1, 0.3 * mosaic.shape[0] / 2 + 1))
    cmap = plt.get_cmap("RdBu_r" if signed else "gray_r").with_extremes(bad="white")
    ax.imshow(mosaic, cmap=cmap, vmin=-1 if signed else 0, vmax=1, interpolation="nearest")
    ax.set_axis_off()
    if title:
        ax.set_title(title, fontsize=9)
    path = Path(path)
    tmp = path.with_name(path.stem + f".tmp{os.getpid()}" + path.suffix)
    fig.savefig(tmp, dpi=110, bbox_inches="tight")
    plt.close(fig)
    os.replace(tmp, path)
    return path


def loss_curve_plot(x: list, curves: dict[str, np.ndarray], path: str | Path, xlabel: str,
                    title: str = "") -> Path:
    """Mean ± std (over seeds, axis 1) of the test decoder loss per rule, as PNG."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(4.2, 3.2))
    for label, values in curves.items():
        v = np.asarray(values, float)
        ax.errorbar(x, v.mean(axis=1), yerr=v.std(axis=1), marker="o", capsize=3, label=label)
    ax.set_xlabel(xlabel)
    ax.set_ylabel("test decoder loss")
    if title:
        ax.set_title(title, fontsize=9)
    ax.legend()
    fig.tight_layout()
    path = Path(path)
    tmp = path.with_name(path.stem + f".tmp{os.getpid()}" + path.suffix)
    fig.savefig(tmp, dpi=110)
    plt.close(fig)
    os.replace(tmp, path)
    return path
