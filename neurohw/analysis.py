"""Spike-train statistics for the reports, computed with elephant on neo data from any backend.

Every function accepts a :class:`neo.Block` (all its segments' spike trains, as the first segment
when there is one), a :class:`neo.Segment` or a sequence of :class:`neo.SpikeTrain` — exactly what
``Population.get_data()`` returns on NEST and on the emulator. Trains are taken in neuron order
(``source_index``/``channel_id`` annotation, as :mod:`neurohw.spikes` does).

* :func:`firing_rates` — mean firing rate per train (Hz), ``elephant.statistics.mean_firing_rate``;
* :func:`isi_cvs` — coefficient of variation of the inter-spike intervals per train
  (``elephant.statistics.isi`` + ``cv``); NaN for trains with fewer than 3 spikes;
* :func:`correlation_matrix` — Pearson correlation of binned trains
  (``elephant.spike_train_correlation.correlation_coefficient``);
* :func:`generator_pair_correlation` — mean correlation of source pairs that share an on-chip noise
  generator (source i uses generator ``i % n_generators``) vs pairs that do not;
* :func:`spike_statistics` — the summary a report shows; :func:`write_spike_analysis` writes it
  (JSON + side-by-side raster PNG) for several labelled runs, :func:`markdown_lines` as a table.
"""

from __future__ import annotations

import logging
import warnings
from contextlib import contextmanager
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, Union

import neo
import numpy as np
import quantities as pq

from neurohw.errors import SpikeDataError

SpikeData = Union[neo.Block, neo.Segment, Sequence]

__all__ = ["spiketrain_list", "firing_rates", "isi_cvs", "correlation_matrix",
           "generator_pair_correlation", "spike_statistics", "write_spike_analysis",
           "markdown_lines", "n_noise_generators"]


def _index(st: neo.SpikeTrain) -> int | None:
    for key in ("source_index", "channel_id"):
        if key in st.annotations:
            return int(st.annotations[key])
    return None


def spiketrain_list(data: SpikeData, window_ms: tuple[float, float] | None = None
                    ) -> list[neo.SpikeTrain]:
    """The spike trains of ``data`` in neuron order (first segment of a Block); with
    ``window_ms = (t0, t1)`` (biological ms) cut to that window (``SpikeTrain.time_slice``)."""
    if isinstance(data, neo.Block):
        if not data.segments:
            return []
        data = data.segments[0]
    trains = list(data.spiketrains) if isinstance(data, neo.Segment) else list(data)
    for st in trains:
        if not isinstance(st, neo.SpikeTrain):
            raise SpikeDataError(f"expected neo.SpikeTrain objects, got {type(st).__name__}; "
                                 "pass a neo Block/Segment or a list of SpikeTrains")
    keys = [_index(st) for st in trains]
    if trains and all(k is not None for k in keys):
        trains = [trains[i] for i in np.argsort(keys, kind="stable")]
    if window_ms is not None:
        t0, t1 = (float(t) for t in window_ms)
        trains = [st.time_slice(t0 * pq.ms, t1 * pq.ms) for st in trains]
    return trains


def firing_rates(data: SpikeData) -> np.ndarray:
    """Mean firing rate of each train over its [t_start, t_stop] (Hz)."""
    from elephant.statistics import mean_firing_rate

    return np.array([float(mean_firing_rate(st).rescale(pq.Hz).magnitude)
                     for st in spiketrain_list(data)])


def isi_cvs(data: SpikeData, min_spikes: int = 3) -> np.ndarray:
    """CV (std / mean, dimensionless) of each train's inter-spike intervals; NaN for trains with
    fewer than ``min_spikes`` spikes (0 for a perfectly regular train, ~1 for Poisson)."""
    from elephant.statistics import cv, isi

    trains = spiketrain_list(data)
    out = np.full(len(trains), np.nan)
    for i, st in enumerate(trains):
        if len(st) >= max(int(min_spikes), 3):
            out[i] = float(cv(np.asarray(isi(st).rescale(pq.ms).magnitude)))
    return out


