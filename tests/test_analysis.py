"""Spike-train analysis (elephant) for the reports: numbers on hand-made trains, the chip's shared
noise generators, and the report files."""

from __future__ import annotations

import json

import neo
import numpy as np
import pytest
import quantities as pq

from neurohw import analysis
from neurohw.noise_comparison import compare_backends, run_noise_network


def _train(times_ms, t_stop=1000.0, index=0):
    return neo.SpikeTrain(np.asarray(times_ms, float) * pq.ms, t_start=0 * pq.ms,
                          t_stop=t_stop * pq.ms, source_index=index)


def test_rates_and_cv_of_hand_made_trains():
    regular = _train(np.arange(5.0, 1000.0, 10.0), index=0)          # 100 spikes in 1 s
    # 51 spikes, ISIs alternating 10 and 30 ms
    alternating = _train(np.concatenate([[0.0], np.cumsum(np.tile([10.0, 30.0], 25))]),
                         index=1)
    silent = _train([], index=2)
    trains = [silent, alternating, regular]          # out of order: sorted by source_index
    np.testing.assert_allclose(analysis.firing_rates(trains), [100.0, 51.0, 0.0])
    cvs = analysis.isi_cvs(trains)
    assert cvs[0] == pytest.approx(0.0, abs=1e-12)
    assert cvs[1] == pytest.approx(0.5)               # std 10 / mean 20
    assert np.isnan(cvs[2])
    stats = analysis.spike_statistics(trains)
    assert stats["n_trains"] == 3 and stats["n_spikes"] == 151
    assert stats["rate_mean_hz"] == pytest.approx(151.0 / 3)
    assert stats["cv_mean"] == pytest.approx(0.25) and stats["n_cv"] == 2


def test_window_and_block_input():
    seg = neo.Segment()
    seg.spiketrains = [_train(np.arange(5.0, 1000.0, 10.0))]
    block = neo.Block()
    block.segments.append(seg)
    np.testing.assert_allclose(analysis.firing_rates(block), [100.0])
    cut = analysis.spiketrain_list(block, (0.0, 500.0))
    assert len(cut[0]) == 50
    np.testing.assert_allclose(analysis.firing_rates(cut), [100.0])


def test_generator_pair_correlation_on_hand_made_trains():
    rng = np.random.default_rng(0)
    a = np.sort(rng.uniform(0, 1000, 200))
    b = np.sort(rng.uniform(0, 1000, 200))
    # sources 0 and 2 share generator 0 of 2 (identical trains); 1 and 3 share generator 1
    trains = [_train(a, index=0), _train(b, index=1), _train(a, index=2),
              _train(np.sort(rng.uniform(0, 1000, 200)), index=3)]
    cc = analysis.correlation_matrix(trains, bin_ms=5.0)
    assert cc[0, 2] == pytest.approx(1.0)
    result = analysis.generator_pair_correlation(trains, n_generators=2, bin_ms=5.0)
    assert result["same_generator"]["n_pairs"] == 2
    assert result["same_generator"]["max"] == pytest.approx(1.0)
    assert result["different_generator"]["n_pairs"] == 4
    assert abs(result["different_generator"]["mean"]) < 0.15


def test_shared_generators_correlate_sources_on_the_chip_only():
    chip = run_noise_network("emulator", {"chip_seed": 1}, n=16, duration_ms=1000.0)
    n_gen = analysis.n_noise_generators(chip["annotations"])
    assert n_gen == 8
    c = analysis.generator_pair_correlation(chip["sources"], n_gen, bin_ms=5.0)
    assert c["same_generator"]["n_pairs"] == 8
    assert c["same_generator"]["min"] > 0.99
    assert abs(c["different_generator"]["mean"]) < 0.05
    rates = analysis.firing_rates(chip["sources"])
    assert rates.mean() == pytest.approx(300.0, rel=0.1)
    assert np.nanmean(analysis.isi_cvs(chip["sources"])) == pytest.approx(1.0, abs=0.1)


@pytest.mark.nest
def test_nest_sources_are_independent():
    nest = run_noise_network("nest", None, n=16, duration_ms=2000.0)
    assert analysis.n_noise_generators(nest["annotations"]) is None
    c = analysis.generator_pair_correlation(nest["sources"], 8, bin_ms=5.0)
    assert c["same_generator"]["max"] < 0.3          # the chip's pairs are identical (1.0)
    assert abs(c["same_generator"]["mean"]) < 0.1
    assert abs(c["different_generator"]["mean"]) < 0.05


def test_comparison_and_demo_report_written(tmp_path):
    from neurohw.cliutil import write_json_atomic
    from neurohw.demo import write_report

    summary_cmp = compare_backends({"emulator, uncalibrated": ("emulator", {"chip_seed": 1})},
                                   tmp_path, n=16, duration_ms=500.0, raster_ms=200.0)
    raster = tmp_path / "backends_raster.png"
    assert raster.is_file() and raster.stat().st_size > 1000
    saved = json.loads((tmp_path / "backends_analysis.json").read_text())
    assert saved["runs"]["emulator, uncalibrated"]["correlation_sources"]["same_generator"][
        "min"] > 0.99
    stats = analysis.spike_statistics([_train(np.arange(5.0, 1000.0, 10.0))])
    summary = {
        "chip_seed": 1, "seed": 1, "quick": True, "wall_s": 1.0,
        "calibration": {"source": "measured", "id": "x", "n_circuits_calibrated": 1,
                        "spreads": {}},
        "sampling": {"nest": {"dkl_initial": 0.1, "dkl_final": 0.01, "iterations": 1,
                              "sampling_time_ms": 1000.0, "wall_s": 1.0, "files": {},
                              "spike_statistics": stats}},
        "ensemble": None,
        "backends": summary_cmp,
    }
    path = write_report(summary, tmp_path)
    text = path.read_text()
    assert "](backends_raster.png)" in text
    assert "sources, same generator" in text and "1.000" in text
    assert "CV of ISIs" in text
    write_json_atomic(tmp_path / "summary.json", summary)   # JSON-able
