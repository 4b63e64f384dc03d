"""Figures of the STDP windows (matplotlib Agg, PNG files)."""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

from neurohw.networks.predictive_stdp.window import BinnedWindow  # noqa: E402

__all__ = ["plot_windows"]


def plot_windows(eq1: BinnedWindow, stdp: BinnedWindow, path: str | Path, title: str = "",
                 eq1_label: str = "Eq. 1: pre spike x ds_post/dt") -> Path:
    """Save the Eq. 1 window (mean ± s.e.m., left axis) and the nearest-neighbour STDP window
    (right axis) against the timing difference Δ = t_post - t_pre as PNG at ``path``."""
    path = Path(path)
    fig, ax = plt.subplots(figsize=(6.5, 4), dpi=110)
    ok = np.isfinite(eq1.mean)
    ax.errorbar(eq1.centers[ok], eq1.mean[ok], yerr=eq1.sem[ok], fmt="o-", ms=3, color="C0",
                label=eq1_label)
    ax.axhline(0, color="k", lw=0.5)
    ax.axvline(0, color="k", lw=0.5)
    ax.set_xlabel(f"Δ = t_post - t_pre ({eq1.unit})")
    ax.set_ylabel("mean Eq. 1 update", color="C0")
    ax2 = ax.twinx()
    ok2 = np.isfinite(stdp.mean)
    ax2.plot(stdp.centers[ok2], stdp.mean[ok2], "s--", ms=3, color="C3",
             label="nearest-neighbour STDP")
    ax2.set_ylabel("mean STDP update", color="C3")
    lim = np.nanmax(np.abs(stdp.mean)) * 1.1
    ax2.set_ylim(-lim, lim)
    lim1 = np.nanmax(np.abs(eq1.mean[ok]) + eq1.sem[ok]) * 1.1
    ax.set_ylim(-lim1, lim1)
    lines = ax.get_legend_handles_labels()
    lines2 = ax2.get_legend_handles_labels()
    ax.legend(lines[0] + lines2[0], lines[1] + lines2[1], loc="upper left", fontsize=8)
    if title:
        ax.set_title(title, fontsize=10)
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)
    return path