def correlation_matrix(data: SpikeData, bin_ms: float = 5.0) -> np.ndarray:
    """Pearson correlation coefficients (n x n) of the trains binned in ``bin_ms`` (ms) bins;
    NaN in rows of trains without spikes. All trains must share t_start and t_stop."""
    from elephant.conversion import BinnedSpikeTrain
    from elephant.spike_train_correlation import correlation_coefficient

    trains = spiketrain_list(data)
    if len(trains) < 2:
        return np.full((len(trains), len(trains)), np.nan)
    with warnings.catch_warnings(), _elephant_log_quiet():
        # elephant warns about empty trains (-> NaN rows), drops a spike at exactly t_stop
        # (NEST can emit one there) and logs every spike it moves into the next bin because
        # of float rounding of spike times against bin edges (what binning should do)
        warnings.simplefilter("ignore")
        binned = BinnedSpikeTrain(trains, bin_size=float(bin_ms) * pq.ms)
        return np.asarray(correlation_coefficient(binned), dtype=float)


@contextmanager
def _elephant_log_quiet():
    """Hold elephant's utility logger at ERROR while binning (its rounding notes are not for
    the user of a report)."""
    import elephant.utils

    logger = getattr(elephant.utils, "logger", None)
    if logger is None:
        yield
        return
    level = logger.level
    logger.setLevel(logging.ERROR)
    try:
        yield
    finally:
        logger.setLevel(level)


def n_noise_generators(annotations: Mapping[str, Any]) -> int | None:
    """The number of shared on-chip noise generators of the emulator run whose neo annotations are
    ``annotations`` (per-chip count of the preset x ``n_chips``); None for other backends."""
    if annotations.get("backend") != "emulator":
        return None
    from neurohw.backends.emulator.chip.presets import get_preset

    return int(get_preset(annotations.get("preset", "bss1")).n_noise_generators
               * int(annotations.get("n_chips", 1)))


def _pair_summary(values: np.ndarray) -> dict[str, float | int]:
    values = values[np.isfinite(values)]
    if not values.size:
        return {"n_pairs": 0, "mean": float("nan"), "min": float("nan"), "max": float("nan")}
    return {"n_pairs": int(values.size), "mean": float(values.mean()),
            "min": float(values.min()), "max": float(values.max())}


def generator_pair_correlation(data: SpikeData, n_generators: int, bin_ms: float = 5.0,
                               first_index: int = 0) -> dict[str, Any]:
    """Correlation of pairs of Poisson sources that share an on-chip generator vs pairs that do
    not. Train k is source ``first_index + k`` (numbered over all Poisson populations in creation
    order), served by generator ``(first_index + k) % n_generators``.

    Returns ``{"same_generator": {...}, "different_generator": {...}, "bin_ms", "n_generators"}``
    with n_pairs, mean, min and max of the correlation coefficients of each group.
    """
    cc = correlation_matrix(data, bin_ms)
    n = cc.shape[0]
    gen = (int(first_index) + np.arange(n)) % int(n_generators)
    iu, ju = np.triu_indices(n, k=1)
    same = gen[iu] == gen[ju]
    pairs = cc[iu, ju]
    return {"same_generator": _pair_summary(pairs[same]),
            "different_generator": _pair_summary(pairs[~same]),
            "bin_ms": float(bin_ms), "n_generators": int(n_generators)}


def spike_statistics(data: SpikeData, bin_ms: float = 5.0) -> dict[str, Any]:
    """Summary of a population's activity: counts, rates (Hz), ISI CVs over the trains and the
    mean pairwise correlation coefficient of the trains binned in ``bin_ms`` ms."""
    trains = spiketrain_list(data)
    rates = firing_rates(trains)
    cvs = isi_cvs(trains)
    finite = cvs[np.isfinite(cvs)]

    def stat(fn, x):
        return float(fn(x)) if x.size else float("nan")

    duration = (float((trains[0].t_stop - trains[0].t_start).rescale(pq.ms).magnitude)
                if trains else 0.0)
    return {"n_trains": len(trains), "n_spikes": int(sum(len(st) for st in trains)),
            "duration_ms": duration,
            "rate_mean_hz": stat(np.mean, rates), "rate_std_hz": stat(np.std, rates),
            "rate_min_hz": stat(np.min, rates), "rate_max_hz": stat(np.max, rates),
            "cv_mean": stat(np.mean, finite), "cv_median": stat(np.median, finite),
            "n_cv": int(finite.size), "corr_mean": _mean_offdiagonal(trains, bin_ms),
            "corr_bin_ms": float(bin_ms)}


