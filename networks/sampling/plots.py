"""Figures of a sampling study: D_KL vs iteration, sampled vs target distribution, activation."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from neurohw.plotting import plt

from .activation import ActivationFit


def plot_kl(summary: dict[str, Any], path: str | Path) -> Path:
    """D_KL of each training iteration (log scale) and the long evaluations before/after."""
    path = Path(path)
    history = summary["history"]
    it = np.array([r["iteration"] for r in history])
    dkl = np.array([r["dkl"] for r in history])
    fig, ax = plt.subplots(figsize=(6, 4), dpi=110)
    ax.plot(it, dkl, ".-", label=f"per iteration ({summary['iteration_ms']:.0f} ms)")
    ax.axhline(summary["dkl_initial"], color="C3", ls="--",
               label=f"untrained, {summary['sampling_time_ms']:.0f} ms: "
                     f"{summary['dkl_initial']:.3g}")
    ax.axhline(summary["dkl_final"], color="C2", ls="--",
               label=f"trained, {summary['sampling_time_ms']:.0f} ms: {summary['dkl_final']:.3g}")
    ax.set_yscale("log")
    ax.set_xlabel("iteration")
    ax.set_ylabel("D_KL(p_sampled || p_target) (nats)")
    ax.set_title(f"LIF sampling trained in the loop on {summary['backend']}")
    ax.legend(fontsize=8)
    fig.subplots_adjust(left=0.14, right=0.97, bottom=0.12, top=0.92)
    fig.savefig(path)
    plt.close(fig)
    return path


def plot_distributions(summary: dict[str, Any], path: str | Path) -> Path:
    """Target vs sampled (untrained and trained) joint distributions over all 2^n states."""
    path = Path(path)
    p_target = np.asarray(summary["p_target"])
    n = int(summary["n_units"])
    x = np.arange(p_target.size)
    fig, ax = plt.subplots(figsize=(10, 4), dpi=110)
    width = 0.28
    ax.bar(x - width, p_target, width, label="target", color="0.3")
    ax.bar(x, summary["p_sampled_initial"], width,
           label=f"untrained (D_KL {summary['dkl_initial']:.3g})", color="C3")
    ax.bar(x + width, summary["p_sampled_final"], width,
           label=f"trained (D_KL {summary['dkl_final']:.3g})", color="C2")
    ax.set_xticks(x)
    ax.set_xticklabels([format(k, f"0{n}b")[::-1] for k in x], rotation=90, fontsize=7)
    ax.set_xlabel("state z_1 ... z_n")
    ax.set_ylabel("p(z)")
    ax.set_title(f"sampled vs target distribution ({summary['backend']})")
    ax.legend(fontsize=8)
    fig.subplots_adjust(left=0.07, right=0.99, bottom=0.22, top=0.92)
    fig.savefig(path)
    plt.close(fig)
    return path


def plot_activation(fit: ActivationFit, path: str | Path) -> Path:
    """Measured p(z = 1) vs rest potential with the fitted logistic of each neuron."""
    path = Path(path)
    fig, ax = plt.subplots(figsize=(6, 4), dpi=110)
    for j in range(fit.n_units):
        v = fit.v_rest_grid[:, j]
        fine = np.linspace(v.min(), v.max(), 200)
        ax.plot(v, fit.p_on[:, j], "o", color=f"C{j % 10}", ms=4)
        ax.plot(fine, fit.probability(fine[:, None])[:, j], "-", color=f"C{j % 10}",
                label=f"neuron {j}: v_half {fit.v_half[j]:.1f} mV, alpha {fit.alpha[j]:.2f} mV")
    ax.set_xlabel("rest potential (mV)")
    ax.set_ylabel("p(z = 1)")
    ax.set_title("activation functions (measured, logistic fit)")
    ax.legend(fontsize=7)
    fig.subplots_adjust(left=0.12, right=0.97, bottom=0.12, top=0.92)
    fig.savefig(path)
    plt.close(fig)
    return path
