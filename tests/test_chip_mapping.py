"""Chip model: placement on circuits and synapse rows, fan-in and chip-size errors, losses."""

import numpy as np
import pytest

from neurohw.backends.emulator.chip import (Chip, ChipSwitches, MappingError, PopulationSpec,
                                            ProjectionSpec)


def all_to_all(label, pre, n_pre, post, n_post, receptor="excitatory"):
    i, j = np.meshgrid(np.arange(n_pre), np.arange(n_post), indexing="ij")
    return ProjectionSpec(label, pre, post, receptor, i.ravel(), j.ravel())


def test_populations_get_consecutive_circuits_sources_none():
    pops = [PopulationSpec("in", 50, True, "SpikeSourceArray"),
            PopulationSpec("exc", 400, False, "IF_cond_exp"),
            PopulationSpec("inh", 100, False, "IF_cond_exp")]
    placement = Chip().place(pops, [all_to_all("in->exc", "in", 50, "exc", 400)])
    np.testing.assert_array_equal(placement.circuits["exc"], np.arange(400))
    np.testing.assert_array_equal(placement.circuits["inh"], np.arange(400, 500))
    assert "in" not in placement.circuits and placement.sources == ["in"]
    assert np.all(placement.rows_used["exc"] == 50) and np.all(placement.rows_used["inh"] == 0)
    assert placement.n_lost_synapses == 0
    assert "500/512 neuron circuits" in placement.report()


def test_too_large_population_fails_naming_the_limit():
    pops = [PopulationSpec("big", 600, False, "IF_curr_exp")]
    with pytest.raises(MappingError) as err:
        Chip().place(pops, [])
    msg = str(err.value)
    assert "'big'" in msg and "512" in msg and "n_chips=2" in msg
    placement = Chip(n_chips=2).place(pops, [])
    assert placement.circuits["big"][-1] == 599
    assert Chip(switches=ChipSwitches(chip_size_limit=False)).place(pops, []).n_circuits_used == 600


def test_fan_in_overflow_fails_naming_projection_and_limit():
    pops = [PopulationSpec("in", 300, True, "SpikeSourcePoisson"),
            PopulationSpec("out", 10, False, "IF_cond_exp")]
    prj = [all_to_all("in->out", "in", 300, "out", 10)]
    with pytest.raises(MappingError) as err:
        Chip().place(pops, prj)
    msg = str(err.value)
    assert "in->out" in msg and "300" in msg and "224" in msg and "allow_synapse_loss" in msg
    assert Chip(switches=ChipSwitches(fan_in_limit=False)).place(pops, prj).n_lost_synapses == 0
    small = [all_to_all("in->out", "in", 250, "out", 10)]
    assert Chip(preset="bss2").place(pops, small).rows_used["out"].max() == 250


def test_a_row_carries_one_sign():
    pops = [PopulationSpec("in", 120, True, "SpikeSourceArray"),
            PopulationSpec("out", 3, False, "IF_cond_exp")]
    prj = [all_to_all("exc", "in", 120, "out", 3), all_to_all("inh", "in", 120, "out", 3,
                                                             "inhibitory")]
    with pytest.raises(MappingError, match="240 synapse rows"):
        Chip().place(pops, prj)
    # repeated connections from the same source and sign share one row
    twice = [all_to_all("a", "in", 120, "out", 3), all_to_all("b", "in", 120, "out", 3)]
    assert Chip().place(pops, twice).rows_used["out"].max() == 120


def test_synapse_loss_is_deterministic_and_counted():
    pops = [PopulationSpec("in", 300, True, "SpikeSourcePoisson"),
            PopulationSpec("out", 10, False, "IF_cond_exp")]
    prj = [all_to_all("in->out", "in", 300, "out", 10)]
    p1 = Chip().place(pops, prj, allow_synapse_loss=True)
    p2 = Chip().place(pops, prj, allow_synapse_loss=True)
    assert p1.lost_synapses["in->out"] == 10 * (300 - 224)
    np.testing.assert_array_equal(p1.kept["in->out"], p2.kept["in->out"])
    assert np.all(p1.rows_used["out"] == 224)
    kept_pre = prj[0].pre_index[p1.kept["in->out"]]
    assert kept_pre.max() == 223                    # first sources keep their rows
    assert p1.to_dict()["n_lost_synapses"] == 760 and "760 lost" in p1.report()
