"""Report of a calibration: spread per parameter before vs after, and histograms.

Spreads come from the chip's measured values (``measured_before`` at the nominal codes,
``measured_after`` at the calibrated codes), never from the hidden truth. Units: mV (bio) for
potentials, relative (std / target) for time constants and gains.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from neurohw.backends.emulator.chip import transfer

from .result import Calibration

#: Targets of issue 5: after/before ratio, absolute limits per kind.
MAX_RATIO = 0.2
MAX_POTENTIAL_SPREAD_MV = 1.0
MAX_RELATIVE_SPREAD = 0.05


def summary(cal: Calibration) -> dict:
    """Per-parameter spreads with a pass/fail against the issue's targets, plus totals."""
    out = {}
    for p, d in cal.spreads().items():
        limit = MAX_POTENTIAL_SPREAD_MV if p in transfer.POTENTIALS else MAX_RELATIVE_SPREAD
        d = dict(d)
        d["limit"] = limit
        d["meets_target"] = bool(d["spread_after"] <= limit and d["ratio"] <= MAX_RATIO)
        out[p] = d
    missing = dict(cal.settings.get("not_calibrated", {}))
    return {"id": cal.id, "chip_seed": cal.chip_seed, "preset": cal.preset,
            "n_circuits": int(cal.circuits.size), "wall_time_s": cal.wall_time_s,
            "parameters": out, "not_calibrated": missing,
            "all_targets_met": all(d["meets_target"] for d in out.values()) and not missing}


def text(cal: Calibration) -> str:
    """Human-readable table of :func:`summary`."""
    s = summary(cal)
    lines = [f"calibration {s['id']}: {s['n_circuits']} circuits, {s['wall_time_s']:.1f} s",
             f"{'parameter':<12}{'unit':>9}{'before':>10}{'after':>10}{'ratio':>8}  target met"]
    for p, d in s["parameters"].items():
        fmt = ".3f" if d["unit"] == "mV" else ".2%"
        lines.append(f"{p:<12}{d['unit']:>9}{format(d['spread_before'], fmt):>10}"
                     f"{format(d['spread_after'], fmt):>10}{d['ratio']:>8.3f}  "
                     f"{'yes' if d['meets_target'] else 'NO'}")
    for p, d in s["not_calibrated"].items():
        before = (f"{d['spread_before']:.3f} mV" if p in transfer.POTENTIALS
                  else f"{d['spread_before']:.2%}")
        lines.append(f"{p:<12} NOT CALIBRATED (uncalibrated spread {before}): {d['reason']}")
    return "\n".join(lines)


def plot_histograms(cal: Calibration, path: str | Path) -> Path:
    """One panel per parameter: histogram of the measured values before and after (bio
    units), target marked. Written with matplotlib's Agg backend."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    params = cal.parameters
    ncol = 3
    nrow = int(np.ceil(len(params) / ncol))
    fig, axes = plt.subplots(nrow, ncol, figsize=(4 * ncol, 3 * nrow), squeeze=False)
    for ax, p in zip(axes.flat, params):
        b = cal.measured_before[p][cal.circuits]
        a = cal.measured_after[p][cal.circuits]
        both = np.concatenate([b[np.isfinite(b)], a[np.isfinite(a)]])
        bins = np.linspace(both.min(), both.max(), 40) if both.size else 10
        ax.hist(b[np.isfinite(b)], bins=bins, alpha=0.6, label="uncalibrated")
        ax.hist(a[np.isfinite(a)], bins=bins, alpha=0.6, label="calibrated")
        ax.axvline(float(np.nanmean(cal.targets[p][cal.circuits])), color="k", lw=1)
        ax.set_title(f"{p} [{transfer.spec(p).unit}]")
    for ax in list(axes.flat)[len(params):]:
        ax.axis("off")
    axes.flat[0].legend(fontsize=8)
    fig.suptitle(f"{cal.id}: measured values across circuits")
    fig.tight_layout()
    path = Path(path)
    tmp = path.with_name(f".{path.name}.tmp.png")
    fig.savefig(tmp, dpi=80)
    plt.close(fig)
    tmp.replace(path)
    return path
