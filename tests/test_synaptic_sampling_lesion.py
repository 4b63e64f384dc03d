"""A short lesion-recovery run (reference WTA) and the CLI's JSON contract."""

from __future__ import annotations

import json
from dataclasses import replace

import numpy as np
import pytest

from neurohw.networks.synaptic_sampling.study import StudyConfig, run_training


def test_performance_recovers_after_both_lesions():
    config = replace(StudyConfig(), pre=40, recover=40, window=8)
    summary = run_training("reference", None, config, lesion=True, seed=1)
    history = summary["history"]
    neuron_lesion, population_lesion = summary["lesions"]
    assert neuron_lesion["before"] > 0.8                      # it learnt (chance: 0.25)
    for lesion in summary["lesions"]:
        assert lesion["recovered"] >= 0.9 * lesion["before"], lesion
    assert history[40]["alive_neurons"] == 5 and history[39]["alive_neurons"] == 10
    # the population lesion took away half the inputs' synapses at once ...
    assert history[80]["connected_fraction"] < 0.8 * history[79]["connected_fraction"]
    # ... and rewiring kept going: synapses were created and eliminated throughout
    assert sum(r["created"] for r in history[50:]) > 0
    assert sum(r["eliminated"] for r in history[50:]) > 0
    assert 0 < summary["connected_fraction"] < 1
    assert summary["survival"][0] == 1.0 and np.all(np.diff(summary["survival"]) <= 0)


def test_cli_json_reference(capsys):
    from neurohw.networks.synaptic_sampling.cli import main

    assert main(["--backend", "reference", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["backend"] == "reference"
    assert out["final_accuracy"] > 0.8
    assert {"connected_fraction", "turnover_per_min", "rows_max"} <= set(out)


@pytest.mark.slow
@pytest.mark.nest
def test_nest_recovers_within_10_percent_after_each_lesion(nest_sim):
    """The README numbers on NEST (defaults, seed 1; ~5-15 min)."""
    summary = run_training("nest", nest_sim, StudyConfig(), lesion=True, seed=1)
    assert summary["target_met"], summary["lesions"]


@pytest.mark.slow
def test_emulator_recovers_within_10_percent_after_each_lesion():
    """The README numbers on the emulated chip (defaults, seed 1, chip_seed 1; ~1-2 min)."""
    import neurohw

    try:
        sim = neurohw.backend("emulator")
    except Exception as err:
        pytest.skip(f"emulator backend unavailable: {type(err).__name__}: {err}")
    summary = run_training("emulator", sim, StudyConfig(), lesion=True, seed=1,
                           setup_kwargs={"chip_seed": 1, "seed": 1})
    assert summary["target_met"], summary["lesions"]
    assert summary["rows_max"] <= 224
