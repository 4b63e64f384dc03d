"""Small matplotlib helpers (Agg backend, files only) used by the CLI reports."""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402


def raster_plot(spike_times: list[np.ndarray], path: str | Path, title: str = "",
                t_stop_ms: float | None = None) -> Path:
    """Save a spike raster (one row per neuron, times in ms) as PNG at ``path``."""
    path = Path(path)
    fig, ax = plt.subplots(figsize=(8, 4), dpi=110)
    lengths = [len(t) for t in spike_times]
    if sum(lengths):
        xs = np.concatenate(spike_times)
        ys = np.repeat(np.arange(len(spike_times)), lengths)
        ax.plot(xs, ys, "|", markersize=2, color="k")
    ax.set_xlabel("time (ms, biological)")
    ax.set_ylabel("neuron")
    if t_stop_ms is not None:
        ax.set_xlim(0, t_stop_ms)
    ax.set_title(title)
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)
    return path


def line_plot(series: dict[str, tuple[np.ndarray, np.ndarray]], path: str | Path, xlabel: str,
              ylabel: str, title: str = "", logy: bool = False) -> Path:
    """Save several (x, y) curves, keyed by legend label, as PNG at ``path``."""
    path = Path(path)
    fig, ax = plt.subplots(figsize=(6, 4), dpi=110)
    for label, (x, y) in series.items():
        ax.plot(x, y, label=label, marker=".")
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    if logy:
        ax.set_yscale("log")
    if title:
        ax.set_title(title)
    if len(series) > 1:
        ax.legend()
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)
    return path


def raster_panels(panels: dict[str, list[np.ndarray]], path: str | Path, t_stop_ms: float,
                  title: str = "") -> Path:
    """Save spike rasters side by side, one panel per label (e.g. per backend), sharing the
    neuron axis; ``panels`` maps label -> spike times (ms, biological) per neuron."""
    path = Path(path)
    n = max(len(panels), 1)
    fig, axes = plt.subplots(1, n, figsize=(4.2 * n, 3.8), dpi=110, sharey=True, squeeze=False)
    for ax, (label, spike_times) in zip(axes[0], panels.items()):
        lengths = [len(t) for t in spike_times]
        if sum(lengths):
            xs = np.concatenate([np.asarray(t, float) for t in spike_times])
            ys = np.repeat(np.arange(len(spike_times)), lengths)
            ax.plot(xs, ys, "|", markersize=3, color="k")
        ax.set_xlim(0, t_stop_ms)
        ax.set_ylim(-0.5, max(len(spike_times), 1) - 0.5)
        ax.set_xlabel("time (ms, biological)")
        ax.set_title(label, fontsize=10)
    axes[0][0].set_ylabel("neuron")
    if title:
        fig.suptitle(title, fontsize=10)
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)
    return path