def _mean_offdiagonal(trains: list[neo.SpikeTrain], bin_ms: float) -> float:
    if len(trains) < 2:
        return float("nan")
    cc = correlation_matrix(trains, bin_ms)
    values = cc[np.triu_indices(cc.shape[0], k=1)]
    values = values[np.isfinite(values)]
    return float(values.mean()) if values.size else float("nan")


def _window(trains: list[neo.SpikeTrain], raster_ms: float) -> list[np.ndarray]:
    out = []
    for st in trains:
        t = np.asarray(st.rescale(pq.ms).magnitude, dtype=float)
        t0 = float(st.t_start.rescale(pq.ms).magnitude)
        out.append(t[(t >= t0) & (t < t0 + raster_ms)] - t0)
    return out


def write_spike_analysis(runs: Mapping[str, SpikeData], out: str | Path, stem: str = "spikes",
                         raster_ms: float = 500.0, title: str = "",
                         extra: Mapping[str, Any] | None = None,
                         window_ms: tuple[float, float] | None = None,
                         raster: bool = True) -> dict[str, Any]:
    """Statistics of each labelled run (see :func:`spike_statistics`), a side-by-side raster of
    the first ``raster_ms`` ms (biological) of each, and ``<stem>_analysis.json`` in ``out``.

    ``raster=False`` skips the PNG. ``window_ms`` (t0, t1), biological ms, restricts the analysis to that part of every run.
    ``extra`` (JSON-able) is stored in the JSON next to the statistics (e.g. correlations).
    Returns ``{"statistics": {label: {...}}, "files": {"raster": ..., "analysis": ...}}``.
    """
    from neurohw.cliutil import write_json_atomic
    from neurohw.plotting import raster_panels

    folder = Path(out)
    folder.mkdir(parents=True, exist_ok=True)
    trains = {label: spiketrain_list(data, window_ms) for label, data in runs.items()}
    stats = {label: spike_statistics(t) for label, t in trains.items()}
    files = {"analysis": str(folder / f"{stem}_analysis.json")}
    if raster:
        files["raster"] = str(raster_panels({label: _window(t, raster_ms)
                                             for label, t in trains.items()},
                                            folder / f"{stem}_raster.png", t_stop_ms=raster_ms,
                                            title=title))
    result: dict[str, Any] = {"statistics": stats, "raster_ms": float(raster_ms)}
    if extra:
        result.update(extra)
    write_json_atomic(folder / f"{stem}_analysis.json", {**result, "files": files})
    result["files"] = files
    return result


def markdown_lines(statistics: Mapping[str, Mapping[str, Any]]) -> list[str]:
    """A Markdown table of :func:`spike_statistics` results keyed by label."""
    lines = ["| run | trains | spikes | rate mean ± sd (Hz) | rate range (Hz) | "
             "CV of ISIs, mean (median) | mean pairwise corr. |", "|---|---|---|---|---|---|---|"]
    for label, s in statistics.items():
        lines.append(f"| {label} | {s['n_trains']} | {s['n_spikes']} | "
                     f"{s['rate_mean_hz']:.2f} ± {s['rate_std_hz']:.2f} | "
                     f"{s['rate_min_hz']:.2f} – {s['rate_max_hz']:.2f} | "
                     f"{s['cv_mean']:.3f} ({s['cv_median']:.3f}) | {s['corr_mean']:.3f} |")
    return lines
